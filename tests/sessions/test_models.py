from __future__ import annotations

import pytest
from django.db import IntegrityError

from sessions.models import Enrollment, Member, Session
from tests.factories import EnrollmentFactory, MemberFactory, OrganizationFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_member_can_join_a_group_only_once():
    enrollment = EnrollmentFactory()
    with pytest.raises(IntegrityError):
        Enrollment.objects.create(member=enrollment.member, group=enrollment.group, status="active")


def test_member_needs_a_phone_or_an_email():
    organization = OrganizationFactory()
    with pytest.raises(IntegrityError):
        Member.objects.create(organization=organization, display_name="Ana", phone=None, email=None)


def test_member_needs_an_organization():
    with pytest.raises(IntegrityError):
        Member.objects.create(display_name="Ana", phone="+12175550134")


def test_two_members_of_one_organization_cannot_share_a_phone_number():
    first = MemberFactory(phone="+12175550134")
    with pytest.raises(IntegrityError):
        MemberFactory(phone="+12175550134", organization=first.organization)


def test_two_members_of_one_organization_cannot_share_an_email():
    first = MemberFactory(email="ana@example.org")
    with pytest.raises(IntegrityError):
        MemberFactory(email="ana@example.org", organization=first.organization)


def test_two_organizations_each_keep_their_own_record_of_one_phone_number():
    # Personal data belongs to the organization that collected it: two records, not one.
    first = MemberFactory(phone="+12175550134")
    second = MemberFactory(phone="+12175550134")
    assert first.organization_id != second.organization_id


def test_one_session_per_series_and_original_start():
    session = SessionFactory()
    with pytest.raises(IntegrityError):
        Session.objects.create(
            series=session.series,
            group=session.group,
            starts_at=session.starts_at,
            ends_at=session.ends_at,
            original_start=session.original_start,
        )


def test_database_rejects_an_unknown_enrollment_status():
    with pytest.raises(IntegrityError):
        EnrollmentFactory(status="maybe")


def test_waitlisted_enrollment_needs_a_position():
    with pytest.raises(IntegrityError):
        EnrollmentFactory(status="waitlisted", waitlist_position=None)
