"""What a session or series change will tell members: for the facilitator who made it.

`session_change_notices` and `series_change_notices` answer "who will be notified,
how, and when" from the same schedules the planner uses to write the outbox
(planner.session_notice_schedule, series_change_notice_schedule,
series_end_notice_schedule), so the preview cannot promise what the dispatcher will
not do.

`sessions` never imports this module: its API and pages reach it through the
SESSION_CHANGE_NOTICES and SERIES_CHANGE_NOTICES settings (sessions/hooks.py loads
them with import_string).
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone as dj_timezone

from notifications.models import Channel, Kind, OutboxMessage, SessionWatch
from notifications.planner import (
    PlannedNotice,
    series_change_notice_schedule,
    series_end_notice_schedule,
    session_change_kind,
    session_notice_schedule,
)
from sessions.models import Enrollment, Session, SessionSeries

# `when` of a notice.
AT_ONCE = "at_once"
AFTER_QUIET_HOURS = "after_quiet_hours"
BEFORE_SESSION = "before_session"  # a far-off cancellation is texted closer to the day

CHANNEL_WORDS = {Channel.SMS: "text", Channel.EMAIL: "email"}


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _describe(first_name: str, channel: str, when: str, local: dt.datetime, today: dt.date) -> str:
    how = CHANNEL_WORDS.get(channel, channel)
    if when == AT_ONCE:
        return f"{first_name}: {how}, now"
    day = "" if local.date() == today else f" on {local:%a %d %b}"
    clock = f"{local:%H:%M}{day} their time"
    if when == AFTER_QUIET_HOURS:
        return f"{first_name}: {how} after quiet hours, at {clock}"
    return f"{first_name}: {how} at {clock}, closer to the session"


def session_change_notices(*, session: Session, now: dt.datetime | None = None) -> dict:
    """The notices the next dispatcher run will send about `session`'s last change.

    Returns {"kind": "session_cancelled" | "session_changed" | None,
             "notices": [{first_name, channel ("sms"/"email"), when ("at_once",
                          "after_quiet_hours", "before_session"), send_at (ISO, member's
                          zone), local_time ("HH:MM"), timezone, summary}],
             "not_notified": [first names of active members with no channel to reach]}.
    A change members need not hear about (a note, or undoing a change before it
    was sent) gives kind None and no notices.
    """
    now = now or dj_timezone.now()
    session = Session.objects.select_related("group", "series").get(pk=session.pk)
    result: dict = {"kind": None, "notices": [], "not_notified": []}
    if session.starts_at <= now or not session.modified:
        return result
    watch = SessionWatch.objects.filter(session=session).first()
    if watch is not None and watch.sequence == session.sequence:
        return result  # already planned: what it said was shown then
    change = session_change_kind(session, watch)
    if change is None:
        return result
    kind = change[0]
    if kind == Kind.SESSION_CANCELLED and not session.series.active:
        return result  # the series' ending has its own notice
    planned = session_notice_schedule(session=session, kind=kind, now=now)
    return _answer(kind=kind, planned=planned, group_id=session.group_id, now=now)


def series_change_notices(*, series: SessionSeries, now: dt.datetime | None = None) -> dict:
    """The notices the next dispatcher run will send about `series`' last edit or its end.

    The same answer as session_change_notices, with kind "series_changed" or
    "series_ended". A series never edited, or whose last change is already planned,
    gives kind None and no notices.
    """
    now = now or dj_timezone.now()
    series = SessionSeries.objects.get(pk=series.pk)
    kind = Kind.SERIES_CHANGED if series.active else Kind.SERIES_ENDED
    already = OutboxMessage.objects.filter(series=series, kind=kind, sequence=series.sequence).exists()
    if series.sequence == 0 or already:
        return {"kind": None, "notices": [], "not_notified": []}
    schedule = series_change_notice_schedule if series.active else series_end_notice_schedule
    planned = schedule(series=series, now=now)
    return _answer(kind=kind, planned=planned, group_id=series.group_id, now=now)


def _answer(*, kind: str, planned: list[PlannedNotice], group_id: int, now: dt.datetime) -> dict:
    result: dict = {"kind": str(kind), "notices": [], "not_notified": []}
    for notice in planned:
        member = notice.enrollment.member
        zone = _zone(member.timezone)
        local = notice.due_at.astimezone(zone)
        if notice.due_at <= now:
            when = AT_ONCE
        elif notice.due_at != notice.wanted_at:
            when = AFTER_QUIET_HOURS
        else:
            when = BEFORE_SESSION
        result["notices"].append(
            {
                "first_name": member.display_name,
                "channel": str(notice.channel),
                "when": when,
                "send_at": local.isoformat(),
                "local_time": f"{local:%H:%M}",
                "timezone": zone.key,
                "summary": _describe(member.display_name, notice.channel, when, local, now.astimezone(zone).date()),
            }
        )
    reached = {notice.enrollment.id for notice in planned}
    result["not_notified"] = list(
        Enrollment.objects.filter(group_id=group_id, status=Enrollment.Status.ACTIVE)
        .exclude(id__in=reached)
        .order_by("member__display_name", "id")
        .values_list("member__display_name", flat=True)
    )
    return result
