from __future__ import annotations

import zoneinfo

import pytest
from django.db import IntegrityError

from sessions.models import Enrollment, Member, Session, SupportGroup, Venue
from tests.factories import (
    EnrollmentFactory,
    MemberFactory,
    OrganizationFactory,
    SessionFactory,
    SessionSeriesFactory,
    SupportGroupFactory,
    VenueFactory,
)

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


# --- Where and in which zone a group meets (one rule, on the models) -------------------


def _denver_venue(organization) -> Venue:
    return VenueFactory(organization=organization, name="Mile High Library", city="Denver", timezone="America/Denver")


def test_session_venue_overrides_series_venue_which_overrides_group_venue():
    series = SessionSeriesFactory()
    group = series.group
    series_venue = _denver_venue(group.organization)
    session_venue = VenueFactory(organization=group.organization, name="Annex")
    session = SessionFactory(series=series)
    assert (session.effective_venue, session.effective_venue_id) == (group.venue, group.venue_id)
    assert series.effective_venue == group.venue
    series.venue = series_venue
    assert (session.effective_venue, session.effective_venue_id) == (series_venue, series_venue.pk)
    assert (series.effective_venue, series.effective_venue_id) == (series_venue, series_venue.pk)
    assert session.usual_venue_id == series_venue.pk
    session.venue = session_venue
    assert (session.effective_venue, session.effective_venue_id) == (session_venue, session_venue.pk)
    assert session.usual_venue == series_venue  # what a one-off venue change is measured against


def test_online_session_meets_nowhere():
    group = SupportGroupFactory(
        venue=None, format=SupportGroup.Format.ONLINE, conference_url="https://meet.example/x", timezone="Europe/London"
    )
    session = SessionFactory(series=SessionSeriesFactory(group=group, timezone="Europe/London"))
    assert session.effective_venue is None and session.effective_venue_id is None
    assert session.series.effective_venue is None


def test_group_zone_is_its_venues_else_its_own():
    group = SupportGroupFactory(timezone="America/New_York")  # venue in Chicago
    assert group.local_zone == zoneinfo.ZoneInfo("America/Chicago")
    online = SupportGroupFactory(
        venue=None, format=SupportGroup.Format.ONLINE, conference_url="https://meet.example/x", timezone="Europe/London"
    )
    assert online.local_zone == zoneinfo.ZoneInfo("Europe/London")


def test_session_zone_is_its_series_whatever_the_venue():
    group = SupportGroupFactory()  # Chicago
    series = SessionSeriesFactory(group=group, timezone="America/Denver")
    session = SessionFactory(series=series, venue=VenueFactory(organization=group.organization))
    assert series.local_zone == session.local_zone == zoneinfo.ZoneInfo("America/Denver")
    assert group.local_zone == zoneinfo.ZoneInfo("America/Chicago")


def test_session_venue_and_zone_cost_no_query_once_loaded(django_assert_num_queries):
    series = SessionSeriesFactory(venue=None)
    SessionFactory(series=series)
    session = Session.objects.select_related("venue", "series__venue", "group__venue").get(series=series)
    with django_assert_num_queries(0):
        assert session.effective_venue == series.group.venue
        assert session.local_zone.key == "America/Chicago"
