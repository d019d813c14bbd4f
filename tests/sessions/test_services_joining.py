from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings

from sessions.models import Enrollment, JoinConfirmation, Member, RateCounter
from sessions.services.joining import (
    JOIN_CAP_CLIENT,
    JOIN_CAP_CONTACT,
    JOIN_CAP_GLOBAL,
    JOIN_CAP_NUMBER,
    MESSAGE_CONFIRMATION_SENT,
    JoinLimitReached,
    group_join,
    rate_counter_take,
)
from sessions.services.send_caps import send_cap_scope
from tests.factories import EnrollmentFactory, MemberFactory, SupportGroupFactory, VenueFactory
from tests.sessions.concurrency import run_in_threads

# The one answer to any join naming a known phone or email.
CONFIRMATION_SENT = {"status": "confirmation_sent", "self_service_url": None, "messages": [MESSAGE_CONFIRMATION_SENT]}

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
TODAY = NOW.date()


def join_url(group) -> str:
    return f"/api/groups/{group.slug}/join/"


def post_join(client, group, *, ip="203.0.113.7", **body):
    body.setdefault("display_name", "Ana")
    return client.post(join_url(group), body, format="json", REMOTE_ADDR=ip)


# --- The HTTP contract ----------------------------------------------------------------


@pytest.mark.django_db
def test_new_member_joins_with_phone_and_gets_pending_consent_and_their_link(api_client, settings):
    group = SupportGroupFactory()
    response = post_join(
        api_client, group, phone="(217) 555-0142", sms_reminders=True, time_zone="America/Chicago", note="hello"
    )
    assert response.status_code == 201
    body = response.json()
    member = Member.objects.get(phone="+12175550142")
    assert body["status"] == "active"
    assert body["waitlist_position"] is None
    assert body["self_service_url"] == f"{settings.PUBLIC_BASE_URL}/api/me/{member.token}/"
    assert body["sms_consent"] == "pending"
    assert member.sms_consent == Member.SmsConsent.PENDING
    assert member.sms_consent_source == Member.ConsentSource.WEB_FORM
    assert member.sms_consent_at is not None
    assert member.sms_reminders is True
    assert Enrollment.objects.get(member=member, group=group).join_note == "hello"


@pytest.mark.django_db
def test_repeat_join_is_202_and_sends_no_second_confirmation(api_client):
    group = SupportGroupFactory()
    first = post_join(api_client, group, phone="+12175550142", sms_reminders=True)
    assert first.status_code == 201
    again = post_join(api_client, group, phone="217-555-0142", sms_reminders=True)
    assert again.status_code == 202
    assert again.json() == CONFIRMATION_SENT
    assert Enrollment.objects.filter(group=group).count() == 1
    # Already on the roster: nothing to confirm, so no request is recorded.
    assert not JoinConfirmation.objects.exists()
    assert RateCounter.objects.get(scope=send_cap_scope("destination", "+12175550142")).count == 1


@pytest.mark.django_db
def test_existing_member_joining_another_group_is_asked_and_nothing_changes(api_client):
    member = MemberFactory(
        display_name="Ruth", phone="+12175550199", email="ruth@example.org", sms_consent="confirmed", timezone="UTC"
    )
    group = SupportGroupFactory()
    response = post_join(
        api_client,
        group,
        display_name="Mallory",
        phone="2175550199",
        email="mallory@example.org",
        time_zone="Asia/Tokyo",
        note="let me in",
        sms_reminders=True,
        email_reminders=True,
    )
    assert response.status_code == 202
    assert response.json() == CONFIRMATION_SENT
    content = response.content.decode()
    for stored in (member.token, "Ruth", "ruth@example.org", "+12175550199", "sms_consent"):
        assert stored not in content
    member.refresh_from_db()
    assert (member.display_name, member.email, member.timezone) == ("Ruth", "ruth@example.org", "UTC")
    assert not Member.objects.filter(email="mallory@example.org").exists()
    # Not enrolled until they confirm; the request waits for them.
    assert not Enrollment.objects.filter(member=member, group=group).exists()
    confirmation = JoinConfirmation.objects.get(member=member, group=group)
    assert confirmation.confirmed_at is None and confirmation.join_note == "let me in"


def _known_member(group, state: str) -> None:
    phone = "+12175550300"
    if state == "enrolled":
        EnrollmentFactory(group=group, member=MemberFactory(phone=phone, sms_consent="confirmed"))
    elif state == "waitlisted":
        member = MemberFactory(phone=phone)
        Enrollment.objects.create(member=member, group=group, status="waitlisted", waitlist_position=1)
    elif state == "left":
        EnrollmentFactory(group=group, member=MemberFactory(phone=phone), status="left")
    elif state == "opted_out":
        MemberFactory(phone=phone, sms_consent="opted_out", email="o@example.org")
    elif state == "pending_elsewhere":
        EnrollmentFactory(member=MemberFactory(phone=phone, sms_consent="pending"))


def _join_as_known_member(api_client, group):
    return post_join(api_client, group, display_name="Someone", phone="(217) 555-0300", sms_reminders=True)


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["enrolled", "waitlisted", "left", "opted_out", "pending_elsewhere"])
def test_every_known_member_gets_the_byte_identical_answer(api_client, state):
    group = SupportGroupFactory(slug="suicide-loss-circle")
    _known_member(group, state)
    response = _join_as_known_member(api_client, group)
    reference = (
        b'{"status":"confirmation_sent","self_service_url":null,"messages":["'
        + MESSAGE_CONFIRMATION_SENT.encode()
        + b'"]}'
    )
    assert response.status_code == 202
    assert response.content == reference
    assert response["Content-Type"] == "application/json"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("state", "asked"),
    [("enrolled", False), ("waitlisted", False), ("left", True), ("opted_out", True), ("pending_elsewhere", True)],
)
def test_known_member_join_enrols_nobody_and_asks_only_those_not_on_the_roster(api_client, state, asked):
    group = SupportGroupFactory()
    _known_member(group, state)
    before = list(Enrollment.objects.values_list("id", "group_id", "status", "waitlist_position"))
    _join_as_known_member(api_client, group)
    after = list(Enrollment.objects.values_list("id", "group_id", "status", "waitlist_position"))
    assert after == before
    assert JoinConfirmation.objects.filter(group=group).exists() is asked
    member = Member.objects.get(phone="+12175550300")
    assert member.sms_consent == {
        "enrolled": "confirmed",
        "opted_out": "opted_out",
        "pending_elsewhere": "pending",
    }.get(state, "none")


@pytest.mark.django_db
def test_asking_twice_keeps_one_request(api_client):
    member = MemberFactory(phone="+12175550301")
    group = SupportGroupFactory()
    post_join(api_client, group, phone="+12175550301", note="first")
    first = JoinConfirmation.objects.get(member=member, group=group)
    post_join(api_client, group, phone="+12175550301", note="second", ip="198.51.100.4")
    again = JoinConfirmation.objects.get(member=member, group=group)
    assert (again.pk, again.requested_at, again.join_note) == (first.pk, first.requested_at, "first")


@pytest.mark.django_db
def test_a_join_by_email_of_a_known_member_is_answered_the_same(api_client):
    MemberFactory(phone=None, email="kim@example.org", email_consent=True)
    response = post_join(api_client, SupportGroupFactory(), email="KIM@example.org")
    assert response.status_code == 202 and response.json() == CONFIRMATION_SENT


@pytest.mark.django_db
@override_settings(SEND_CAP_PER_DESTINATION=2)
def test_joins_naming_one_known_member_are_capped_whatever_their_state(api_client):
    member = MemberFactory(phone="+12175550302")
    groups = [SupportGroupFactory() for _ in range(3)]
    EnrollmentFactory(member=member, group=groups[0])
    for n, group in enumerate(groups[:2]):
        assert post_join(api_client, group, phone="+12175550302", ip=f"198.51.100.{n}").status_code == 202
    refused = post_join(api_client, groups[2], phone="+12175550302", ip="198.51.100.9")
    assert refused.status_code == 429
    assert refused.json() == {"detail": JOIN_CAP_CONTACT}
    assert not JoinConfirmation.objects.filter(group=groups[2]).exists()


@pytest.mark.django_db
def test_email_only_join_records_email_consent_and_no_sms(api_client):
    response = post_join(api_client, SupportGroupFactory(), email="Lee@Example.org", email_reminders=True)
    assert response.status_code == 201
    member = Member.objects.get(email="lee@example.org")
    assert member.phone is None and member.sms_consent == "none"
    assert member.email_consent and member.email_consent_source == "web_form"


@pytest.mark.django_db
def test_phone_uses_the_venue_country_as_default_region(api_client):
    venue = VenueFactory(country="GB", city="Manchester", latitude=53.48, longitude=-2.24, timezone="Europe/London")
    group = SupportGroupFactory(venue=venue, organization=venue.organization)
    response = post_join(api_client, group, phone="07400 123456")
    assert response.status_code == 201
    assert Member.objects.filter(phone="+447400123456").exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"phone": "12"}, "phone"),
        ({}, "phone"),
        ({"email": "a@example.org", "sms_reminders": True}, "phone"),
        ({"phone": "+12175550100", "email_reminders": True}, "email"),
        ({"phone": "+12175550100", "time_zone": "Mars/Olympus"}, "time_zone"),
        ({"phone": "+12175550100", "display_name": ""}, "display_name"),
        ({"email": "not-an-email"}, "email"),
    ],
)
def test_bad_join_input_is_400_naming_the_field_and_writes_nothing(api_client, body, field):
    group = SupportGroupFactory()
    response = post_join(api_client, group, **body)
    assert response.status_code == 400
    assert field in response.json()
    assert not Member.objects.exists() and not Enrollment.objects.exists()


@pytest.mark.django_db
def test_join_unknown_group_is_404(api_client):
    assert api_client.post("/api/groups/nope/join/", {"display_name": "A", "phone": "+12175550100"}).status_code == 404


@pytest.mark.django_db
def test_full_group_puts_the_joiner_on_the_waitlist(api_client):
    group = SupportGroupFactory(capacity=1)
    EnrollmentFactory(group=group)
    response = post_join(api_client, group, phone="+12175550150")
    assert response.status_code == 201
    assert response.json()["status"] == "waitlisted"
    assert response.json()["waitlist_position"] == 1


@pytest.mark.django_db
def test_approval_group_makes_a_request(api_client):
    group = SupportGroupFactory(enrollment_mode="approval")
    assert post_join(api_client, group, phone="+12175550151").json()["status"] == "requested"


# --- Abuse caps -----------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(SEND_CAP_PER_CLIENT=2)
def test_client_cap_refuses_with_429_and_writes_nothing(api_client):
    group = SupportGroupFactory()
    for n in range(2):
        assert post_join(api_client, group, phone=f"+1217555016{n}", sms_reminders=True).status_code == 201
    response = post_join(api_client, group, phone="+12175550169", sms_reminders=True)
    assert response.status_code == 429
    assert response.json() == {"detail": JOIN_CAP_CLIENT}
    assert not Member.objects.filter(phone="+12175550169").exists()
    assert RateCounter.objects.get(scope=send_cap_scope("global")).count == 2
    # Another connection is not affected; nor is a join that sends no text.
    assert post_join(api_client, group, phone="+12175550169", sms_reminders=True, ip="198.51.100.1").status_code == 201
    assert post_join(api_client, group, phone="+12175550170").status_code == 201


@pytest.mark.django_db
@override_settings(SEND_CAP_PER_DESTINATION=1)
def test_number_cap_counts_confirmation_texts_to_one_number(api_client):
    group = SupportGroupFactory()
    assert post_join(api_client, group, phone="+12175550180", sms_reminders=True).status_code == 201
    # The member was erased meanwhile (the number is free again): a second text today is over the cap.
    Member.objects.filter(phone="+12175550180").delete()
    response = post_join(api_client, group, phone="+12175550180", sms_reminders=True, ip="198.51.100.9")
    assert response.status_code == 429
    assert response.json()["detail"] == JOIN_CAP_NUMBER
    assert not Member.objects.filter(phone="+12175550180").exists()


@pytest.mark.django_db
@override_settings(SEND_CAP_GLOBAL=1)
def test_global_cap(api_client):
    group = SupportGroupFactory()
    assert post_join(api_client, group, phone="+12175550190", sms_reminders=True).status_code == 201
    response = post_join(api_client, group, phone="+12175550191", sms_reminders=True, ip="198.51.100.2")
    assert response.status_code == 429 and response.json()["detail"] == JOIN_CAP_GLOBAL


@pytest.mark.django_db
def test_counters_are_per_day():
    assert rate_counter_take(scope="s", day=TODAY, cap=1)
    assert not rate_counter_take(scope="s", day=TODAY, cap=1)
    assert rate_counter_take(scope="s", day=TODAY + dt.timedelta(days=1), cap=1)
    assert not rate_counter_take(scope="t", day=TODAY, cap=0)


@pytest.mark.django_db
@override_settings(SEND_CAP_GLOBAL=0)
def test_service_raises_join_limit_reached_before_writing():
    group = SupportGroupFactory()
    with pytest.raises(JoinLimitReached) as info:
        group_join(group=group, display_name="A", phone="+12175550111", sms_reminders=True, client="x", now=NOW)
    assert info.value.scope == "global"
    assert not Member.objects.exists() and not Enrollment.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_counter_takes_never_pass_the_cap(requires_postgres):
    results = run_in_threads(12, lambda i: rate_counter_take(scope="race", day=TODAY, cap=5))
    assert results.count(True) == 5 and results.count(False) == 7
    assert RateCounter.objects.get(scope="race", day=TODAY).count == 5


@pytest.mark.django_db(transaction=True)
@override_settings(SEND_CAP_PER_CLIENT=3)
def test_concurrent_joins_from_one_client_stop_at_the_cap(requires_postgres):
    group = SupportGroupFactory()
    assert connection.vendor == "postgresql"

    def join(index: int):
        return group_join(
            group=group,
            display_name=f"P{index}",
            phone=f"+1217555{index + 300:04d}",
            sms_reminders=True,
            client="203.0.113.50",
            now=NOW,
        )

    results = run_in_threads(10, join)
    refused = [r for r in results if isinstance(r, JoinLimitReached)]
    joined = [r for r in results if not isinstance(r, Exception)]
    assert len(joined) == 3 and len(refused) == 7, results
    assert Member.objects.filter(sms_consent="pending").count() == 3
    assert Enrollment.objects.filter(group=group).count() == 3
    assert RateCounter.objects.get(scope=send_cap_scope("client", "203.0.113.50")).count == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_with_the_same_number_make_one_member_and_one_text(requires_postgres):
    group = SupportGroupFactory()

    def join(index: int):
        return group_join(
            group=group, display_name="Same", phone="+12175550400", sms_reminders=True, client=f"c{index}", now=NOW
        )

    results = run_in_threads(6, join)
    # The losers find the winner's member: they get the known-member answer (or, past the
    # per-member cap of 3, a 429), never an error and never a second member or text.
    refused = [r for r in results if isinstance(r, JoinLimitReached)]
    assert all(r.scope == "destination" for r in refused), results
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, JoinLimitReached)], results
    joined = [r for r in results if not isinstance(r, Exception)]
    assert sum(1 for r in joined if r.member_created) == 1
    assert all(r.messages == [MESSAGE_CONFIRMATION_SENT] for r in joined if not r.member_created)
    assert Member.objects.filter(phone="+12175550400").count() == 1
    assert Enrollment.objects.filter(group=group).count() == 1
    assert not JoinConfirmation.objects.exists()
    assert RateCounter.objects.get(scope=send_cap_scope("destination", "+12175550400")).count == 1


@pytest.mark.django_db(transaction=True)
@override_settings(SEND_CAP_PER_DESTINATION=10)
def test_concurrent_joins_naming_one_known_member_record_one_request(requires_postgres):
    member = MemberFactory(phone="+12175550500")
    group = SupportGroupFactory()

    def join(index: int):
        return group_join(group=group, display_name=f"X{index}", phone="+12175550500", client=f"c{index}", now=NOW)

    results = run_in_threads(6, join)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert {tuple(r.messages) for r in results} == {(MESSAGE_CONFIRMATION_SENT,)}
    assert JoinConfirmation.objects.filter(member=member, group=group).count() == 1
    assert not Enrollment.objects.filter(member=member).exists()
