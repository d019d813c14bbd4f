from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import override_settings

from sessions.models import ContactProof, Enrollment, JoinRequest, Member, RateCounter
from sessions.services.joining import (
    JOIN_CAP_CLIENT,
    JOIN_CAP_CONTACT,
    JOIN_CAP_GLOBAL,
    JOIN_CAP_NUMBER,
    MESSAGE_JOIN_REQUESTED_EMAIL,
    MESSAGE_JOIN_REQUESTED_SMS,
    JoinLimitReached,
    group_join,
    rate_counter_take,
)
from sessions.services.proofs import phone_confirm
from sessions.services.send_caps import send_cap_scope
from tests.factories import EnrollmentFactory, MemberFactory, SupportGroupFactory, VenueFactory
from tests.sessions.concurrency import run_in_threads

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
TODAY = NOW.date()
ANSWER_KEYS = {"status", "request_url", "request_token", "confirm_by", "contacts", "expires_at", "messages"}


def join_url(group) -> str:
    return f"/api/groups/{group.slug}/join/"


def post_join(client, group, *, ip="203.0.113.7", **body):
    body.setdefault("display_name", "Ana")
    return client.post(join_url(group), body, format="json", REMOTE_ADDR=ip)


def _without_handle(body: dict) -> dict:
    # The handle and its expiry differ per request by design; everything else must not.
    return {k: v for k, v in body.items() if k not in ("request_url", "request_token", "expires_at")}


# --- The HTTP contract ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_contact_gets_a_request_handle_never_a_self_service_link(api_client, settings):
    """Claiming a stranger's contact: a join used to answer 201 with the member's token."""
    group = SupportGroupFactory()
    response = post_join(
        api_client, group, phone="(217) 555-0142", sms_reminders=True, time_zone="America/Chicago", note="hello"
    )
    assert response.status_code == 202
    body = response.json()
    assert set(body) == ANSWER_KEYS
    member = Member.objects.get(phone="+12175550142")
    assert member.token not in response.content.decode()
    assert "/me/" not in response.content.decode()
    request = JoinRequest.objects.get(member=member, group=group)
    assert body["request_url"] == f"{settings.PUBLIC_BASE_URL}/api/join-requests/{request.token}/"
    assert body["status"] == "waiting_for_confirmation"
    assert body["confirm_by"] == ["sms"]
    assert body["contacts"] == ["••••••••••42"]
    assert body["messages"] == [MESSAGE_JOIN_REQUESTED_SMS]
    # Nothing is enrolled, no seat is held, nothing is proven or consented yet.
    assert not Enrollment.objects.exists()
    assert member.phone_verified_at is None and not member.is_proven
    assert member.sms_consent == Member.SmsConsent.NONE
    assert request.note == "hello" and request.sms_reminders is True
    proof = ContactProof.objects.get(member=member)
    assert (proof.channel, proof.destination, proof.join_request) == ("sms", "+12175550142", request)


def _known_member(group, state: str) -> None:
    phone = "+12175550300"
    org = group.organization
    if state == "new":
        return
    if state == "enrolled":
        EnrollmentFactory(group=group, member=MemberFactory(phone=phone, sms_consent="confirmed", organization=org))
    elif state == "waitlisted":
        member = MemberFactory(phone=phone, organization=org)
        Enrollment.objects.create(member=member, group=group, status="waitlisted", waitlist_position=1)
    elif state == "left":
        EnrollmentFactory(group=group, member=MemberFactory(phone=phone, organization=org), status="left")
    elif state == "opted_out":
        MemberFactory(phone=phone, sms_consent="opted_out", email="o@example.org", organization=org)
    elif state == "unproven":
        MemberFactory(phone=phone, organization=org, phone_verified_at=None)
    elif state == "other_organization":
        EnrollmentFactory(member=MemberFactory(phone=phone, sms_consent="confirmed"))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "state", ["new", "enrolled", "waitlisted", "left", "opted_out", "unproven", "other_organization"]
)
def test_every_join_gets_the_same_answer_whoever_the_contact_belongs_to(api_client, state):
    """Also removes the old 201-versus-202 oracle on whether a contact is known."""
    group = SupportGroupFactory(slug="suicide-loss-circle")
    _known_member(group, state)
    response = post_join(api_client, group, display_name="Someone", phone="(217) 555-0300", sms_reminders=True)
    assert response.status_code == 202
    assert response["Content-Type"] == "application/json"
    assert _without_handle(response.json()) == {
        "status": "waiting_for_confirmation",
        "confirm_by": ["sms"],
        "contacts": ["••••••••••00"],
        "messages": [MESSAGE_JOIN_REQUESTED_SMS],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("state", ["enrolled", "waitlisted", "left", "opted_out", "other_organization"])
def test_a_join_naming_a_known_contact_changes_no_enrollment(api_client, state):
    group = SupportGroupFactory()
    _known_member(group, state)
    before = list(Enrollment.objects.values_list("id", "member_id", "group_id", "status", "waitlist_position"))
    post_join(api_client, group, display_name="Someone", phone="(217) 555-0300", sms_reminders=True)
    after = list(Enrollment.objects.values_list("id", "member_id", "group_id", "status", "waitlist_position"))
    assert after == before
    assert JoinRequest.objects.filter(group=group).count() == 1


@pytest.mark.django_db
def test_existing_member_joining_another_group_is_asked_and_nothing_changes(api_client):
    group = SupportGroupFactory()
    member = MemberFactory(
        organization=group.organization,
        display_name="Ruth",
        phone="+12175550199",
        email="ruth@example.org",
        sms_consent="confirmed",
        timezone="UTC",
    )
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
    content = response.content.decode()
    for stored in (member.token, "Ruth", "ruth@example.org", "+12175550199", "sms_consent"):
        assert stored not in content
    member.refresh_from_db()
    assert (member.display_name, member.email, member.timezone) == ("Ruth", "ruth@example.org", "UTC")
    assert not Member.objects.filter(email="mallory@example.org").exists()
    assert not Enrollment.objects.filter(member=member, group=group).exists()
    request = JoinRequest.objects.get(member=member, group=group)
    assert request.confirmed_at is None and request.note == "let me in"
    # The one confirmation goes to the phone on file; the typed email gets nothing.
    assert list(ContactProof.objects.values_list("channel", "destination")) == [("sms", "+12175550199")]


@pytest.mark.django_db
def test_an_email_only_join_sends_an_email_confirmation_and_records_no_consent_yet(api_client):
    response = post_join(api_client, SupportGroupFactory(), email="Lee@Example.org", email_reminders=True)
    assert response.status_code == 202
    assert response.json()["confirm_by"] == ["email"]
    assert response.json()["contacts"] == ["l•••@e•••"]
    assert response.json()["messages"] == [MESSAGE_JOIN_REQUESTED_EMAIL]
    member = Member.objects.get(email="lee@example.org")
    assert member.phone is None and member.sms_consent == "none"
    # Double opt-in: no email consent until the address is confirmed.
    assert not member.email_consent and member.email_verified_at is None
    assert ContactProof.objects.get(member=member).channel == "email"


@pytest.mark.django_db
def test_phone_uses_the_venue_country_as_default_region(api_client):
    venue = VenueFactory(country="GB", city="Manchester", latitude=53.48, longitude=-2.24, timezone="Europe/London")
    group = SupportGroupFactory(venue=venue, organization=venue.organization)
    response = post_join(api_client, group, phone="07400 123456")
    assert response.status_code == 202
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
    assert not Member.objects.exists() and not JoinRequest.objects.exists()


@pytest.mark.django_db
def test_join_unknown_group_is_404(api_client):
    assert api_client.post("/api/groups/nope/join/", {"display_name": "A", "phone": "+12175550100"}).status_code == 404


@pytest.mark.django_db
def test_a_confirmed_request_to_a_full_group_goes_on_the_waitlist():
    group = SupportGroupFactory(capacity=1)
    EnrollmentFactory(group=group)
    result = group_join(group=group, display_name="Ana", phone="+12175550150", now=NOW)
    proof = phone_confirm(member=result.join_request.member, now=NOW + dt.timedelta(minutes=2))
    assert (proof.enrollment.status, proof.enrollment.waitlist_position) == ("waitlisted", 1)


@pytest.mark.django_db
def test_a_confirmed_request_to_an_approval_group_waits_for_the_facilitator():
    group = SupportGroupFactory(enrollment_mode="approval")
    result = group_join(group=group, display_name="Ana", phone="+12175550151", now=NOW)
    proof = phone_confirm(member=result.join_request.member, now=NOW + dt.timedelta(minutes=2))
    assert proof.enrollment.status == "requested"


# --- Abuse caps -----------------------------------------------------------------------


@pytest.mark.django_db
@override_settings(SEND_CAP_PER_CLIENT=2)
def test_client_cap_refuses_with_429_and_writes_nothing(api_client):
    group = SupportGroupFactory()
    for n in range(2):
        assert post_join(api_client, group, phone=f"+1217555016{n}", sms_reminders=True).status_code == 202
    response = post_join(api_client, group, phone="+12175550169", sms_reminders=True)
    assert response.status_code == 429
    assert response.json() == {"detail": JOIN_CAP_CLIENT}
    assert not Member.objects.filter(phone="+12175550169").exists()
    assert RateCounter.objects.get(scope=send_cap_scope("global")).count == 2
    # Another connection is not affected.
    assert post_join(api_client, group, phone="+12175550169", sms_reminders=True, ip="198.51.100.1").status_code == 202


@pytest.mark.django_db
@override_settings(SEND_CAP_PER_DESTINATION=1)
def test_number_cap_counts_confirmation_texts_to_one_number(api_client):
    group = SupportGroupFactory()
    assert post_join(api_client, group, phone="+12175550180").status_code == 202
    response = post_join(api_client, group, phone="+12175550180", ip="198.51.100.9")
    assert response.status_code == 429
    assert response.json()["detail"] == JOIN_CAP_NUMBER
    assert JoinRequest.objects.count() == 1


@pytest.mark.django_db
@override_settings(SEND_CAP_PER_DESTINATION=1)
def test_a_known_number_is_capped_exactly_like_an_unknown_one(api_client):
    group = SupportGroupFactory()
    EnrollmentFactory(group=group, member=MemberFactory(phone="+12175550302", organization=group.organization))
    assert post_join(api_client, group, phone="+12175550302", ip="198.51.100.1").status_code == 202
    refused = post_join(api_client, group, phone="+12175550302", ip="198.51.100.2")
    assert refused.status_code == 429 and refused.json()["detail"] == JOIN_CAP_NUMBER


@pytest.mark.django_db
@override_settings(SEND_CAP_PER_DESTINATION=1)
def test_email_confirmations_are_capped_per_address(api_client):
    group = SupportGroupFactory()
    assert post_join(api_client, group, email="kim@example.org").status_code == 202
    refused = post_join(api_client, group, email="KIM@example.org", ip="198.51.100.3")
    assert refused.status_code == 429 and refused.json()["detail"] == JOIN_CAP_CONTACT


@pytest.mark.django_db
@override_settings(SEND_CAP_GLOBAL=1)
def test_global_cap(api_client):
    group = SupportGroupFactory()
    assert post_join(api_client, group, phone="+12175550190", sms_reminders=True).status_code == 202
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
    assert not Member.objects.exists() and not JoinRequest.objects.exists()


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
    assert JoinRequest.objects.filter(group=group).count() == 3
    assert ContactProof.objects.count() == 3
    assert RateCounter.objects.get(scope=send_cap_scope("client", "203.0.113.50")).count == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_with_the_same_number_make_one_member(requires_postgres):
    group = SupportGroupFactory()

    def join(index: int):
        return group_join(
            group=group, display_name="Same", phone="+12175550400", sms_reminders=True, client=f"c{index}", now=NOW
        )

    results = run_in_threads(6, join)
    # Past the per-number cap of 3 a join is refused; never an error, never a second member.
    refused = [r for r in results if isinstance(r, JoinLimitReached)]
    assert all(r.scope == "destination" for r in refused), results
    assert not [r for r in results if isinstance(r, Exception) and not isinstance(r, JoinLimitReached)], results
    joined = [r for r in results if not isinstance(r, Exception)]
    assert len(joined) == 3
    assert Member.objects.filter(phone="+12175550400").count() == 1
    assert not Enrollment.objects.exists()
    assert RateCounter.objects.get(scope=send_cap_scope("destination", "+12175550400")).count == 3
