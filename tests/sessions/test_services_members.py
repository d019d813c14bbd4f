"""Member writes: what a consent records, whichever path records it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sessions.models import ContactProof, Member, RateCounter
from sessions.services.joining import group_join
from sessions.services.members import (
    CONTACT_FOR_ROSTER,
    Consent,
    contact_proof_request,
    email_consent_grant,
    member_update,
    roster_add_in_person,
)
from sessions.services.proofs import email_confirm
from sessions.services.send_caps import SCOPE_DESTINATION, send_cap_scope
from tests.factories import MemberFactory, SupportGroupFactory, UserFactory, VenueFactory

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def _email_consent(member: Member) -> tuple:
    return (member.email_reminders, member.email_consent, member.email_consent_at, member.email_consent_source)


def test_an_email_consent_grant_records_reminders_on_consent_given_when_and_how():
    member = MemberFactory.build(email="ana@example.org", email_reminders=False, email_consent=False)

    fields = email_consent_grant(member, source=Member.ConsentSource.IN_PERSON, now=NOW)

    assert _email_consent(member) == (True, True, NOW, Member.ConsentSource.IN_PERSON)
    assert sorted(fields) == sorted(["email_reminders", "email_consent", "email_consent_at", "email_consent_source"])


def _by_self_service(group) -> Member:
    member = MemberFactory(organization=group.organization, email="ana@example.org")
    return member_update(member=member, email_reminders=True, now=NOW)


def _in_person(group) -> Member:
    return roster_add_in_person(
        group=group, actor=UserFactory(), display_name="Ana", email="ana@example.org", email_reminders=True, now=NOW
    ).member


def _by_emailed_link(group) -> Member:
    join = group_join(group=group, display_name="Ana", email="ana@example.org", email_reminders=True, now=NOW)
    return email_confirm(proof=join.join_request.proofs.get(), now=NOW).member


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("grant", "source"),
    [
        (_by_self_service, Member.ConsentSource.SELF_SERVICE),
        (_in_person, Member.ConsentSource.IN_PERSON),
        (_by_emailed_link, Member.ConsentSource.EMAIL_LINK),
    ],
)
def test_every_path_that_grants_email_consent_records_the_same_four_facts(grant, source):
    member = grant(SupportGroupFactory())
    member.refresh_from_db()

    assert _email_consent(member) == (True, True, NOW, source)


@pytest.mark.django_db
def test_turning_email_reminders_off_keeps_when_and_forgets_how():
    member = MemberFactory(email="ana@example.org")
    member_update(member=member, email_reminders=True, now=NOW)

    later = NOW + dt.timedelta(days=1)
    member_update(member=member, email_reminders=False, now=later)
    member.refresh_from_db()

    assert _email_consent(member) == (False, False, later, "")


# --- Self-service changes -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_number_carries_none_of_the_old_numbers_facts():
    member = MemberFactory(
        phone="+12175550142", sms_reminders=True, sms_consent="confirmed", sms_consent_source="sms_keyword"
    )
    member.phone_undeliverable, member.phone_error_code = True, "30003"
    member.save()
    old_proof = contact_proof_request(member=member, channel=ContactProof.Channel.SMS, now=NOW)

    member_update(member=member, phone="+12175550177", now=NOW)
    member.refresh_from_db()
    old_proof.refresh_from_db()

    assert (member.phone_undeliverable, member.phone_error_code, member.phone_verified_at) == (False, "", None)
    assert (member.sms_reminders, member.sms_consent, member.sms_consent_at) == (True, Consent.PENDING, NOW)
    assert old_proof.cancelled_at == NOW
    new_proof = ContactProof.objects.get(member=member, cancelled_at__isnull=True)
    assert (new_proof.channel, new_proof.destination) == (ContactProof.Channel.SMS, "+12175550177")


@pytest.mark.django_db
def test_a_new_number_with_texts_off_records_when_consent_was_reset_and_sends_nothing():
    member = MemberFactory(phone="+12175550142", sms_reminders=False, sms_consent="confirmed")

    member_update(member=member, phone="+12175550177", now=NOW)
    member.refresh_from_db()

    assert (member.sms_consent, member.sms_consent_at, member.sms_consent_source) == (Consent.NONE, NOW, "")
    assert not ContactProof.objects.filter(member=member).exists()
    assert not RateCounter.objects.exists()


@pytest.mark.django_db
def test_a_new_address_keeps_email_reminders_on_with_consent_recorded_for_it():
    member = MemberFactory(email="ana@example.org")
    member_update(member=member, email_reminders=True, now=NOW)

    later = NOW + dt.timedelta(days=1)
    member_update(member=member, email="ana.new@example.org", now=later)
    member.refresh_from_db()

    assert _email_consent(member) == (True, True, later, Member.ConsentSource.SELF_SERVICE)
    assert member.email_verified_at is None


@pytest.mark.django_db
def test_only_a_change_that_sends_a_message_counts_against_the_caps():
    member = MemberFactory(phone="+12175550142", email="ana@example.org")

    member_update(member=member, display_name="Annie", timezone="Europe/London", email_reminders=True, now=NOW)
    assert not RateCounter.objects.exists()

    member_update(member=member, email="ana.new@example.org", now=NOW)
    assert RateCounter.objects.filter(scope=send_cap_scope(SCOPE_DESTINATION, "ana.new@example.org")).exists()


# --- Contacts typed for a group -----------------------------------------------------------


def _join(group, **contacts):
    return group_join(group=group, display_name="Ana", now=NOW, **contacts)


def _add_in_person(group, **contacts):
    return roster_add_in_person(group=group, actor=UserFactory(), display_name="Ana", now=NOW, **contacts)


@pytest.mark.django_db
@pytest.mark.parametrize("add", [_join, _add_in_person])
def test_joining_and_adding_in_person_read_typed_contacts_the_same_way(add):
    venue = VenueFactory(country="GB", city="Manchester", timezone="Europe/London")
    group = SupportGroupFactory(venue=venue, organization=venue.organization)

    with pytest.raises(ValidationError) as info:
        add(group, phone="", email="  ")
    assert info.value.message_dict == {"phone": [CONTACT_FOR_ROSTER], "email": [CONTACT_FOR_ROSTER]}

    add(group, phone="07400 123456", email=" Ana@Example.ORG ")
    assert Member.objects.filter(phone="+447400123456").exists()
    assert Member.objects.filter(email="ana@example.org").exists() == (add is _add_in_person)


@pytest.mark.django_db
def test_someone_added_in_person_gets_the_clock_of_the_place_the_group_meets():
    venue = VenueFactory(country="GB", city="Manchester", timezone="Europe/London")
    group = SupportGroupFactory(venue=venue, organization=venue.organization, timezone="America/Chicago")

    _add_in_person(group, phone="07400 123456")

    assert Member.objects.get(phone="+447400123456").timezone == "Europe/London"
