"""Member writes: what a consent records, whichever path records it."""

from __future__ import annotations

import datetime as dt

import pytest

from sessions.models import Member
from sessions.services.joining import group_join
from sessions.services.members import email_consent_grant, member_update, roster_add_in_person
from sessions.services.proofs import email_confirm
from tests.factories import MemberFactory, SupportGroupFactory, UserFactory

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
