"""iCalendar (RFC 5545 / RFC 5546) for Lantern: subscription feeds and email invites.

One VEVENT per series carries the RRULE, exactly as the series is stored, so a
calendar client expands the same instants the sessions app materialized (both
follow RFC 5545 §3.3.5 for nonexistent and repeated local times). Cancelled
sessions become EXDATEs; sessions a facilitator moved, re-venued or annotated
become overriding VEVENTs with the same UID and a RECURRENCE-ID of their original
start. UIDs are derived from the series id and the site's host, so the feed and
every emailed invite talk about the same event.

Public feeds carry no member data and no conference link; the private member
feed adds the conference link and VALARMs at the group's reminder offsets.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections import defaultdict
from email.utils import parseaddr
from urllib.parse import urlparse

from django.conf import settings
from django.db.models import Max
from django.utils import timezone as dj_timezone
from icalendar import Alarm, Calendar, Event, vCalAddress, vDuration, vRecur, vText, vUnknown

from notifications.vtimezone import vtimezone
from sessions.links import group_page_url
from sessions.models import Enrollment, Member, Session, SessionSeries, SupportGroup, Venue
from sessions.services.schedule import local_to_utc, series_local_dtstart, series_occurrences, series_rule

PRODID = "-//Lantern//Lantern peer support scheduler//EN"
METHOD_REQUEST = "REQUEST"
METHOD_CANCEL = "CANCEL"
METHODS = (METHOD_REQUEST, METHOD_CANCEL)
INVALID_METHOD = "method must be REQUEST or CANCEL."


def _host() -> str:
    return urlparse(settings.PUBLIC_BASE_URL).hostname or "lantern.invalid"


def series_uid(series: SessionSeries) -> str:
    """Stable for the life of the series: feeds and invites share it."""
    return f"series-{series.pk}@{_host()}"


def _standalone_uid(session: Session) -> str:
    return f"session-{session.pk}@{_host()}"


def _refresh_minutes() -> int:
    return settings.CALENDAR_REFRESH_MINUTES


def _calendar(*, name: str, method: str | None = None, feed: bool = False) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if method:
        cal.add("method", method)
    cal.add("x-wr-calname", name)
    if feed:
        refresh = dt.timedelta(minutes=_refresh_minutes())
        cal.add("refresh-interval", refresh, parameters={"VALUE": "DURATION"})
        cal.add("x-published-ttl", vDuration(refresh))
    return cal


# RFC 5545 §3.3.11: TEXT holds no control characters but HTAB, and a line break in a
# value is written as the escape "\n". A group, organization or member name typed
# with a newline or a pasted control character must not break the file (icalendar
# refuses a raw newline in X-WR-CALNAME) nor reach a client raw: names become one
# line, and multi-line fields keep their line breaks but lose other controls.
_LINE_BREAKS = re.compile(r"\r\n?|[\n\x0b\x0c\x85\u2028\u2029]")
_CONTROLS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f-\x9f]")
_MULTI_LINE = frozenset({"DESCRIPTION", "COMMENT"})


def _one_line(text: str) -> str:
    return " ".join(_CONTROLS.sub(" ", _LINE_BREAKS.sub(" ", text)).split())


def _multi_line(text: str) -> str:
    return _CONTROLS.sub("", _LINE_BREAKS.sub("\n", text))


def _plain(value, *, name: str):
    for key, param in list(getattr(value, "params", {}).items()):
        if isinstance(param, str):
            value.params[key] = _one_line(param)
    if isinstance(value, vText | vUnknown):
        clean = _multi_line(value) if name in _MULTI_LINE else _one_line(value)
        return vText(clean, params=value.params)
    return value


def _to_ical(cal: Calendar) -> bytes:
    """The calendar's bytes, every text value and parameter made safe to write."""
    for component in cal.walk():
        for name, value in list(component.items()):
            if isinstance(value, list):
                component[name] = [_plain(item, name=name.upper()) for item in value]
            else:
                component[name] = _plain(value, name=name.upper())
    return cal.to_ical()


def _in_repeated_hour(local: dt.datetime) -> bool:
    """A wall-clock time that a fall-back night shows twice (01:30 in Chicago)."""
    naive = local.replace(tzinfo=None)
    return (
        naive.replace(tzinfo=local.tzinfo, fold=0).utcoffset() != naive.replace(tzinfo=local.tzinfo, fold=1).utcoffset()
    )


def _when(value: dt.datetime, tz_name: str) -> dt.datetime:
    """A DTSTART or DTEND: as `_local`, but an instant in a repeated hour goes out in UTC.

    RFC 5545 §3.3.5 reads such a wall-clock time as its first instant, but ical.js
    (Thunderbird, Nextcloud) reads it as the second, an hour later; UTC leaves neither
    room to differ. (RECURRENCE-ID and EXDATE stay wall-clock times: clients match them
    against the occurrences they expand, which are wall-clock times.)
    """
    local = value.astimezone(zoneinfo.ZoneInfo(tz_name))
    if _in_repeated_hour(local):
        return value.astimezone(dt.UTC)
    return _local(value, tz_name)


def _nonexistent(local: dt.datetime) -> bool:
    """A wall-clock time that a spring-forward night skips (02:30 in Chicago)."""
    naive = local.replace(tzinfo=None)
    return naive.replace(tzinfo=local.tzinfo).astimezone(dt.UTC).astimezone(local.tzinfo).replace(tzinfo=None) != naive


def _recurrence_id(series: SessionSeries, instant: dt.datetime) -> dt.datetime:
    """An occurrence's RECURRENCE-ID or EXDATE: the wall-clock time the rule gives it.

    For a start the rule puts in a spring-forward gap (02:30) that is 02:30, not the
    03:30 the instant reads as: clients match the value against the wall-clock times
    they expand, and ical.js, comparing them as text, would otherwise miss it.
    """
    local = _local(instant, series.local_zone.key)
    if local.tzinfo is dt.UTC:
        return local
    rule_time = series_local_dtstart(series).time()
    if local.time() != rule_time:
        nominal = dt.datetime.combine(local.date(), rule_time, tzinfo=local.tzinfo)
        if _nonexistent(nominal) and local_to_utc(nominal.replace(tzinfo=None), series.local_zone.key) == instant:
            return nominal
    return local


def _local(value: dt.datetime, tz_name: str) -> dt.datetime:
    """An instant as wall-clock time with a TZID (icalendar writes DTSTART;TZID=…).

    The second 01:30 of a fall-back night cannot be written as a TZID wall-clock
    time (readers take the first, RFC 5545 §3.3.5), so such instants go out in UTC.
    """
    local = value.astimezone(zoneinfo.ZoneInfo(tz_name))
    if local_to_utc(local.replace(tzinfo=None), tz_name) != value:
        return value.astimezone(dt.UTC)
    return local


def _location(venue: Venue | None, group: SupportGroup, *, conference: bool) -> str:
    parts = []
    if venue is not None:
        parts.append(", ".join(p for p in (venue.name, venue.address, venue.city, venue.region) if p))
    if group.format != SupportGroup.Format.IN_PERSON:
        parts.append(group.conference_url if conference and group.conference_url else "Online")
    return " / ".join(parts)


def _description(group: SupportGroup, *, conference: bool, note: str = "") -> str:
    lines = []
    if note:
        lines.append(note)
    if group.what_to_expect:
        lines.append(group.what_to_expect)
    if conference and group.conference_url and group.format != SupportGroup.Format.IN_PERSON:
        lines.append(f"Join online: {group.conference_url}")
    lines.append(group_page_url(group))
    return "\n\n".join(lines)


def _alarms(event: Event, group: SupportGroup) -> None:
    for minutes in sorted(set(group.reminder_offsets or []), reverse=True):
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"{group.name} starts in {_human_minutes(minutes)}")
        alarm.add("trigger", -dt.timedelta(minutes=minutes))
        event.add_component(alarm)


def _human_minutes(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day{'s' if days != 1 else ''}"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minutes"


def _ended_rrule(series: SessionSeries, last_start: dt.datetime) -> vRecur:
    """An ended series' rule cut at its last held session (a prefix of the same set)."""
    recur = vRecur.from_ical(series.rrule)
    recur.pop("COUNT", None)
    recur["UNTIL"] = [last_start.astimezone(dt.UTC)]
    return recur


def _series_events(
    *,
    series: SessionSeries,
    sessions: list[Session],
    now: dt.datetime,
    member_view: bool,
    last_held: dt.datetime | None = None,
    public: bool = False,
) -> list[Event]:
    """The master VEVENT of a series and its overrides. `sessions` are the series'
    sessions that differ from the rule (modified or cancelled); `last_held` is the
    original start of an ended series' last unmodified, held session."""
    rrule, until = _published_rule(series, sessions=sessions, last_held=last_held)
    if rrule is None:
        return []
    exceptional = [s for s in sessions if s.modified or s.status == Session.Status.CANCELLED]
    master = _master_event(series, rrule=rrule, now=now, member_view=member_view)
    events = [master]
    events += _clock_change_overrides(
        series,
        master,
        skip={s.original_start for s in exceptional},
        until=until,
        now=now,
        member_view=member_view,
    )
    overrides, exdates = _session_overrides(series, exceptional, now=now, member_view=member_view, public=public)
    events += overrides
    if exdates:
        master.add("exdate", sorted(exdates))
    return events


def _published_rule(
    series: SessionSeries, *, sessions: list[Session], last_held: dt.datetime | None
) -> tuple[vRecur | None, dt.datetime | None]:
    """The RRULE to publish and the last start an ended series keeps (None while active).

    An ended series is cut at its last held session; one that never met has no rule
    at all: (None, None).
    """
    if series.active:
        return vRecur.from_ical(series.rrule), None
    held = [s.original_start for s in sessions if s.status == Session.Status.SCHEDULED]
    until = max([d for d in [last_held, *held] if d is not None], default=None)
    if until is None:
        return None, None
    return _ended_rrule(series, until), until


def _master_event(series: SessionSeries, *, rrule: vRecur, now: dt.datetime, member_view: bool) -> Event:
    group = series.group
    master = Event()
    master.add("uid", series_uid(series))
    master.add("dtstamp", now)
    master.add("sequence", series.sequence)
    master.add("summary", group.name)
    master.add("dtstart", series_local_dtstart(series).replace(tzinfo=series.local_zone))
    master.add("duration", dt.timedelta(minutes=series.duration_minutes))
    master.add("rrule", rrule)
    location = _location(series.effective_venue, group, conference=member_view)
    if location:
        master.add("location", location)
    master.add("description", _description(group, conference=member_view))
    master.add("url", group_page_url(group))
    master.add("status", "CONFIRMED")
    if member_view:
        _alarms(master, group)
    return master


def _clock_change_overrides(
    series: SessionSeries,
    master: Event,
    *,
    skip: set[dt.datetime],
    until: dt.datetime | None,
    now: dt.datetime,
    member_view: bool,
) -> list[Event]:
    """Overrides with an explicit DTEND for occurrences around a clock change (see
    `_clock_change_occurrences`), except those in `skip` (a session of their own
    overrides them) and any after an ended series' `until`."""
    group = series.group
    tz = series.local_zone.key
    events = []
    for start_local_occ, end_utc in _clock_change_occurrences(series, now=now):
        if start_local_occ.astimezone(dt.UTC) in skip:
            continue
        if until is not None and start_local_occ > until:
            break
        override = Event()
        override.add("uid", series_uid(series))
        override.add("recurrence-id", start_local_occ)
        override.add("dtstamp", now)
        override.add("sequence", series.sequence)
        override.add("summary", group.name)
        override.add("dtstart", _when(start_local_occ, tz))
        override.add("dtend", _when(end_utc, tz))
        for name in ("location", "description", "url", "status"):
            if name in master:
                override.add(name, master[name])
        if member_view:
            _alarms(override, group)
        events.append(override)
    return events


def _session_overrides(
    series: SessionSeries, exceptional: list[Session], *, now: dt.datetime, member_view: bool, public: bool
) -> tuple[list[Event], list[dt.datetime]]:
    """(overriding VEVENTs, EXDATEs) for the sessions a facilitator changed or cancelled."""
    # Overrides whose original start is not an occurrence of the current rule (the
    # series was edited after the change) cannot use RECURRENCE-ID; they become
    # events of their own.
    on_rule: set[dt.datetime] = set()
    if exceptional:
        low = min(s.original_start for s in exceptional)
        high = max(s.original_start for s in exceptional)
        on_rule = set(series_occurrences(series, after=low, before=high))
    events = []
    exdates = []
    for session in exceptional:
        if session.status == Session.Status.CANCELLED:
            if session.original_start in on_rule:
                exdates.append(_recurrence_id(series, session.original_start))
            continue
        override = Event()
        if session.original_start in on_rule:
            override.add("uid", series_uid(series))
            override.add("recurrence-id", _recurrence_id(series, session.original_start))
        else:
            override.add("uid", _standalone_uid(session))
        _fill_occurrence(override, session=session, series=series, now=now, member_view=member_view, public=public)
        events.append(override)
    return events, exdates


def _clock_change_occurrences(series: SessionSeries, *, now: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """Occurrences that run across a clock change or start in a repeated hour, as
    (local start, UTC end).

    RFC 5545 §3.3.6 makes a DURATION of hours and minutes exact, but common clients
    (and recurring-ical-events) add it to the local start as wall-clock time, so a
    90-minute session at 01:30 on a fall-back night would show as 2.5 hours. An
    override with an explicit DTEND leaves no room for interpretation. A start in
    the repeated hour gets one too, with its DTSTART in UTC (see `_when`), and so does
    a start the rule puts in a spring-forward gap (ical.js moves 02:30 back to 01:30
    where RFC 5545 §3.3.5 says 03:30).
    """
    duration = dt.timedelta(minutes=series.duration_minutes)
    tz = series.local_zone
    # Only a start within a day of a UTC-offset change can be affected; skip the
    # rule expansion entirely for zones without DST.
    first = series_local_dtstart(series).replace(tzinfo=tz)
    low = max(first.astimezone(dt.UTC), now - dt.timedelta(days=366))
    high = series.materialized_until or now + dt.timedelta(days=_horizon_days())
    if low > high or _offsets_constant(tz, low, high):
        return []
    result = []
    for occurrence in series_rule(series).between(low, high, inc=True):
        exact_end = occurrence.astimezone(dt.UTC) + duration
        odd_start = _in_repeated_hour(occurrence) or _nonexistent(occurrence)
        if (occurrence + duration).astimezone(dt.UTC) != exact_end or odd_start:
            result.append((occurrence, exact_end))
    return result


def _offsets_constant(tz: zoneinfo.ZoneInfo, low: dt.datetime, high: dt.datetime) -> bool:
    offsets = set()
    probe = low
    while probe <= high + dt.timedelta(days=31):
        offsets.add(probe.astimezone(tz).utcoffset())
        probe += dt.timedelta(days=14)
    return len(offsets) == 1


def _horizon_days() -> int:
    return settings.SESSION_HORIZON_DAYS


def _fill_occurrence(
    event: Event, *, session: Session, series: SessionSeries, now: dt.datetime, member_view: bool, public: bool = False
):
    group = series.group
    event.add("dtstamp", now)
    event.add("sequence", session.sequence)
    event.add("summary", group.name)
    event.add("dtstart", _when(session.starts_at, session.local_zone.key))
    event.add("dtend", _when(session.ends_at, session.local_zone.key))
    location = _location(session.effective_venue, group, conference=member_view)
    if location:
        event.add("location", location)
    # A session's note is written for the group's members ("the reason members see"),
    # and the public sessions API leaves it out: so does the public feed.
    event.add("description", _description(group, conference=member_view, note="" if public else session.note))
    event.add("url", group_page_url(group))
    event.add("status", "CANCELLED" if session.status == Session.Status.CANCELLED else "CONFIRMED")
    if member_view and session.status == Session.Status.SCHEDULED:
        _alarms(event, group)


def _add_timezones(cal: Calendar, *, now: dt.datetime) -> None:
    # A VTIMEZONE for every TZID we used, exact from two years back to five ahead
    # (yearly rules go on past that): enough for every client to place the sessions,
    # and small. Built by notifications.vtimezone, not icalendar's generator, whose
    # multi-valued RDATE lines ical.js misreads.
    for position, tzid in enumerate(sorted(cal.get_missing_tzids())):
        cal.subcomponents.insert(position, vtimezone(tzid, first_year=now.year - 2, last_year=now.year + 5))


def _exceptional_sessions(series_ids: list[int]) -> dict[int, list[Session]]:
    by_series: dict[int, list[Session]] = defaultdict(list)
    rows = (
        Session.objects.filter(series_id__in=series_ids)
        .filter(modified=True)
        .select_related("venue", "series__venue", "group__venue")
    )
    for session in rows.order_by("original_start"):
        by_series[session.series_id].append(session)
    return by_series


def _last_held(series_ids: list[int]) -> dict[int, dt.datetime]:
    rows = (
        Session.objects.filter(series_id__in=series_ids, status=Session.Status.SCHEDULED, modified=False)
        .values("series_id")
        .annotate(last=Max("original_start"))
    )
    return {row["series_id"]: row["last"] for row in rows}


def _calendar_for_series(
    cal: Calendar, series_list: list[SessionSeries], *, now: dt.datetime, member_view: bool, public: bool = False
) -> Calendar:
    ids = [series.pk for series in series_list]
    exceptional = _exceptional_sessions(ids)
    ended = [series.pk for series in series_list if not series.active]
    last_held = _last_held(ended) if ended else {}
    for series in series_list:
        for event in _series_events(
            series=series,
            sessions=exceptional.get(series.pk, []),
            now=now,
            member_view=member_view,
            last_held=last_held.get(series.pk),
            public=public,
        ):
            cal.add_component(event)
    _add_timezones(cal, now=now)
    return cal


def _series_of(groups) -> list[SessionSeries]:
    return list(
        SessionSeries.objects.filter(group__in=groups)
        .select_related("group", "group__venue", "venue")
        .order_by("group_id", "pk")
    )


def group_calendar(*, group: SupportGroup, now: dt.datetime | None = None) -> bytes:
    """The public feed of one group: schedule only, no member data, no conference link, no session notes."""
    now = now or dj_timezone.now()
    cal = _calendar(name=group.name, feed=True)
    return _to_ical(_calendar_for_series(cal, _series_of([group]), now=now, member_view=False, public=True))


def member_calendar(*, member: Member, now: dt.datetime | None = None) -> bytes:
    """A member's private feed: every group they are active in, with conference links
    and reminders (VALARM) at each group's offsets."""
    now = now or dj_timezone.now()
    groups = SupportGroup.objects.filter(enrollments__member=member, enrollments__status=Enrollment.Status.ACTIVE)
    if not member.is_proven:
        # Conference links go only to proven members (docs/privacy.md); the feed's URL
        # is never given out before proof, this keeps it so if the token leaks.
        groups = groups.none()
    cal = _calendar(name="Lantern — my groups", feed=True)
    return _to_ical(_calendar_for_series(cal, _series_of(groups), now=now, member_view=True))


# --- Email invites (RFC 5546 iTIP) ---------------------------------------------------


def _organizer(group: SupportGroup) -> vCalAddress:
    email = group.organization.contact_email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    address = vCalAddress(f"mailto:{email}")
    address.params["CN"] = vText(group.organization.name)
    return address


def _attendee(member: Member, *, method: str) -> vCalAddress | None:
    if not member.email:
        return None
    address = vCalAddress(f"mailto:{member.email}")
    address.params["CN"] = vText(member.display_name)
    address.params["ROLE"] = vText("REQ-PARTICIPANT")
    address.params["PARTSTAT"] = vText("NEEDS-ACTION" if method == METHOD_REQUEST else "DECLINED")
    address.params["RSVP"] = vText("FALSE")
    return address


def _stamp_parties(event: Event, *, enrollment: Enrollment, method: str) -> None:
    event.add("organizer", _organizer(enrollment.group))
    attendee = _attendee(enrollment.member, method=method)
    if attendee is not None:
        event.add("attendee", attendee)


def _check_method(method: str) -> str:
    method = (method or "").upper()
    if method not in METHODS:
        raise ValueError(INVALID_METHOD)
    return method


def series_invite(
    *, enrollment: Enrollment, series: SessionSeries, method: str, now: dt.datetime | None = None
) -> bytes:
    """REQUEST (join, or the series changed) or CANCEL (left, or the series ended)
    for the whole series: stable UID, RRULE, EXDATEs, VTIMEZONE, ORGANIZER, ATTENDEE."""
    method = _check_method(method)
    now = now or dj_timezone.now()
    series = SessionSeries.objects.select_related("group", "group__organization", "group__venue", "venue").get(
        pk=series.pk
    )
    member_view = method == METHOD_REQUEST and enrollment.status == Enrollment.Status.ACTIVE
    sessions = _exceptional_sessions([series.pk]).get(series.pk, [])
    last_held = _last_held([series.pk]).get(series.pk) if not series.active else None
    cal = _calendar(name=series.group.name, method=method)
    events = _series_events(series=series, sessions=sessions, now=now, member_view=member_view, last_held=last_held)
    if not events:  # an ended series that never met: cancel the bare master
        events = [_bare_master(series, now=now)]
    for event in events:
        _stamp_parties(event, enrollment=enrollment, method=method)
        if method == METHOD_CANCEL:
            event.pop("status", None)
            event.add("status", "CANCELLED")
        cal.add_component(event)
    _add_timezones(cal, now=now)
    return _to_ical(cal)


def _bare_master(series: SessionSeries, *, now: dt.datetime) -> Event:
    event = Event()
    event.add("uid", series_uid(series))
    event.add("dtstamp", now)
    event.add("sequence", series.sequence)
    event.add("summary", series.group.name)
    event.add("dtstart", series_local_dtstart(series).replace(tzinfo=series.local_zone))
    event.add("duration", dt.timedelta(minutes=series.duration_minutes))
    return event


def session_invite(*, enrollment: Enrollment, session: Session, method: str, now: dt.datetime | None = None) -> bytes:
    """One occurrence: RECURRENCE-ID = its original start, SEQUENCE = the session's.
    REQUEST for a moved or re-venued session, CANCEL for a cancelled one."""
    method = _check_method(method)
    now = now or dj_timezone.now()
    session = Session.objects.select_related(
        "series",
        "series__group",
        "series__group__organization",
        "series__group__venue",
        "series__venue",
        "venue",
        "group__venue",
    ).get(pk=session.pk)
    series = session.series
    cal = _calendar(name=series.group.name, method=method)
    event = Event()
    event.add("uid", series_uid(series))
    event.add("recurrence-id", _recurrence_id(series, session.original_start))
    member_view = method == METHOD_REQUEST and enrollment.status == Enrollment.Status.ACTIVE
    _fill_occurrence(event, session=session, series=series, now=now, member_view=member_view)
    if method == METHOD_CANCEL:
        event.pop("status", None)
        event.add("status", "CANCELLED")
    _stamp_parties(event, enrollment=enrollment, method=method)
    cal.add_component(event)
    _add_timezones(cal, now=now)
    return _to_ical(cal)
