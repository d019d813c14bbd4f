"""Quiet hours: no text between SMS_QUIET_HOURS_START and SMS_QUIET_HOURS_END
(21:00-08:00 by default) on the member's own clock.

A text that falls inside them is moved to the end of quiet hours when that is
still at least LEAD_BEFORE_START before the session; otherwise it goes out just
before quiet hours begin (20:59 the evening before). If that moment has already
passed, the reminder is skipped: a text at 03:00 would be worse than none.
Notices that a session was cancelled or moved are the exception when the morning
would be too late: they go at once.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings

LEAD_BEFORE_START = dt.timedelta(minutes=30)
JUST_BEFORE = dt.timedelta(minutes=1)


def quiet_window() -> tuple[int, int]:
    return (
        int(settings.SMS_QUIET_HOURS_START),
        int(settings.SMS_QUIET_HOURS_END),
    )


def _zone(tz_name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(tz_name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def in_quiet_hours(moment: dt.datetime, tz_name: str) -> bool:
    start, end = quiet_window()
    if start == end:
        return False
    hour = moment.astimezone(_zone(tz_name)).hour
    if start > end:  # wraps midnight, e.g. 21-8
        return hour >= start or hour < end
    return start <= hour < end


def _at_hour(day: dt.date, hour: int, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    # Wall-clock hour on that day; zoneinfo resolves a DST gap or fold (fold=0).
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=tz).astimezone(dt.UTC)


def quiet_end_after(moment: dt.datetime, tz_name: str) -> dt.datetime:
    """The end of the quiet period that contains `moment`."""
    _, end = quiet_window()
    tz = _zone(tz_name)
    local = moment.astimezone(tz)
    day = local.date() if local.hour < end else local.date() + dt.timedelta(days=1)
    return _at_hour(day, end, tz)


def quiet_start_before(moment: dt.datetime, tz_name: str) -> dt.datetime:
    """The start of the quiet period that contains `moment`."""
    start, _ = quiet_window()
    tz = _zone(tz_name)
    local = moment.astimezone(tz)
    day = local.date() if local.hour >= start else local.date() - dt.timedelta(days=1)
    return _at_hour(day, start, tz)


def sms_send_time(
    *, due: dt.datetime, tz_name: str, session_starts_at: dt.datetime | None, urgent: bool = False
) -> dt.datetime:
    """When a text due at `due` may go out: outside quiet hours, except an `urgent`
    one (a session cancelled or moved) whose session starts before they end — a
    late text is better than a wasted trip — which goes at `due`."""
    if not in_quiet_hours(due, tz_name):
        return due
    after = quiet_end_after(due, tz_name)
    if session_starts_at is None or after <= session_starts_at - LEAD_BEFORE_START:
        return after
    if urgent:
        return due
    return quiet_start_before(due, tz_name) - JUST_BEFORE
