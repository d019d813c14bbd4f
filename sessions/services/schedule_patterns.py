"""The schedules people actually use, as RRULEs: so an organizer never types one.

Patterns: weekly on a day; every other week; monthly on the Nth weekday ("the 2nd
Thursday", or the last); a cycle of N weeks that starts again (weekly sessions,
with the group's cycle start and length so pages say "week 4 of 13"); or a list of
dates (one single-session series per date, since a series is one RRULE and RDATE
lists are not supported).

Everything here only builds rules and previews them; the rules themselves are
checked by `sessions.services.schedule` (validate_rrule, series_create,
series_update), so a pattern can never store what the API would refuse.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field

from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_noop

from sessions.models import SessionSeries, SupportGroup, Venue
from sessions.services import groups as group_services
from sessions.services import schedule as schedule_services

WEEKLY = "weekly"
EVERY_OTHER_WEEK = "every_other_week"
MONTHLY = "monthly"
CYCLE = "cycle"
DATES = "dates"
PATTERNS = (WEEKLY, EVERY_OTHER_WEEK, MONTHLY, CYCLE, DATES)
CUSTOM = "custom"  # a rule written through the API that none of the patterns describes

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
ORDINALS = (1, 2, 3, 4, -1)
PREVIEW_COUNT = 8
MAX_DATES = 60
DEFAULT_CYCLE_WEEKS = 13

PATTERN_UNKNOWN = gettext_noop("Choose how often the group meets.")
WEEKDAY_REQUIRED = gettext_noop("Choose the day of the week.")
ORDINAL_REQUIRED = gettext_noop("Choose which week of the month (1st, 2nd, 3rd, 4th or last).")
CYCLE_WEEKS_INVALID = gettext_noop("A cycle lasts from 2 to 52 weeks.")
DATES_REQUIRED = gettext_noop("Give at least one date, one per line, like 2026-03-12.")
DATE_INVALID = gettext_noop("%(value)r is not a date; write it like 2026-03-12.")
TOO_MANY_DATES = gettext_noop("Give at most %(max)s dates at a time.")
FIRST_DATE_REQUIRED = gettext_noop("Give the date from which the group meets.")
TIME_REQUIRED = gettext_noop("Give the time the group starts.")
DATES_NOT_EDITABLE = gettext_noop(
    "A list of dates is edited one date at a time: end a date's series and add a new one."
)

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Pattern:
    """What the picker chose. `weekday` is MO..SU; `ordinal` 1..4 or -1 (last)."""

    kind: str
    start_time: dt.time | None
    first_date: dt.date | None = None
    weekday: str = ""
    ordinal: int | None = None
    cycle_weeks: int | None = None
    until: dt.date | None = None
    dates: tuple[dt.date, ...] = ()


@dataclass(frozen=True)
class PlannedSeries:
    rrule: str
    dtstart: dt.datetime  # naive local, already moved onto the rule's first date


@dataclass(frozen=True)
class SchedulePlan:
    timezone: str
    series: tuple[PlannedSeries, ...]
    cycle_start: dt.date | None = None
    cycle_weeks: int | None = None
    preview: tuple[dt.datetime, ...] = field(default=())  # aware, in `timezone`


def parse_dates(text: str) -> tuple[dt.date, ...]:
    """One date per line (or comma-separated), ISO format, sorted, duplicates dropped."""
    values = [chunk.strip() for chunk in re.split(r"[\s,;]+", text or "") if chunk.strip()]
    if not values:
        raise ValidationError({"dates": [DATES_REQUIRED]})
    if len(values) > MAX_DATES:
        raise ValidationError({"dates": [ValidationError(TOO_MANY_DATES, params={"max": MAX_DATES})]})
    dates = set()
    for value in values:
        try:
            if not _ISO_DATE.match(value):
                raise ValueError
            dates.add(dt.date.fromisoformat(value))
        except ValueError:
            raise ValidationError({"dates": [ValidationError(DATE_INVALID, params={"value": value})]}) from None
    return tuple(sorted(dates))


def pattern_rrule(pattern: Pattern) -> str:
    """The RRULE text for a recurring pattern (not for DATES)."""
    errors: dict[str, list[str]] = {}
    if pattern.kind not in (WEEKLY, EVERY_OTHER_WEEK, MONTHLY, CYCLE):
        raise ValidationError({"pattern": [PATTERN_UNKNOWN]})
    if pattern.weekday not in WEEKDAYS:
        errors["weekday"] = [WEEKDAY_REQUIRED]
    if pattern.kind == MONTHLY and pattern.ordinal not in ORDINALS:
        errors["ordinal"] = [ORDINAL_REQUIRED]
    if pattern.kind == CYCLE and not (pattern.cycle_weeks and 2 <= pattern.cycle_weeks <= 52):
        errors["cycle_weeks"] = [CYCLE_WEEKS_INVALID]
    if errors:
        raise ValidationError(errors)
    if pattern.kind == MONTHLY:
        parts = ["FREQ=MONTHLY", f"BYDAY={pattern.ordinal}{pattern.weekday}"]
    elif pattern.kind == EVERY_OTHER_WEEK:
        parts = ["FREQ=WEEKLY", "INTERVAL=2", f"BYDAY={pattern.weekday}"]
    else:
        parts = ["FREQ=WEEKLY", f"BYDAY={pattern.weekday}"]
    if pattern.until is not None:
        # A local date: validate_rrule turns it into the end of that day in the series' zone.
        parts.append(f"UNTIL={pattern.until:%Y%m%d}")
    return ";".join(parts)


def pattern_from_rrule(rrule: str) -> dict:
    """The picker's fields for a stored rule, or {"kind": CUSTOM} when no pattern fits."""
    parts = dict(chunk.split("=", 1) for chunk in rrule.split(";") if "=" in chunk)
    known = {"FREQ", "INTERVAL", "BYDAY", "UNTIL"}
    if set(parts) - known or "," in parts.get("BYDAY", ","):
        return {"kind": CUSTOM}
    byday = parts["BYDAY"]
    until = None
    if "UNTIL" in parts:
        until = dt.datetime.strptime(parts["UNTIL"][:8], "%Y%m%d").date()
    match = re.fullmatch(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)", byday)
    if not match:
        return {"kind": CUSTOM}
    ordinal, weekday = match.group(1), match.group(2)
    interval = parts.get("INTERVAL", "1")
    if parts["FREQ"] == "WEEKLY" and ordinal is None and interval in ("1", "2"):
        return {"kind": WEEKLY if interval == "1" else EVERY_OTHER_WEEK, "weekday": weekday, "until": until}
    if parts["FREQ"] == "MONTHLY" and ordinal is not None and interval == "1" and int(ordinal) in ORDINALS:
        return {"kind": MONTHLY, "weekday": weekday, "ordinal": int(ordinal), "until": until}
    return {"kind": CUSTOM}


def _preview(
    planned: tuple[PlannedSeries, ...], tz_name: str, count: int, *, now: dt.datetime | None
) -> tuple[dt.datetime, ...]:
    """The first `count` dates from `now` on: a series that began weeks ago (an edit of it)
    previews the dates still to come, not the ones it has already had."""
    zone = zoneinfo.ZoneInfo(tz_name)
    after = (now or dj_timezone.now()).astimezone(zone)
    starts: list[dt.datetime] = []
    for item in planned:
        rule = rrulestr(item.rrule, dtstart=item.dtstart.replace(tzinfo=zone))
        for occurrence in rule.xafter(after, count=count, inc=True):
            # Through UTC and back: the wall-clock time as it really happens (a non-existent
            # spring-forward time moves by the gap, as the stored sessions do).
            starts.append(schedule_services.local_to_utc(occurrence.replace(tzinfo=None), tz_name).astimezone(zone))
    return tuple(sorted(starts)[:count])


def schedule_plan(
    *, pattern: Pattern, timezone: str, count: int = PREVIEW_COUNT, now: dt.datetime | None = None
) -> SchedulePlan:
    """Validate a pattern into the series it would create, and its next `count` dates.

    Raises ValidationError keyed by the picker's fields (pattern, weekday, ordinal,
    cycle_weeks, first_date, start_time, dates); rule errors come from
    validate_rrule under "rrule", with its messages.
    """
    errors: dict[str, list[str | ValidationError]] = {}
    if pattern.kind not in PATTERNS:
        raise ValidationError({"pattern": [PATTERN_UNKNOWN]})
    if pattern.start_time is None:
        errors["start_time"] = [TIME_REQUIRED]
    if pattern.kind != DATES and pattern.first_date is None:
        errors["first_date"] = [FIRST_DATE_REQUIRED]
    if pattern.kind == DATES and not pattern.dates:
        errors["dates"] = [DATES_REQUIRED]
    rrule = ""
    if pattern.kind != DATES:
        try:
            rrule = pattern_rrule(pattern)
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)

    if pattern.kind == DATES:
        planned = []
        for day in pattern.dates:
            local = dt.datetime.combine(day, pattern.start_time)
            text, first = schedule_services.validate_rrule(rrule="FREQ=DAILY;COUNT=1", dtstart=local, timezone=timezone)
            planned.append(PlannedSeries(rrule=text, dtstart=first))
        planned_series = tuple(planned)
    else:
        local = dt.datetime.combine(pattern.first_date, pattern.start_time)
        text, first = schedule_services.validate_rrule(rrule=rrule, dtstart=local, timezone=timezone)
        planned_series = (PlannedSeries(rrule=text, dtstart=first),)
    cycle_start = planned_series[0].dtstart.date() if pattern.kind == CYCLE else None
    return SchedulePlan(
        timezone=timezone,
        series=planned_series,
        cycle_start=cycle_start,
        cycle_weeks=pattern.cycle_weeks if pattern.kind == CYCLE else None,
        preview=_preview(planned_series, timezone, count, now=now),
    )


def series_preview(
    series: SessionSeries, *, count: int = PREVIEW_COUNT, now: dt.datetime | None = None
) -> tuple[dt.datetime, ...]:
    """The next dates of a stored series' rule from `now`, local (for the schedule page)."""
    planned = (PlannedSeries(rrule=series.rrule, dtstart=schedule_services.series_local_dtstart(series)),)
    return _preview(planned, series.timezone, count, now=now)


@transaction.atomic
def schedule_create(
    *,
    group: SupportGroup,
    plan: SchedulePlan,
    duration_minutes: int,
    venue: Venue | None,
    actor,
    now: dt.datetime | None = None,
) -> list[SessionSeries]:
    """Create the plan's series (and, for a cycle, set the group's cycle), all or nothing."""
    created = [
        schedule_services.series_create(
            group=group,
            rrule=item.rrule,
            dtstart=item.dtstart,
            timezone=plan.timezone,
            duration_minutes=duration_minutes,
            venue=venue,
            actor=actor,
            now=now,
        )
        for item in plan.series
    ]
    if plan.cycle_start is not None:
        group_services.group_update(
            group=group,
            actor=actor,
            now=now,
            enrollment_mode=SupportGroup.EnrollmentMode.COHORT,
            cycle_start=plan.cycle_start,
            cycle_weeks=plan.cycle_weeks or DEFAULT_CYCLE_WEEKS,
        )
    return created


def series_change_from_pattern(
    *,
    series: SessionSeries,
    plan: SchedulePlan,
    duration_minutes: int,
    venue: Venue | None,
    actor,
    now: dt.datetime | None = None,
) -> SessionSeries:
    """Edit a series to a new recurring pattern (the API's series_update does the work)."""
    if len(plan.series) != 1:
        raise ValidationError({"pattern": [DATES_NOT_EDITABLE]})
    item = plan.series[0]
    return schedule_services.series_update(
        series=series,
        actor=actor,
        now=now,
        rrule=item.rrule,
        dtstart=item.dtstart,
        timezone=plan.timezone,
        duration_minutes=duration_minutes,
        venue=venue,
    )
