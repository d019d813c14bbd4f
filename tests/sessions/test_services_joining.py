from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.test import override_settings

from sessions.models import Enrollment, Member, RateCounter
from sessions.services.joining import (
    JOIN_CAP_CLIENT,
    JOIN_CAP_GLOBAL,
    JOIN_CAP_NUMBER,
    MESSAGE_LINK_SENT,
    MESSAGE_OPTED_OUT,
    JoinLimitReached,
    group_join,
    rate_counter_take,
)
from tests.factories import EnrollmentFactory, MemberFactory, SupportGroupFactory, VenueFactory

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
    assert body["already_joined"] is False
    assert body["self_service_url"] == f"{settings.PUBLIC_BASE_URL}/api/me/{member.token}/"
    assert body["sms_consent"] == "pending"
    assert member.sms_consent == Member.SmsConsent.PENDING
    assert member.sms_consent_source == Member.ConsentSource.WEB_FORM
    assert member.sms_consent_at is not None
    assert member.sms_reminders is True
    assert Enrollment.objects.get(member=member, group=group).join_note == "hello"


@pytest.mark.django_db
def test_repeat_join_returns_the_existing_enrollment_without_a_second_confirmation(api_client):
    group = SupportGroupFactory()
    first = post_join(api_client, group, phone="+12175550142", sms_reminders=True)
    assert first.status_code == 201
    counters = dict(RateCounter.objects.values_list("scope", "count"))
    again = post_join(api_client, group, phone="217-555-0142", sms_reminders=True)
    assert again.status_code == 200
    assert again.json()["already_joined"] is True
    assert again.json()["self_service_url"] is None
    assert Enrollment.objects.filter(group=group).count() == 1
    assert dict(RateCounter.objects.values_list("scope", "count")) == counters


@pytest.mark.django_db
def test_existing_member_joining_another_group_gets_no_token_and_no_data_change(api_client):
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
    )
    assert response.status_code == 201
    body = response.json()
    assert body["self_service_url"] is None
    assert member.token not in response.content.decode()
    assert MESSAGE_LINK_SENT in body["messages"]
    member.refresh_from_db()
    assert (member.display_name, member.email, member.timezone) == ("Ruth", "ruth@example.org", "UTC")
    assert not Member.objects.filter(email="mallory@example.org").exists()


@pytest.mark.django_db
def test_opted_out_number_stays_opted_out_and_is_told_how_to_come_back(api_client):
    member = MemberFactory(phone="+12175550123", sms_consent="opted_out")
    response = post_join(api_client, SupportGroupFactory(), phone="+12175550123", sms_reminders=True)
    assert response.status_code == 201
    assert response.json()["sms_consent"] == "opted_out"
    assert MESSAGE_OPTED_OUT in response.json()["messages"]
    member.refresh_from_db()
    assert member.sms_consent == "opted_out"
    assert not RateCounter.objects.exists()


@pytest.mark.django_db
def test_confirmed_consent_is_kept_and_costs_no_confirmation_text(api_client):
    MemberFactory(phone="+12175550124", sms_consent="confirmed", sms_reminders=True)
    response = post_join(api_client, SupportGroupFactory(), phone="+12175550124", sms_reminders=True)
    assert response.json()["sms_consent"] == "confirmed"
    assert not RateCounter.objects.exists()


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
    response = post_join(api_client, group, phone="07911 123456")
    assert response.status_code == 201
    assert Member.objects.filter(phone="+447911123456").exists()


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
@override_settings(JOIN_SMS_CAP_PER_CLIENT=2)
def test_client_cap_refuses_with_429_and_writes_nothing(api_client):
    group = SupportGroupFactory()
    for n in range(2):
        assert post_join(api_client, group, phone=f"+1217555016{n}", sms_reminders=True).status_code == 201
    response = post_join(api_client, group, phone="+12175550169", sms_reminders=True)
    assert response.status_code == 429
    assert response.json() == {"detail": JOIN_CAP_CLIENT}
    assert not Member.objects.filter(phone="+12175550169").exists()
    assert RateCounter.objects.get(scope="join-sms:global").count == 2
    # Another connection is not affected; nor is a join that sends no text.
    assert post_join(api_client, group, phone="+12175550169", sms_reminders=True, ip="198.51.100.1").status_code == 201
    assert post_join(api_client, group, phone="+12175550170").status_code == 201


@pytest.mark.django_db
@override_settings(JOIN_SMS_CAP_PER_NUMBER=1)
def test_number_cap_counts_confirmation_texts_to_one_number(api_client):
    member = MemberFactory(phone="+12175550180")
    first, second = SupportGroupFactory(), SupportGroupFactory()
    assert post_join(api_client, first, phone="+12175550180", sms_reminders=True).status_code == 201
    # Consent went back to none (say, the pending request expired): a second text today is over the cap.
    Member.objects.filter(pk=member.pk).update(sms_consent="none")
    response = post_join(api_client, second, phone="+12175550180", sms_reminders=True, ip="198.51.100.9")
    assert response.status_code == 429
    assert response.json()["detail"] == JOIN_CAP_NUMBER
    assert not Enrollment.objects.filter(group=second).exists()
    member.refresh_from_db()
    assert member.sms_consent == "none"


@pytest.mark.django_db
@override_settings(JOIN_SMS_CAP_GLOBAL=1)
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
@override_settings(JOIN_SMS_CAP_GLOBAL=0)
def test_service_raises_join_limit_reached_before_writing():
    group = SupportGroupFactory()
    with pytest.raises(JoinLimitReached) as info:
        group_join(group=group, display_name="A", phone="+12175550111", sms_reminders=True, client="x", now=NOW)
    assert info.value.scope == "global"
    assert not Member.objects.exists() and not Enrollment.objects.exists()


def _run_in_threads(count: int, target) -> list:
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_counter_takes_never_pass_the_cap(requires_postgres):
    results = _run_in_threads(12, lambda i: rate_counter_take(scope="race", day=TODAY, cap=5))
    assert results.count(True) == 5 and results.count(False) == 7
    assert RateCounter.objects.get(scope="race", day=TODAY).count == 5


@pytest.mark.django_db(transaction=True)
@override_settings(JOIN_SMS_CAP_PER_CLIENT=3)
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

    results = _run_in_threads(10, join)
    refused = [r for r in results if isinstance(r, JoinLimitReached)]
    joined = [r for r in results if not isinstance(r, Exception)]
    assert len(joined) == 3 and len(refused) == 7, results
    assert Member.objects.filter(sms_consent="pending").count() == 3
    assert Enrollment.objects.filter(group=group).count() == 3
    assert RateCounter.objects.get(scope="join-sms:client:203.0.113.50").count == 3


@pytest.mark.django_db(transaction=True)
def test_concurrent_joins_with_the_same_number_make_one_member_and_one_text(requires_postgres):
    group = SupportGroupFactory()

    def join(index: int):
        return group_join(
            group=group, display_name="Same", phone="+12175550400", sms_reminders=True, client=f"c{index}", now=NOW
        )

    results = _run_in_threads(6, join)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Member.objects.filter(phone="+12175550400").count() == 1
    assert Enrollment.objects.filter(group=group).count() == 1
    assert sum(1 for r in results if r.created) == 1
    assert RateCounter.objects.get(scope="join-sms:number:+12175550400").count == 1
