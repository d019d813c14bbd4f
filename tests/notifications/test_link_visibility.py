"""Online meeting links go only to proven, active members (docs/privacy.md, "Who sees
meeting links")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from notifications.calendar import member_calendar
from sessions.models import Enrollment, Member
from sessions.services import schedule
from sessions.services.proofs import email_confirm
from tests.factories import EnrollmentFactory, MemberFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db

ROOM = "https://meet.example.org/private-room-2291"


@pytest.fixture
def online_group():
    group = SupportGroupFactory(format="online", venue=None, timezone="America/Chicago", conference_url=ROOM)
    schedule.series_create(
        group=group,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        dtstart=(timezone.now() + dt.timedelta(days=2)).replace(tzinfo=None, microsecond=0),
        timezone="America/Chicago",
        duration_minutes=60,
    )
    return group


def test_an_anonymous_email_join_gets_no_meeting_link_anywhere(online_group):
    """An email-only join of an online drop-in group was active at once and its calendar had the link."""
    client = APIClient()
    response = client.post(
        f"/api/groups/{online_group.slug}/join/",
        {"display_name": "Anyone", "email": "anyone@example.org", "email_reminders": True},
        format="json",
    )
    assert response.status_code == 202
    assert ROOM not in response.content.decode()
    handle = client.get(response.json()["request_url"].split("lantern.test", 1)[-1])
    assert ROOM not in handle.content.decode()
    member = Member.objects.get(email="anyone@example.org")
    assert not Enrollment.objects.filter(member=member).exists()
    assert client.get(f"/api/me/{member.token}/calendar.ics").status_code == 404


def test_an_unproven_member_on_the_roster_gets_no_link_in_their_feed(online_group):
    member = MemberFactory(organization=online_group.organization, phone_verified_at=None)
    EnrollmentFactory(member=member, group=online_group)
    assert ROOM.encode() not in member_calendar(member=member)


def test_the_link_arrives_once_the_address_is_confirmed_and_the_seat_is_active(online_group):
    client = APIClient()
    body = client.post(
        f"/api/groups/{online_group.slug}/join/", {"display_name": "Lee", "email": "lee@example.org"}, format="json"
    ).json()
    member = Member.objects.get(email="lee@example.org")
    email_confirm(proof=member.contact_proofs.get())
    member.refresh_from_db()
    assert Enrollment.objects.get(member=member).status == "active"
    assert ROOM in client.get(f"/api/me/{member.token}/calendar.ics").content.decode()
    assert body["status"] == "waiting_for_confirmation"


def test_an_approval_group_gives_the_link_only_after_approval(online_group):
    online_group.enrollment_mode = "approval"
    online_group.save()
    member = MemberFactory(organization=online_group.organization)
    EnrollmentFactory(member=member, group=online_group, status="requested", activated_at=None)
    assert ROOM.encode() not in member_calendar(member=member)
    Enrollment.objects.filter(member=member).update(status="active")
    assert ROOM.encode() in member_calendar(member=member)
