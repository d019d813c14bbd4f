"""Every place that says where and when a session meets says the same thing.

The case that tells them apart: a Chicago group whose series is kept in Denver time
and meets at a Denver venue, one session of it moved to another venue. The group page,
the public group and sessions APIs, the staff API, the calendar, the Meeting Guide feed
and the texts must all follow sessions.models' rule (the session's venue, else the
series', else the group's; times in the series' zone).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from django.test import Client
from django.utils import timezone

from notifications import texts
from notifications.calendar import group_calendar
from sessions.api.serializers_schedule import SessionSerializer
from sessions.models import Session, SupportGroup, Venue
from sessions.pages.present import local_clock_range
from sessions.services import schedule
from sessions.services.meeting_guide import meeting_guide_feed
from tests.factories import MemberFactory, SupportGroupFactory, VenueFactory

pytestmark = pytest.mark.django_db

DENVER = zoneinfo.ZoneInfo("America/Denver")


def _denver_series() -> tuple[SupportGroup, Venue, Venue, Session, Session]:
    """(group, series venue, one-off venue, a session at the series venue, a session moved to the other)."""
    group = SupportGroupFactory(name="Hope Circle")  # its own venue and zone: Chicago
    library = VenueFactory(
        organization=group.organization,
        name="Mile High Library",
        address="10 W 14th Ave",
        city="Denver",
        region="CO",
        timezone="America/Denver",
    )
    annex = VenueFactory(
        organization=group.organization,
        name="Annex Hall",
        address="1 Annex Rd",
        city="Aurora",
        timezone="America/Denver",
    )
    day = timezone.now().astimezone(DENVER).date() + dt.timedelta(days=2)
    series = schedule.series_create(
        group=group,
        rrule="FREQ=WEEKLY;COUNT=3",
        dtstart=dt.datetime.combine(day, dt.time(18, 0)),
        timezone="America/Denver",
        duration_minutes=90,
        venue=library,
    )
    first, second = list(series.sessions.order_by("starts_at"))[:2]
    second = schedule.session_change(session=second, venue=annex)
    return group, library, annex, first, second


def _expected_clock(session: Session) -> str:
    return session.starts_at.astimezone(DENVER).isoformat()


def test_public_apis_give_the_series_zone_and_the_effective_venue(client: Client):
    group, library, annex, first, second = _denver_series()
    listed = client.get(f"/api/groups/{group.slug}/sessions/").json()["results"]
    detail = client.get(f"/api/groups/{group.slug}/").json()["upcoming_sessions"]
    for rows in (listed, detail):
        assert [row["starts_at"] for row in rows[:2]] == [_expected_clock(first), _expected_clock(second)]
        assert [row["venue"]["name"] for row in rows[:2]] == [library.name, annex.name]
    assert {row["timezone"] for row in listed} == {"America/Denver"}
    staff = SessionSerializer(Session.objects.select_related("series", "venue").get(pk=first.pk)).data
    assert (staff["timezone"], staff["starts_at"]) == ("America/Denver", _expected_clock(first))


def test_group_page_lists_times_on_the_series_clock_and_links_the_sessions_place(client: Client):
    group, library, _annex, first, second = _denver_series()
    html = client.get(f"/groups/{group.slug}/").content.decode()
    for session in (first, second):
        assert local_clock_range(session.starts_at, session.ends_at, DENVER) in html
    google = html.split('href="https://calendar.google.com/calendar/render?')[1].split('"')[0]
    query = parse_qs(urlsplit("?" + google.replace("&amp;", "&")).query)
    assert query["ctz"] == ["America/Denver"]
    assert query["location"][0].startswith(library.name)


def test_group_pages_calendar_link_names_the_next_sessions_own_place(client: Client):
    group, _library, annex, first, _second = _denver_series()
    schedule.session_change(session=first, venue=annex)
    html = client.get(f"/groups/{group.slug}/").content.decode()
    google = html.split('href="https://calendar.google.com/calendar/render?')[1].split('"')[0]
    query = parse_qs(urlsplit("?" + google.replace("&amp;", "&")).query)
    assert query["location"][0].startswith(annex.name)


def test_calendar_uses_the_series_zone_and_each_sessions_venue():
    group, library, annex, _first, second = _denver_series()
    events = icalendar.Calendar.from_ical(group_calendar(group=group)).walk("VEVENT")
    master = next(e for e in events if "RRULE" in e)
    moved = next(e for e in events if "RECURRENCE-ID" in e)
    assert master["DTSTART"].params["TZID"] == "America/Denver"
    assert str(master["LOCATION"]).startswith(library.name)
    assert moved["DTSTART"].dt == second.starts_at
    assert str(moved["LOCATION"]).startswith(annex.name)


def test_meeting_guide_feed_gives_the_series_zone_and_venue():
    group, library, _annex, _first, _second = _denver_series()
    (meeting,) = [m for m in meeting_guide_feed() if m["group"] == group.name]
    assert (meeting["timezone"], meeting["location"], meeting["time"]) == ("America/Denver", library.name, "18:00")


def test_texts_name_the_place_the_session_meets():
    group, library, annex, first, second = _denver_series()
    member = MemberFactory(organization=group.organization, email="ana@example.org")
    first = Session.objects.select_related("group", "series", "venue").get(pk=first.pk)
    second = Session.objects.select_related("group", "series", "venue").get(pk=second.pk)
    assert library.name in texts.email_reminder(session=first, member=member).body
    assert annex.name in texts.email_reminder(session=second, member=member).body
    assert annex.address in texts.sms_session_changed(session=second, member=member, change="new_place")
