"""The send caps, shared by every path that messages a contact someone typed."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.test import override_settings

from sessions.models import Enrollment, Member, RateCounter
from sessions.services.members import member_update
from sessions.services.send_caps import (
    CAP_CLIENT,
    CAP_DESTINATION,
    CAP_GLOBAL,
    CAP_MEMBER,
    CAP_STAFF,
    SendCapReached,
    send_cap_scope,
    send_caps_take,
)
from tests.factories import FacilitatorFactory, MemberFactory, SupportGroupFactory
from tests.sessions.concurrency import run_in_threads

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def take(**kwargs):
    with transaction.atomic():
        send_caps_take(now=NOW, **kwargs)


@override_settings(SEND_CAP_PER_DESTINATION=2)
def test_destination_cap_counts_one_phone_or_email_whoever_asks():
    take(destinations=["+12175550142"], client="a")
    take(destinations=["+12175550142"], client="b")
    with pytest.raises(SendCapReached) as info:
        take(destinations=["+12175550142"], client="c")
    assert (info.value.scope, info.value.message) == ("destination", CAP_DESTINATION)
    take(destinations=["ana@example.org"], client="c")


@override_settings(SEND_CAP_PER_MEMBER=1)
def test_member_cap():
    take(destinations=["+12175550142"], member_id=7, client="a")
    with pytest.raises(SendCapReached) as info:
        take(destinations=["+12175550143"], member_id=7, client="b")
    assert (info.value.scope, info.value.message) == ("member", CAP_MEMBER)


@override_settings(SEND_CAP_PER_CLIENT=1, SEND_CAP_PER_STAFF_USER=2)
def test_staff_count_per_account_instead_of_per_address():
    take(destinations=["+12175550142"], client="203.0.113.5")
    with pytest.raises(SendCapReached) as info:
        take(destinations=["+12175550143"], client="203.0.113.5")
    assert (info.value.scope, info.value.message) == ("client", CAP_CLIENT)
    take(destinations=["+12175550144"], staff_user_id=3)
    take(destinations=["+12175550145"], staff_user_id=3)
    with pytest.raises(SendCapReached) as info:
        take(destinations=["+12175550146"], staff_user_id=3)
    assert (info.value.scope, info.value.message) == ("staff", CAP_STAFF)


@override_settings(SEND_CAP_GLOBAL=2)
def test_global_cap():
    take(destinations=["+12175550142"], client="a")
    take(destinations=["+12175550143"], client="b")
    with pytest.raises(SendCapReached) as info:
        take(destinations=["+12175550144"], client="c")
    assert (info.value.scope, info.value.message) == ("global", CAP_GLOBAL)


@override_settings(SEND_CAP_GLOBAL=0)
def test_a_refusal_gives_back_the_units_taken_for_the_same_request():
    with pytest.raises(SendCapReached):
        take(destinations=["+12175550142"], member_id=1, client="a")
    assert not RateCounter.objects.exists()


def test_counters_keep_no_contact_or_address_in_clear():
    take(destinations=["+12175550142", "ana@example.org"], member_id=5, client="203.0.113.5")
    scopes = list(RateCounter.objects.values_list("scope", flat=True))
    assert len(scopes) == 5
    assert not any(secret in scope for scope in scopes for secret in ("2175550142", "ana@", "203.0.113"))
    assert send_cap_scope("destination", "+12175550142") in scopes


def test_counters_are_per_utc_day():
    with override_settings(SEND_CAP_PER_DESTINATION=1):
        take(destinations=["+12175550142"])
        with transaction.atomic():
            send_caps_take(now=NOW + dt.timedelta(days=1), destinations=["+12175550142"])


# --- Every path that sends to a typed contact -----------------------------------------------


@override_settings(SEND_CAP_PER_DESTINATION=2)
def test_join_self_service_change_and_in_person_add_share_the_destination_cap(api_client):
    group = SupportGroupFactory()
    number = "+12175550177"
    joined = api_client.post(
        f"/api/groups/{group.slug}/join/",
        {"display_name": "A", "phone": number, "sms_reminders": True},
        format="json",
        REMOTE_ADDR="192.0.2.1",
    )
    assert joined.status_code == 202
    Member.objects.filter(phone=number).delete()  # erased meanwhile: the number is free again
    other = MemberFactory(phone="+12175550178", sms_reminders=True, sms_consent="confirmed")
    changed = api_client.patch(f"/api/me/{other.token}/", {"phone": number}, format="json", REMOTE_ADDR="192.0.2.2")
    assert changed.status_code == 200
    Member.objects.filter(pk=other.pk).update(phone="+12175550179")  # moved on: the number is free again
    lead = FacilitatorFactory(group=group, role="lead").user
    api_client.force_authenticate(lead)
    added = api_client.post(
        f"/api/manage/groups/{group.pk}/roster/",
        {"display_name": "Ruth", "phone": number, "sms_reminders": True},
        format="json",
    )
    assert added.status_code == 429
    assert added.json() == {"detail": CAP_DESTINATION}
    assert not Member.objects.filter(phone=number).exists()


@override_settings(SEND_CAP_PER_STAFF_USER=2)
def test_in_person_adds_are_capped_per_facilitator_and_a_refusal_saves_nothing(api_client):
    group = SupportGroupFactory()
    lead = FacilitatorFactory(group=group, role="lead").user
    api_client.force_authenticate(lead)
    url = f"/api/manage/groups/{group.pk}/roster/"
    codes = [
        api_client.post(
            url, {"display_name": f"P{n}", "phone": f"+1217555{n + 800:04d}", "sms_reminders": True}, format="json"
        ).status_code
        for n in range(3)
    ]
    assert codes == [201, 201, 429]
    assert not Member.objects.filter(phone="+12175550802").exists()
    assert Enrollment.objects.filter(group=group).count() == 2
    # Adding someone who asked for no messages sends nothing and counts nothing.
    quiet = api_client.post(url, {"display_name": "Q", "phone": "+12175550809"}, format="json")
    assert quiet.status_code == 201


@override_settings(SEND_CAP_PER_MEMBER=1)
def test_a_new_email_address_counts_too(api_client):
    member = MemberFactory(email="old@example.org", email_reminders=True, email_consent=True)
    url = f"/api/me/{member.token}/"
    assert api_client.patch(url, {"email": "new@example.org"}, format="json").status_code == 200
    refused = api_client.patch(url, {"email": "newer@example.org"}, format="json")
    assert refused.status_code == 429 and refused.json() == {"detail": CAP_MEMBER}
    member.refresh_from_db()
    assert member.email == "new@example.org"
    # Changes that send nothing are never capped.
    assert api_client.patch(url, {"display_name": "Ana"}, format="json").status_code == 200


def test_a_joins_email_confirmation_counts_against_the_addresss_own_counter():
    from sessions.services.joining import _take_confirmation_caps

    with transaction.atomic():
        _take_confirmation_caps(phone="email:ana@example.org", client="203.0.113.5", now=NOW)
    counter = RateCounter.objects.get(scope=send_cap_scope("destination", "ana@example.org"))
    assert counter.count == 1


@pytest.mark.django_db(transaction=True)
@override_settings(SEND_CAP_PER_CLIENT=4)
def test_concurrent_self_service_changes_from_one_address_stop_at_the_client_cap(requires_postgres):
    members = [MemberFactory(phone=f"+1217555{n + 920:04d}", sms_reminders=True) for n in range(10)]

    def change(index: int):
        return member_update(member=members[index], phone=f"+1217555{index + 940:04d}", client="203.0.113.9", now=NOW)

    results = run_in_threads(10, change)
    assert sum(1 for r in results if isinstance(r, Member)) == 4
    assert sum(1 for r in results if isinstance(r, SendCapReached)) == 6, results
    assert Member.objects.filter(sms_consent="pending").count() == 4
    assert RateCounter.objects.get(scope=send_cap_scope("client", "203.0.113.9")).count == 4
