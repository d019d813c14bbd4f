from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest
import recurring_ical_events
from django.test import override_settings
from django.utils import timezone

from notifications.calendar import (
    INVALID_METHOD,
    group_calendar,
    member_calendar,
    series_invite,
    series_uid,
    session_invite,
)
from sessions.models import Enrollment, Session
from sessions.services import schedule
from tests.factories import EnrollmentFactory, MemberFactory, OrganizationFactory, SupportGroupFactory, VenueFactory
from tests.notifications.icaljs import icaljs_occurrences

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
UTC = dt.UTC


def _next_local(now: dt.datetime, weekday: int, hour: int, minute: int = 0) -> dt.datetime:
    """The first local date-time on `weekday` at least two days after now."""
    day = now.astimezone(CHICAGO).date() + dt.timedelta(days=2)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute))


def _monthly_first(now: dt.datetime, hour: int) -> dt.datetime:
    """The first 2nd-or-4th Thursday at least two days after now."""
    day = now.astimezone(CHICAGO).date() + dt.timedelta(days=2)
    while not (day.weekday() == 3 and (day.day - 1) // 7 in (1, 3)):
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour))


def _clock_changes_within_a_year(now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The next spring-forward and fall-back dates in Chicago after the first sessions."""
    spring = fall = None
    day = now.astimezone(CHICAGO).date() + dt.timedelta(days=3)
    for _ in range(365):
        before = dt.datetime.combine(day, dt.time(0), tzinfo=CHICAGO).utcoffset()
        after = dt.datetime.combine(day, dt.time(12), tzinfo=CHICAGO).utcoffset()
        if after > before and spring is None:
            spring = day
        if after < before and fall is None:
            fall = day
        day += dt.timedelta(days=1)
    assert spring and fall
    return spring, fall


def _parse(ics: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(ics)


def _expanded(ics: bytes, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    events = recurring_ical_events.of(_parse(ics)).between(start, end)
    return sorted((e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC)) for e in events)


def _session_on(series, local_date: dt.date) -> Session:
    for session in Session.objects.filter(series=series):
        if session.original_start.astimezone(CHICAGO).date() == local_date:
            return session
    raise AssertionError(f"no session on {local_date}")


@override_settings(SESSION_HORIZON_DAYS=372)  # the year from the first sessions on
def test_both_feeds_expand_to_exactly_the_api_sessions_for_a_year_across_both_dst_changes(api_client):
    now = timezone.now()
    organization = OrganizationFactory()
    group = SupportGroupFactory(
        organization=organization,
        format="hybrid",
        conference_url="https://meet.example/secret-room",
        reminder_offsets=[1440, 120],
    )
    tuesday = schedule.series_create(
        group=group,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        dtstart=_next_local(now, 1, 19),
        timezone="America/Chicago",
        duration_minutes=90,
    )
    thursdays = schedule.series_create(
        group=group,
        rrule="FREQ=MONTHLY;BYDAY=2TH,4TH",
        dtstart=_monthly_first(now, 10),
        timezone="America/Chicago",
        duration_minutes=60,
    )
    # 01:30 on Sundays: repeated on the fall-back night, runs across the spring gap.
    early = schedule.series_create(
        group=group,
        rrule="FREQ=WEEKLY;BYDAY=SU",
        dtstart=_next_local(now, 6, 1, 30),
        timezone="America/Chicago",
        duration_minutes=90,
    )
    # 02:30 on Sundays: does not exist on the spring-forward day.
    gap = schedule.series_create(
        group=group,
        rrule="FREQ=WEEKLY;BYDAY=SU",
        dtstart=_next_local(now, 6, 2, 30),
        timezone="America/Chicago",
        duration_minutes=60,
    )
    tue = list(Session.objects.filter(series=tuesday).order_by("starts_at"))
    thu = list(Session.objects.filter(series=thursdays).order_by("starts_at"))
    spring, fall = _clock_changes_within_a_year(now)
    # A full year: both changes inside, with sessions on both nights.
    assert _session_on(early, spring) and _session_on(early, fall)

    schedule.session_change(session=tue[4], status="cancelled", note="Holiday")
    schedule.session_change(session=thu[1], status="cancelled", note="Room closed")
    schedule.session_change(session=_session_on(gap, spring), status="cancelled", note="Clocks change")
    schedule.session_change(session=tue[9], starts_at=tue[9].starts_at + dt.timedelta(days=1, minutes=-30))
    before_spring = next(s for s in tue if s.starts_at.astimezone(CHICAGO).date() > spring - dt.timedelta(days=7))
    # Moved from standard time into daylight time: 19:00 local on the other side.
    schedule.session_change(
        session=before_spring,
        starts_at=dt.datetime.combine(spring + dt.timedelta(days=2), dt.time(19), tzinfo=CHICAGO),
    )
    schedule.session_change(session=thu[5], venue=VenueFactory(organization=organization), note="Upstairs")
    schedule.session_change(session=_session_on(early, fall), note="Clocks go back tonight")

    tuesday.refresh_from_db()
    end = min(s.materialized_until for s in (tuesday, thursdays, early, gap)) - dt.timedelta(hours=1)
    response = api_client.get(f"/api/groups/{group.slug}/sessions/", {"from": now.isoformat(), "to": end.isoformat()})
    assert response.status_code == 200
    api_sessions = response.json()["results"]
    api_scheduled = sorted(
        (
            dt.datetime.fromisoformat(s["starts_at"]).astimezone(UTC),
            dt.datetime.fromisoformat(s["ends_at"]).astimezone(UTC),
        )
        for s in api_sessions
        if s["status"] == "scheduled"
    )
    cancelled = [s for s in api_sessions if s["status"] == "cancelled"]
    assert len(cancelled) == 3
    assert len(api_scheduled) > 52 + 24 + 52 + 52 - 10
    # The database agrees with the API (nothing filtered away by mistake).
    db_scheduled = sorted(
        (s.starts_at, s.ends_at)
        for s in Session.objects.filter(group=group, status="scheduled", starts_at__gte=now, starts_at__lt=end)
    )
    assert api_scheduled == db_scheduled

    public = api_client.get(f"/api/groups/{group.slug}/calendar.ics")
    assert public.status_code == 200
    assert public["Content-Type"].startswith("text/calendar")
    assert _expanded(public.content, now, end) == api_scheduled
    assert _readers_agree(public.content, now, end) == api_scheduled

    member = MemberFactory(email="ana@example.org")
    EnrollmentFactory(group=group, member=member, status=Enrollment.Status.ACTIVE)
    private = api_client.get(f"/api/me/{member.token}/calendar.ics")
    assert private.status_code == 200
    assert _expanded(private.content, now, end) == api_scheduled
    assert _readers_agree(private.content, now, end) == api_scheduled

    # What each feed may and may not carry.
    assert b"secret-room" not in public.content
    assert b"secret-room" in private.content
    for ics in (public.content, private.content):
        assert b"ATTENDEE" not in ics and b"ana@example.org" not in ics and member.phone.encode() not in ics
    assert b"BEGIN:VALARM" not in public.content
    for event in _parse(private.content).walk("VEVENT"):
        triggers = sorted(alarm["TRIGGER"].dt for alarm in event.walk("VALARM"))
        assert triggers == [-dt.timedelta(minutes=1440), -dt.timedelta(minutes=120)]


def _simple_group_with_sessions(**group_fields):
    group = SupportGroupFactory(**group_fields)
    now = timezone.now()
    series = schedule.series_create(
        group=group,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        dtstart=_next_local(now, 1, 19),
        timezone="America/Chicago",
        duration_minutes=90,
    )
    return group, series, list(Session.objects.filter(series=series).order_by("starts_at"))


def test_feed_has_stable_uids_sequence_vtimezone_and_refresh_hints():
    group, series, sessions = _simple_group_with_sessions()
    schedule.session_change(session=sessions[1], status="cancelled", note="Holiday")
    schedule.session_change(session=sessions[2], starts_at=sessions[2].starts_at + dt.timedelta(hours=1))
    first = _parse(group_calendar(group=group))
    second = _parse(group_calendar(group=group))
    uids = [e["UID"] for e in first.walk("VEVENT")]
    assert uids == [series_uid(series)] * 2 == [e["UID"] for e in second.walk("VEVENT")]
    assert series_uid(series) == f"series-{series.pk}@lantern.test"
    master, override = first.walk("VEVENT")
    assert master["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"
    assert [d.dt for d in master["EXDATE"].dts] == [sessions[1].original_start.astimezone(CHICAGO)]
    assert override["RECURRENCE-ID"].dt == sessions[2].original_start
    assert override["SEQUENCE"] == 1 and master["SEQUENCE"] == 0
    assert [tz["TZID"] for tz in first.walk("VTIMEZONE")] == ["America/Chicago"]
    assert first["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    assert first["X-PUBLISHED-TTL"].to_ical() == b"PT1H"


def test_series_edit_raises_the_feed_sequence():
    group, series, _ = _simple_group_with_sessions()
    schedule.series_update(series=series, duration_minutes=120)
    master = _parse(group_calendar(group=group)).walk("VEVENT")[0]
    assert master["SEQUENCE"] == 1
    assert master["DURATION"].dt == dt.timedelta(minutes=120)


def test_ended_series_stays_in_the_feed_only_up_to_its_last_held_session():
    group, series, sessions = _simple_group_with_sessions()
    schedule.series_end(series=series, now=sessions[2].starts_at + dt.timedelta(hours=2))
    cal = _parse(group_calendar(group=group))
    occurrences = _expanded(cal.to_ical(), sessions[0].starts_at - dt.timedelta(days=1), sessions[-1].ends_at)
    assert occurrences == [(s.starts_at, s.ends_at) for s in sessions[:3]]


def test_ended_series_that_never_met_is_left_out():
    group, series, _ = _simple_group_with_sessions()
    schedule.series_end(series=series)
    assert _parse(group_calendar(group=group)).walk("VEVENT") == []


def test_member_feed_covers_only_groups_where_the_member_is_active():
    member = MemberFactory()
    active_group, _, _ = _simple_group_with_sessions()
    waiting_group, _, _ = _simple_group_with_sessions()
    left_group, _, _ = _simple_group_with_sessions()
    EnrollmentFactory(member=member, group=active_group, status="active")
    EnrollmentFactory(member=member, group=waiting_group, status="requested", activated_at=None)
    EnrollmentFactory(member=member, group=left_group, status="left")
    names = {str(e["SUMMARY"]) for e in _parse(member_calendar(member=member)).walk("VEVENT")}
    assert names == {active_group.name}


def test_member_feed_refuses_unknown_rotated_and_erased_tokens(api_client):
    group, _, _ = _simple_group_with_sessions()
    member = MemberFactory()
    EnrollmentFactory(member=member, group=group)
    old_token = member.token
    assert api_client.get(f"/api/me/{old_token}/calendar.ics").status_code == 200
    member.token = "rotated-" + old_token[:20]
    member.save()
    assert api_client.get(f"/api/me/{old_token}/calendar.ics").status_code == 404
    assert api_client.get("/api/me/not-a-token/calendar.ics").status_code == 404
    member.erased_at = timezone.now()
    member.save()
    assert api_client.get(f"/api/me/{member.token}/calendar.ics").status_code == 404
    response = api_client.get(f"/api/groups/{group.slug}/calendar.ics")
    assert response.status_code == 200
    assert api_client.get("/api/groups/no-such-group/calendar.ics").status_code == 404
    assert api_client.post(f"/api/groups/{group.slug}/calendar.ics").status_code == 405


def test_private_feed_is_not_cached_by_shared_caches(api_client):
    group, _, _ = _simple_group_with_sessions()
    member = MemberFactory()
    EnrollmentFactory(member=member, group=group)
    response = api_client.get(f"/api/me/{member.token}/calendar.ics")
    assert "private" in response["Cache-Control"]
    assert response["Referrer-Policy"] == "no-referrer"


def test_feed_queries_do_not_grow_with_sessions_or_series(django_assert_max_num_queries):
    group, series, sessions = _simple_group_with_sessions()
    for session in sessions[1:6]:
        schedule.session_change(session=session, status="cancelled", note="x")
    for _ in range(3):
        schedule.series_create(
            group=group,
            rrule="FREQ=WEEKLY;BYDAY=WE",
            dtstart=_next_local(timezone.now(), 2, 10),
            timezone="America/Chicago",
            duration_minutes=60,
        )
    with django_assert_max_num_queries(3):
        group_calendar(group=group)


# --- Invites -------------------------------------------------------------------------------


def test_series_invite_request_carries_organizer_attendee_rule_and_timezone():
    organization = OrganizationFactory(contact_email="care@hospice.example")
    group, series, sessions = _simple_group_with_sessions(
        organization=organization, format="online", venue=None, conference_url="https://meet.example/x"
    )
    schedule.session_change(session=sessions[3], status="cancelled", note="Holiday")
    member = MemberFactory(email="ben@example.org", display_name="Ben")
    enrollment = EnrollmentFactory(member=member, group=group)
    cal = _parse(series_invite(enrollment=enrollment, series=series, method="REQUEST"))
    assert cal["METHOD"] == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert event["UID"] == series_uid(series)
    assert str(event["ORGANIZER"]) == "mailto:care@hospice.example"
    assert str(event["ATTENDEE"]) == "mailto:ben@example.org"
    assert event["ATTENDEE"].params["CN"] == "Ben"
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TU"
    assert [d.dt for d in event["EXDATE"].dts] == [sessions[3].original_start.astimezone(CHICAGO)]
    assert event["SEQUENCE"] == 0
    assert "https://meet.example/x" in str(event["DESCRIPTION"])
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/Chicago"]


def test_series_invite_cancel_and_organizer_fallback():
    group, series, _ = _simple_group_with_sessions(organization=OrganizationFactory(contact_email=""))
    enrollment = EnrollmentFactory(member=MemberFactory(email="c@example.org"), group=group, status="left")
    with override_settings(DEFAULT_FROM_EMAIL="Lantern <reminders@lantern.test>"):
        cal = _parse(series_invite(enrollment=enrollment, series=series, method="cancel"))
    assert cal["METHOD"] == "CANCEL"
    (event,) = cal.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"
    assert str(event["ORGANIZER"]) == "mailto:reminders@lantern.test"
    assert event["UID"] == series_uid(series)


def test_session_invites_for_a_moved_and_a_cancelled_session():
    group, series, sessions = _simple_group_with_sessions()
    enrollment = EnrollmentFactory(member=MemberFactory(email="d@example.org"), group=group)
    moved = schedule.session_change(session=sessions[2], starts_at=sessions[2].starts_at + dt.timedelta(days=1))
    moved = schedule.session_change(session=moved, note="Room 2")
    cal = _parse(session_invite(enrollment=enrollment, session=moved, method="REQUEST"))
    assert cal["METHOD"] == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert event["UID"] == series_uid(series)
    assert event["RECURRENCE-ID"].dt == sessions[2].original_start
    assert event["DTSTART"].dt == moved.starts_at
    assert event["SEQUENCE"] == 2
    assert "Room 2" in str(event["DESCRIPTION"])

    cancelled = schedule.session_change(session=sessions[4], status="cancelled", note="Snow")
    cal = _parse(session_invite(enrollment=enrollment, session=cancelled, method="CANCEL"))
    assert cal["METHOD"] == "CANCEL"
    (event,) = cal.walk("VEVENT")
    assert event["STATUS"] == "CANCELLED" and event["SEQUENCE"] == 1
    assert event["RECURRENCE-ID"].dt == sessions[4].original_start


def test_invites_refuse_unknown_methods():
    group, series, sessions = _simple_group_with_sessions()
    enrollment = EnrollmentFactory(group=group)
    with pytest.raises(ValueError, match=INVALID_METHOD):
        series_invite(enrollment=enrollment, series=series, method="PUBLISH")
    with pytest.raises(ValueError, match=INVALID_METHOD):
        session_invite(enrollment=enrollment, session=sessions[0], method="REPLY")


@pytest.mark.any_hour
@override_settings(SESSION_HORIZON_DAYS=372)
def test_an_ended_series_leaves_no_clock_change_overrides_after_its_end():
    group = SupportGroupFactory()
    series = schedule.series_create(
        group=group,
        rrule="FREQ=WEEKLY;BYDAY=SU",
        dtstart=_next_local(timezone.now(), 6, 1, 30),
        timezone="America/Chicago",
        duration_minutes=90,
    )
    sessions = list(Session.objects.filter(series=series).order_by("starts_at"))
    before = _parse(group_calendar(group=group))
    assert len(before.walk("VEVENT")) >= 3  # the master and both clock-change nights
    schedule.series_end(series=series, now=sessions[1].starts_at + dt.timedelta(hours=2))
    ics = group_calendar(group=group)
    overrides = [e for e in _parse(ics).walk("VEVENT") if "RECURRENCE-ID" in e]
    assert all(e["RECURRENCE-ID"].dt <= sessions[1].original_start for e in overrides)
    window_end = sessions[-1].ends_at + dt.timedelta(days=1)
    assert _expanded(ics, sessions[0].starts_at - dt.timedelta(days=1), window_end) == [
        (s.starts_at, s.ends_at) for s in sessions[:2]
    ]


# --- Read by Mozilla's ical.js as well as recurring-ical-events -----------------------------
#
# ical.js (Thunderbird, Nextcloud, many web calendars) reads only the first value of a
# multi-valued RDATE line, so a VTIMEZONE written that way put every session after the
# first clock change an hour off there, while Python readers were right. Both readers
# must expand every feed and invite to exactly the sessions in the database.

# Fixed instants: these tests are about the calendar, not about the hour they run at.
DECEMBER = dt.datetime(2026, 12, 2, 15, 0, tzinfo=UTC)
LONDON = zoneinfo.ZoneInfo("Europe/London")


def _readers_agree(ics: bytes, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Both parsers' (start, end) of every not-cancelled occurrence; fails if they differ."""
    by_icaljs = sorted(
        (o["start"], o["end"]) for o in icaljs_occurrences(ics, start, end) if o["status"] != "CANCELLED"
    )
    by_python = [
        (e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC))
        for e in recurring_ical_events.of(_parse(ics)).between(start, end)
        if e.get("STATUS") != "CANCELLED"
    ]
    assert by_icaljs == sorted(by_python)
    return by_icaljs


def _weekly_year(tz_name: str, *, weekday: int, now: dt.datetime, organization=None):
    """A weekly 19:00 series in `tz_name` over a year from `now`, a moved and a cancelled
    session on either side of the spring change, and an active member with email."""
    zone = zoneinfo.ZoneInfo(tz_name)
    day = now.astimezone(zone).date() + dt.timedelta(days=1)
    while day.weekday() != weekday:
        day += dt.timedelta(days=1)
    group = SupportGroupFactory(
        organization=organization or OrganizationFactory(), timezone=tz_name, format="online", venue=None
    )
    series = schedule.series_create(
        group=group,
        rrule="FREQ=WEEKLY",
        dtstart=dt.datetime.combine(day, dt.time(19)),
        timezone=tz_name,
        duration_minutes=90,
        now=now,
    )
    sessions = list(Session.objects.filter(series=series).order_by("starts_at"))
    schedule.session_change(session=sessions[3], status="cancelled", note="Holiday", now=now)
    schedule.session_change(session=sessions[20], starts_at=sessions[20].starts_at + dt.timedelta(hours=1), now=now)
    member = MemberFactory(email="reader@example.org")
    enrollment = EnrollmentFactory(group=group, member=member, activated_at=now)
    return group, series, member, enrollment


def _scheduled(series) -> list[tuple[dt.datetime, dt.datetime]]:
    rows = Session.objects.filter(series=series, status="scheduled").order_by("starts_at")
    return [(s.starts_at, s.ends_at) for s in rows]


@pytest.mark.parametrize(
    ("tz_name", "weekday", "spring", "fall"),
    [
        ("America/Chicago", 2, dt.date(2027, 3, 14), dt.date(2027, 11, 7)),
        ("Europe/London", 3, dt.date(2027, 3, 28), dt.date(2027, 10, 31)),
    ],
)
@override_settings(SESSION_HORIZON_DAYS=372)
def test_icaljs_reads_both_feeds_and_the_invite_like_recurring_ical_events_across_both_dst_changes(
    tz_name, weekday, spring, fall
):
    group, series, member, enrollment = _weekly_year(tz_name, weekday=weekday, now=DECEMBER)
    expected = _scheduled(series)
    start, end = DECEMBER, max(e for _, e in expected)
    zone = zoneinfo.ZoneInfo(tz_name)
    # The year really spans both clock changes, and every session but the moved one is at 19:00.
    assert expected[0][0].astimezone(zone).date() < spring < fall < expected[-1][0].astimezone(zone).date()
    assert sum(s.astimezone(zone).hour == 19 for s, _ in expected) == len(expected) - 1

    feeds = {
        "public feed": group_calendar(group=group, now=DECEMBER),
        "member feed": member_calendar(member=member, now=DECEMBER),
        "series invite": series_invite(enrollment=enrollment, series=series, method="REQUEST", now=DECEMBER),
    }
    for name, ics in feeds.items():
        assert _readers_agree(ics, start, end) == expected, name


@override_settings(SESSION_HORIZON_DAYS=372)
def test_both_readers_place_sessions_in_the_skipped_and_the_repeated_hour():
    """02:30 does not exist on the spring-forward day (RFC 5545: 03:30; ical.js alone would
    say 01:30) and 01:10 happens twice on the fall-back night (RFC 5545: the first; ical.js
    alone would say the second)."""
    group = SupportGroupFactory(format="online", venue=None)
    member = MemberFactory(email="early@example.org")
    EnrollmentFactory(group=group, member=member, activated_at=DECEMBER)
    for hour, minute, minutes in ((2, 30, 60), (1, 10, 30)):
        schedule.series_create(
            group=group,
            rrule="FREQ=WEEKLY;BYDAY=SU",
            dtstart=dt.datetime(2026, 12, 6, hour, minute),
            timezone="America/Chicago",
            duration_minutes=minutes,
            now=DECEMBER,
        )
    expected = sorted((s.starts_at, s.ends_at) for s in Session.objects.filter(group=group))
    end = max(e for _, e in expected)
    local_starts = {s.astimezone(CHICAGO).replace(tzinfo=None) for s, _ in expected}
    assert dt.datetime(2027, 3, 14, 3, 30) in local_starts  # the skipped 02:30
    assert (dt.datetime(2027, 11, 7, 6, 10, tzinfo=UTC), dt.datetime(2027, 11, 7, 6, 40, tzinfo=UTC)) in expected
    for ics in (group_calendar(group=group, now=DECEMBER), member_calendar(member=member, now=DECEMBER)):
        assert _readers_agree(ics, DECEMBER, end) == expected


def test_every_vtimezone_rdate_holds_a_single_value():
    group, series, member, enrollment = _weekly_year("America/Chicago", weekday=2, now=DECEMBER)
    for ics in (
        group_calendar(group=group, now=DECEMBER),
        series_invite(enrollment=enrollment, series=series, method="REQUEST", now=DECEMBER),
    ):
        (vtimezone,) = _parse(ics).walk("VTIMEZONE")
        for observance in vtimezone.subcomponents:
            rdates = observance.get("RDATE", [])
            for rdate in rdates if isinstance(rdates, list) else [rdates]:
                assert len(rdate.dts) == 1


def test_a_session_invite_reads_alike_after_the_spring_change():
    group, series, member, enrollment = _weekly_year("America/Chicago", weekday=2, now=DECEMBER)
    after_spring = next(
        s for s in Session.objects.filter(series=series).order_by("starts_at") if s.starts_at.month == 4
    )
    moved = schedule.session_change(
        session=after_spring, starts_at=after_spring.starts_at + dt.timedelta(days=1), now=DECEMBER
    )
    ics = session_invite(enrollment=enrollment, session=moved, method="REQUEST", now=DECEMBER)
    window = (moved.starts_at - dt.timedelta(days=1), moved.starts_at + dt.timedelta(days=1))
    assert [(o["start"], o["end"]) for o in icaljs_occurrences(ics, *window)] == [(moved.starts_at, moved.ends_at)]
    assert moved.starts_at.astimezone(CHICAGO).hour == 19


@pytest.mark.parametrize("bad", ["\n", "\r\n", "\x07\x1b", "\u2028"])
def test_control_characters_in_names_never_break_the_public_feed_or_invites(api_client, bad):
    organization = OrganizationFactory(name=f"Hospice{bad}Care")
    group, series, _, enrollment = _weekly_year("America/Chicago", weekday=2, now=DECEMBER, organization=organization)
    group.name = f"Grief{bad}Circle"
    group.what_to_expect = f"Line one{bad}line two"
    group.save()
    enrollment.member.display_name = f"Ana{bad}Lee"
    enrollment.member.save()
    session = Session.objects.filter(series=series).order_by("starts_at").first()

    response = api_client.get(f"/api/groups/{group.slug}/calendar.ics")
    assert response.status_code == 200
    invites = [
        series_invite(enrollment=enrollment, series=series, method="REQUEST", now=DECEMBER),
        series_invite(enrollment=enrollment, series=series, method="CANCEL", now=DECEMBER),
        session_invite(enrollment=enrollment, session=session, method="REQUEST", now=DECEMBER),
    ]
    for ics in [response.content, *invites]:
        # Only CRLF line ends; no other control character anywhere in the file.
        assert not any(ord(c) < 32 and c not in "\r\n" for c in ics.decode())
        assert b"\r\n" in ics and b"\n" not in ics.replace(b"\r\n", b"")
        cal = _parse(ics)
        assert str(cal["X-WR-CALNAME"]) == "Grief Circle"
        for event in cal.walk("VEVENT"):
            assert str(event["SUMMARY"]) == "Grief Circle"
            if "ORGANIZER" in event:
                assert event["ORGANIZER"].params["CN"] == "Hospice Care"
                assert event["ATTENDEE"].params["CN"] == "Ana Lee"
        # Both readers take the file.
        assert icaljs_occurrences(ics, DECEMBER, DECEMBER + dt.timedelta(days=30))


@pytest.mark.parametrize("feed", ["group", "member"])
def test_every_event_links_to_the_group_page_people_read(api_client, feed):
    """An event's URL and the link in its description open the group's page, not the API."""
    group, _, _ = _simple_group_with_sessions()
    member = MemberFactory()
    EnrollmentFactory(member=member, group=group)
    path = f"/api/groups/{group.slug}/calendar.ics" if feed == "group" else f"/api/me/{member.token}/calendar.ics"
    calendar = icalendar.Calendar.from_ical(api_client.get(path).content)

    events = list(calendar.walk("VEVENT"))
    page = f"https://lantern.test/groups/{group.slug}/"
    assert events and {str(event["URL"]) for event in events} == {page}
    assert all(page in str(event["DESCRIPTION"]) for event in events)
    assert not any("/api/" in str(event["DESCRIPTION"]) for event in events)
    assert api_client.get(f"/groups/{group.slug}/").status_code == 200
