"""Series and session writes: RRULE validation, materialization, one-off changes.

Wall-clock rule (RFC 5545 §3.3.5), applied everywhere a local time becomes UTC:
- a local time that does not exist (02:30 on a spring-forward day) is read with
  the UTC offset *before* the gap, so it lands one gap later (03:30 daylight time);
- a local time that exists twice (01:30 on a fall-back day) is the *first* one
  (still daylight time).
Both are exactly what `zoneinfo` does with `fold=0` (PEP 495), and what a
calendar client computes from our DTSTART;TZID + RRULE, so the sessions we store
and the occurrences a subscriber's calendar expands are the same instants.

`SessionSeries.dtstart` holds the local wall-clock time of the first session. The
column is a timestamp, so the wall-clock value is stored *as if* it were UTC
(19:00 local is stored as 19:00+00:00); `series_local_dtstart()` reads it back.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterable, Sequence

from dateutil.rrule import rrule as RRule
from dateutil.rrule import rrulestr
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_noop

from sessions.models import Session, SessionSeries, SupportGroup, Venue
from sessions.services.audit import audit_record
from sessions.validators import INVALID_TIMEZONE, validate_timezone

UTC = dt.UTC

# --- Error messages (tests assert on these) ---------------------------------------
RRULE_EMPTY = "Give a recurrence rule, for example FREQ=WEEKLY;BYDAY=TU."
RRULE_MALFORMED = "The rule must be NAME=VALUE parts separated by semicolons, e.g. FREQ=WEEKLY;BYDAY=TU."
RRULE_DUPLICATE_PART = "The rule gives {part} more than once."
RRULE_DTSTART_PART = "Put the first session's date and time in dtstart, not inside the rule."
RRULE_TIME_PARTS = "BYHOUR, BYMINUTE and BYSECOND are not allowed: the time of day comes from dtstart."
RRULE_UNSUPPORTED_PART = (
    "{part} is not supported; use FREQ, INTERVAL, COUNT, UNTIL, BYDAY, BYMONTHDAY, BYMONTH and WKST."
)
RRULE_FREQ_REQUIRED = "The rule needs FREQ (DAILY, WEEKLY, MONTHLY or YEARLY)."
RRULE_FREQ_INVALID = "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."
RRULE_COUNT_AND_UNTIL = "Use COUNT or UNTIL, not both (RFC 5545)."
RRULE_COUNT_INVALID = "COUNT must be a whole number from 1 to {max}."
RRULE_INTERVAL_INVALID = "INTERVAL must be a whole number from 1 to {max}."
RRULE_BYDAY_INVALID = "BYDAY must list days such as TU, 2TH or -1FR."
RRULE_BYDAY_ORDINAL_FREQ = "Numbered days such as 2TH need FREQ=MONTHLY or FREQ=YEARLY."
RRULE_BYDAY_ORDINAL_RANGE = "Day numbers must be from 1 to {max} or -1 to -{max} (0 is not a position)."
RRULE_BYMONTHDAY_INVALID = "BYMONTHDAY must list days from 1 to 31 or -1 to -31."
RRULE_BYMONTHDAY_WEEKLY = "BYMONTHDAY cannot be used with FREQ=WEEKLY (RFC 5545)."
RRULE_BYMONTH_INVALID = "BYMONTH must list months from 1 to 12."
RRULE_WKST_INVALID = "WKST must be a day such as MO or SU."
RRULE_UNTIL_INVALID = "UNTIL must be a date (20260630) or a date-time (20260630T235959Z)."
RRULE_IMPOSSIBLE = gettext_noop("This rule never produces a session (no such day in those months).")
RRULE_NO_OCCURRENCES = gettext_noop("This rule produces no sessions: check UNTIL, COUNT and dtstart.")
RRULE_NONE_IN_FIRST_YEAR = gettext_noop("This rule's first session would be more than a year after dtstart.")
RRULE_TOO_MANY = gettext_noop("This rule produces %(count)s sessions in its first year; the limit is %(max)s.")
RRULE_INVALID = "This is not a valid recurrence rule: {error}"
DTSTART_REQUIRED = gettext_noop("Give the local date and time of the first session.")
DTSTART_HAS_OFFSET = (
    "dtstart is a local date-time in the series' time zone: leave out the offset, e.g. 2026-01-06T19:00."
)
DTSTART_OUT_OF_RANGE = gettext_noop("dtstart must be between the years 2000 and 2100.")
DURATION_INVALID = gettext_noop("Duration must be a whole number of minutes from 5 to 1440.")
VENUE_OTHER_ORGANIZATION = gettext_noop("This venue belongs to another organization.")
SERIES_FIELD_UNKNOWN = "{field} cannot be changed here."
SERIES_INACTIVE = gettext_noop("This series has ended and cannot be changed.")
SESSION_IN_PAST = gettext_noop("Sessions that have started or finished cannot be changed.")
SESSION_MOVE_TO_PAST = gettext_noop("A session cannot be moved into the past.")
SESSION_MOVE_TOO_FAR = gettext_noop(
    "A session can move at most a year from its planned date; start a new series instead."
)
SESSION_END_BEFORE_START = gettext_noop("The session must end after it starts.")
SESSION_TOO_LONG = gettext_noop("A session cannot last longer than 24 hours.")
SESSION_NAIVE_TIME = "Give the time with its UTC offset, e.g. 2026-03-10T19:00:00-05:00."
SESSION_STATUS_INVALID = "Status must be scheduled or cancelled."
SESSION_CANCEL_NEEDS_REASON = gettext_noop("Give a reason in note when cancelling a session; members will see it.")
SERIES_ENDED_NOTE = "This meeting series has ended."

# --- Limits (documented in docs/schedule.md) --------------------------------------
ALLOWED_FREQS = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")
ALLOWED_PARTS = ("FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "WKST")
PART_ORDER = {
    name: index
    for index, name in enumerate(("FREQ", "INTERVAL", "BYMONTH", "BYMONTHDAY", "BYDAY", "WKST", "COUNT", "UNTIL"))
}
MAX_COUNT = 1000
DTSTART_MIN_YEAR, DTSTART_MAX_YEAR = 2000, 2100
MAX_MOVE = dt.timedelta(days=366)
MAX_INTERVAL = 99
# When a series is first saved with a dtstart far in the past, history is created
# no further back than this many days (the periodic job never goes back at all).
DEFAULT_HISTORY_DAYS = 180

_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
_BYDAY_RE = re.compile(r"^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$")
_INT_RE = re.compile(r"^[+-]?\d{1,4}$")
# The largest day number each month can have (February in a leap year).
_MONTH_DAYS = {m: (29 if m == 2 else calendar.monthrange(2001, m)[1]) for m in range(1, 13)}
_UNSET = object()


def max_sessions_per_year() -> int:
    return settings.SESSION_MAX_PER_YEAR


def horizon_days() -> int:
    return settings.SESSION_HORIZON_DAYS


# --- Wall-clock helpers --------------------------------------------------------------


def local_to_utc(local: dt.datetime, tz_name: str) -> dt.datetime:
    """A naive wall-clock time in `tz_name` as a UTC instant, by the RFC 5545 rule above."""
    return local.replace(tzinfo=zoneinfo.ZoneInfo(tz_name), fold=0).astimezone(UTC)


def series_local_dtstart(series: SessionSeries) -> dt.datetime:
    """The naive wall-clock start of the first session (see the module docstring)."""
    value = series.dtstart
    if dj_timezone.is_aware(value):
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _store_local(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=UTC)


def series_rule(series: SessionSeries) -> RRule:
    """The dateutil rule with a zone-aware DTSTART, as a calendar client builds it."""
    start = series_local_dtstart(series).replace(tzinfo=series.local_zone)
    return rrulestr(series.rrule, dtstart=start)


def series_occurrences(series: SessionSeries, *, after: dt.datetime, before: dt.datetime) -> list[dt.datetime]:
    """UTC starts of the rule's occurrences with after <= start <= before (aware bounds)."""
    # Bounds in UTC (a different tzinfo than the occurrences) make Python compare real
    # instants, not wall-clock readings, so the fall-back hour is ordered correctly.
    rule = series_rule(series)
    return [occ.astimezone(UTC) for occ in rule.between(after.astimezone(UTC), before.astimezone(UTC), inc=True)]


# --- RRULE validation ----------------------------------------------------------------


def _rrule_error(message: str, params: dict | None = None) -> ValidationError:
    return ValidationError({"rrule": [ValidationError(message, params=params, code="invalid_rrule")]})


def _parse_int_list(value: str, *, low: int, high: int, message: str, allow_negative: bool) -> list[int]:
    result = []
    for item in value.split(","):
        if not _INT_RE.match(item):
            raise _rrule_error(message)
        number = int(item)
        if number == 0 or abs(number) < low or abs(number) > high or (number < 0 and not allow_negative):
            raise _rrule_error(message)
        result.append(number)
    return result


def _normalize_until(value: str, *, tz_name: str) -> str:
    """UNTIL as a UTC date-time: RFC 5545 requires UTC when DTSTART has a TZID.

    A bare date means "through the end of that local day"; a local date-time is
    read in the series' zone by the wall-clock rule.
    """
    try:
        if re.fullmatch(r"\d{8}", value):
            day = dt.datetime.strptime(value, "%Y%m%d")
            utc = local_to_utc(day.replace(hour=23, minute=59, second=59), tz_name)
        elif re.fullmatch(r"\d{8}T\d{6}Z", value):
            utc = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        elif re.fullmatch(r"\d{8}T\d{6}", value):
            utc = local_to_utc(dt.datetime.strptime(value, "%Y%m%dT%H%M%S"), tz_name)
        else:
            raise _rrule_error(RRULE_UNTIL_INVALID)
    except (ValueError, OverflowError):
        raise _rrule_error(RRULE_UNTIL_INVALID) from None
    return utc.strftime("%Y%m%dT%H%M%SZ")


def _rrule_text(rrule: str) -> str:
    """The rule's text, upper-cased, without an "RRULE:" prefix; refused when empty or
    when it carries a DTSTART or more than one line (the start comes from dtstart)."""
    text = (rrule or "").strip().upper()
    if text.startswith("RRULE:"):
        text = text[len("RRULE:") :]
    if not text:
        raise _rrule_error(RRULE_EMPTY)
    if "DTSTART" in text:
        raise _rrule_error(RRULE_DTSTART_PART)
    if any(ch in text for ch in "\r\n"):
        raise _rrule_error(RRULE_MALFORMED)
    return text


def _rrule_parts(text: str) -> dict[str, str]:
    """NAME=VALUE parts, each named once and each one we support."""
    parts: dict[str, str] = {}
    for chunk in text.strip(";").split(";"):
        name, sep, value = chunk.partition("=")
        name, value = name.strip(), value.strip()
        if not sep or not name or not value:
            raise _rrule_error(RRULE_MALFORMED)
        if name in parts:
            raise _rrule_error(RRULE_DUPLICATE_PART.format(part=name))
        if name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
            raise _rrule_error(RRULE_TIME_PARTS)
        if name not in ALLOWED_PARTS:
            raise _rrule_error(RRULE_UNSUPPORTED_PART.format(part=name))
        parts[name] = value
    return parts


def _check_freq_and_end(parts: dict[str, str]) -> None:
    freq = parts.get("FREQ")
    if not freq:
        raise _rrule_error(RRULE_FREQ_REQUIRED)
    if freq not in ALLOWED_FREQS:
        raise _rrule_error(RRULE_FREQ_INVALID)
    if "COUNT" in parts and "UNTIL" in parts:
        raise _rrule_error(RRULE_COUNT_AND_UNTIL)


# Each validator takes a part's value, the other parts and the series' zone, and gives
# the value to store.


def _one_whole_number(value: str, *, high: int, message: str) -> str:
    """COUNT and INTERVAL take one number from 1 to `high`; RFC 5545 allows no list there."""
    values = _parse_int_list(value, low=1, high=high, message=message, allow_negative=False)
    if len(values) != 1:
        raise _rrule_error(message)
    return str(values[0])


def _valid_count(value: str, parts: dict[str, str], tz_name: str) -> str:
    return _one_whole_number(value, high=MAX_COUNT, message=RRULE_COUNT_INVALID.format(max=MAX_COUNT))


def _valid_interval(value: str, parts: dict[str, str], tz_name: str) -> str:
    return _one_whole_number(value, high=MAX_INTERVAL, message=RRULE_INTERVAL_INVALID.format(max=MAX_INTERVAL))


def _valid_wkst(value: str, parts: dict[str, str], tz_name: str) -> str:
    if value not in _DAYS:
        raise _rrule_error(RRULE_WKST_INVALID)
    return value


def _rule_months(parts: dict[str, str]) -> list[int]:
    if "BYMONTH" not in parts:
        return list(range(1, 13))
    return _parse_int_list(parts["BYMONTH"], low=1, high=12, message=RRULE_BYMONTH_INVALID, allow_negative=False)


def _valid_bymonth(value: str, parts: dict[str, str], tz_name: str) -> str:
    _rule_months(parts)
    return value


def _byday_max_ordinal(parts: dict[str, str]) -> int:
    # In a YEARLY rule without BYMONTH, "20MO" counts Mondays of the year (up to 53);
    # otherwise the number counts within a month (up to 5).
    return 53 if parts["FREQ"] == "YEARLY" and "BYMONTH" not in parts else 5


def _valid_byday(value: str, parts: dict[str, str], tz_name: str) -> str:
    max_ordinal = _byday_max_ordinal(parts)
    for item in value.split(","):
        match = _BYDAY_RE.match(item)
        if not match:
            raise _rrule_error(RRULE_BYDAY_INVALID)
        if match.group(1) is None:
            continue
        if parts["FREQ"] not in ("MONTHLY", "YEARLY"):
            raise _rrule_error(RRULE_BYDAY_ORDINAL_FREQ)
        ordinal = int(match.group(1))
        if ordinal == 0 or abs(ordinal) > max_ordinal:
            raise _rrule_error(RRULE_BYDAY_ORDINAL_RANGE.format(max=max_ordinal))
    return value


def _valid_bymonthday(value: str, parts: dict[str, str], tz_name: str) -> str:
    if parts["FREQ"] == "WEEKLY":
        raise _rrule_error(RRULE_BYMONTHDAY_WEEKLY)
    monthdays = _parse_int_list(value, low=1, high=31, message=RRULE_BYMONTHDAY_INVALID, allow_negative=True)
    # dateutil would search until the year 9999 for "February 30th"; refuse it up front.
    if not any(abs(day) <= _MONTH_DAYS[month] for month in _rule_months(parts) for day in monthdays):
        raise _rrule_error(RRULE_IMPOSSIBLE)
    return value


def _valid_until(value: str, parts: dict[str, str], tz_name: str) -> str:
    return _normalize_until(value, tz_name=tz_name)


# In this order: when a rule has several bad parts, the first one here is reported.
_PART_VALIDATORS: dict[str, Callable[[str, dict[str, str], str], str]] = {
    "COUNT": _valid_count,
    "INTERVAL": _valid_interval,
    "WKST": _valid_wkst,
    "BYMONTH": _valid_bymonth,
    "BYDAY": _valid_byday,
    "BYMONTHDAY": _valid_bymonthday,
    "UNTIL": _valid_until,
}


def _canonical_rrule(parts: dict[str, str]) -> str:
    return ";".join(f"{name}={parts[name]}" for name in sorted(parts, key=PART_ORDER.__getitem__))


def _first_session(canonical: str, *, dtstart: dt.datetime, timezone: str) -> dt.datetime:
    """The rule's first local start on or after dtstart, refused when there is none or it
    is more than a year away, or when the rule's first year holds more sessions than the cap."""
    start = dtstart.replace(tzinfo=zoneinfo.ZoneInfo(timezone))
    try:
        rule = rrulestr(canonical, dtstart=start)
        first = next(iter(rule), None)
    except (ValueError, TypeError, OverflowError) as exc:
        raise _rrule_error(RRULE_INVALID.format(error=exc)) from None
    if first is None:
        raise _rrule_error(RRULE_NO_OCCURRENCES)
    first_local = first.replace(tzinfo=None)
    # The first session must come within a year of the date asked for.
    if local_to_utc(first_local, timezone) - local_to_utc(dtstart, timezone) >= dt.timedelta(days=365):
        raise _rrule_error(RRULE_NONE_IN_FIRST_YEAR)
    # The first year is the 365 days from the first session, end excluded.
    year_end = local_to_utc(first_local, timezone) + dt.timedelta(days=365, seconds=-1)
    in_first_year = len(rule.between(first.astimezone(UTC), year_end, inc=True))
    if in_first_year > max_sessions_per_year():
        raise _rrule_error(RRULE_TOO_MANY, params={"count": in_first_year, "max": max_sessions_per_year()})
    return first_local


def validate_rrule(*, rrule: str, dtstart: dt.datetime, timezone: str) -> tuple[str, dt.datetime]:
    """Validate a rule against a naive local dtstart: (canonical text, first session).

    A dtstart that is not itself one of the rule's dates ("from January 1st, every
    Tuesday") moves to the rule's first date on or after it, and that is what we
    store: RFC 5545 leaves the recurrence set undefined when DTSTART is not an
    occurrence, and calendar clients disagree about it.

    Raises ValidationError keyed by "rrule". The timezone must already be valid.
    """
    parts = _rrule_parts(_rrule_text(rrule))
    _check_freq_and_end(parts)
    for name, valid_value in _PART_VALIDATORS.items():
        if name in parts:
            parts[name] = valid_value(parts[name], parts, timezone)
    canonical = _canonical_rrule(parts)
    return canonical, _first_session(canonical, dtstart=dtstart, timezone=timezone)


def normalize_rrule(*, rrule: str, dtstart: dt.datetime, timezone: str) -> str:
    """The canonical text of a valid rule (see `validate_rrule`)."""
    return validate_rrule(rrule=rrule, dtstart=dtstart, timezone=timezone)[0]


def _clean_dtstart(value) -> dt.datetime:
    if value is None:
        raise ValidationError({"dtstart": [ValidationError(DTSTART_REQUIRED, code="required")]})
    if not isinstance(value, dt.datetime):
        raise ValidationError({"dtstart": [ValidationError(DTSTART_REQUIRED, code="invalid")]})
    if dj_timezone.is_aware(value):
        raise ValidationError({"dtstart": [ValidationError(DTSTART_HAS_OFFSET, code="has_offset")]})
    if not DTSTART_MIN_YEAR <= value.year <= DTSTART_MAX_YEAR:
        raise ValidationError({"dtstart": [ValidationError(DTSTART_OUT_OF_RANGE, code="out_of_range")]})
    return value.replace(microsecond=0)


def _clean_timezone(value: str) -> str:
    try:
        validate_timezone(value)
    except ValidationError:
        raise ValidationError({"timezone": [ValidationError(INVALID_TIMEZONE, params={"value": value})]}) from None
    return value


def _clean_duration(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 5 <= value <= 1440:
        raise ValidationError({"duration_minutes": [ValidationError(DURATION_INVALID, code="invalid_duration")]})
    return value


def _clean_venue(venue: Venue | None, *, group: SupportGroup) -> Venue | None:
    if venue is not None and venue.organization_id != group.organization_id:
        raise ValidationError({"venue": [ValidationError(VENUE_OTHER_ORGANIZATION, code="other_organization")]})
    return venue


# --- Series ---------------------------------------------------------------------------


def _clean_series_fields(
    *,
    group: SupportGroup,
    rrule: str,
    dtstart: dt.datetime,
    timezone: str,
    duration_minutes: int,
    venue: Venue | None,
) -> dict:
    """The series fields validated together, every bad field named in one 400, then the RRULE
    (which needs a valid start and zone) canonicalized."""
    errors: dict[str, list] = {}
    cleaned: dict = {}
    for name, clean in (
        ("dtstart", lambda: _clean_dtstart(dtstart)),
        ("timezone", lambda: _clean_timezone(timezone)),
        ("duration_minutes", lambda: _clean_duration(duration_minutes)),
        ("venue", lambda: _clean_venue(venue, group=group)),
    ):
        try:
            cleaned[name] = clean()
        except ValidationError as exc:
            errors.update(exc.error_dict)
    if errors:
        raise ValidationError(errors)
    cleaned["rrule"], cleaned["dtstart"] = validate_rrule(
        rrule=rrule, dtstart=cleaned["dtstart"], timezone=cleaned["timezone"]
    )
    return cleaned


@transaction.atomic
def series_create(
    *,
    group: SupportGroup,
    rrule: str,
    dtstart: dt.datetime,
    timezone: str,
    duration_minutes: int,
    venue: Venue | None = None,
    actor=None,
    now: dt.datetime | None = None,
) -> SessionSeries:
    """Create a series and materialize its sessions up to the horizon."""
    now = now or dj_timezone.now()
    cleaned = _clean_series_fields(
        group=group, rrule=rrule, dtstart=dtstart, timezone=timezone, duration_minutes=duration_minutes, venue=venue
    )
    canonical = cleaned["rrule"]
    series = SessionSeries(
        group=group,
        rrule=canonical,
        dtstart=_store_local(cleaned["dtstart"]),
        timezone=cleaned["timezone"],
        duration_minutes=cleaned["duration_minutes"],
        venue=cleaned["venue"],
    )
    series.full_clean()
    series.save()
    since = max(local_to_utc(cleaned["dtstart"], series.timezone), now - dt.timedelta(days=DEFAULT_HISTORY_DAYS))
    _materialize(series_list=[series], since={series.pk: since}, until=now + dt.timedelta(days=horizon_days()))
    audit_record(group=group, actor=actor, action="series.create", target=series, details={"rrule": canonical})
    return series


_SERIES_FIELDS = ("rrule", "dtstart", "timezone", "duration_minutes", "venue")


@transaction.atomic
def series_update(*, series: SessionSeries, actor=None, now: dt.datetime | None = None, **fields) -> SessionSeries:
    """Change a series; its future, unmodified sessions follow, past and changed ones stay.

    Future sessions whose occurrence still exists keep their row (and RSVPs) and are
    moved in place with a higher sequence; the rest are deleted; new ones are added.
    """
    now = now or dj_timezone.now()
    unknown = [name for name in fields if name not in _SERIES_FIELDS]
    if unknown:
        raise ValidationError({name: [SERIES_FIELD_UNKNOWN.format(field=name)] for name in unknown})
    series = SessionSeries.objects.select_for_update().select_related("group").get(pk=series.pk)
    if not series.active:
        raise ValidationError({"series": [SERIES_INACTIVE]})
    group = series.group
    current = {
        "rrule": series.rrule,
        "dtstart": series_local_dtstart(series),
        "timezone": series.timezone,
        "duration_minutes": series.duration_minutes,
        "venue": series.venue,
    }
    cleaned = _clean_series_fields(group=group, **{**current, **fields})
    changed = [name for name in _SERIES_FIELDS if cleaned[name] != current[name]]
    if not changed:
        return series

    series.rrule = cleaned["rrule"]
    series.dtstart = _store_local(cleaned["dtstart"])
    series.timezone = cleaned["timezone"]
    series.duration_minutes = cleaned["duration_minutes"]
    series.venue = cleaned["venue"]
    series.sequence += 1
    until = now + dt.timedelta(days=horizon_days())
    series.materialized_until = until
    series.full_clean()
    series.save()

    new_starts = set(series_occurrences(series, after=now, before=until))
    duration = dt.timedelta(minutes=series.duration_minutes)
    # Only sessions still ahead and untouched by a facilitator follow the series.
    future = Session.objects.select_for_update().filter(series=series, modified=False, starts_at__gt=now)
    stale_ids, moved = [], []
    for session in future:
        if session.original_start not in new_starts:
            stale_ids.append(session.pk)
            continue
        new_end = session.original_start + duration
        if (session.starts_at, session.ends_at, session.venue_id) != (
            session.original_start,
            new_end,
            series.venue_id,
        ):
            session.starts_at, session.ends_at, session.venue = session.original_start, new_end, series.venue
            session.sequence += 1
            session.updated_at = dj_timezone.now()  # what auto_now would stamp; bulk_update does not
            moved.append(session)
    # Months of sessions follow in one UPDATE, not one per session.
    Session.objects.bulk_update(moved, ["starts_at", "ends_at", "venue", "sequence", "updated_at"])
    Session.objects.filter(pk__in=stale_ids).delete()
    _materialize(series_list=[series], since={series.pk: now}, until=until)
    audit_record(
        group=group,
        actor=actor,
        action="series.update",
        target=series,
        details={"changed": changed, "rrule": series.rrule, "removed_sessions": len(stale_ids)},
    )
    return series


@transaction.atomic
def series_end(*, series: SessionSeries, actor=None, now: dt.datetime | None = None) -> int:
    """End a series: it stops producing sessions and its future sessions are cancelled.

    Past sessions (and their attendance) stay. Returns the number of sessions cancelled.
    Cancelling (not deleting) lets members' calendars and the notifications app see it.
    """
    now = now or dj_timezone.now()
    series = SessionSeries.objects.select_for_update().select_related("group").get(pk=series.pk)
    if not series.active:
        return 0
    series.active = False
    series.sequence += 1
    series.save(update_fields=["active", "sequence", "updated_at"])
    future = Session.objects.filter(series=series, starts_at__gt=now, status=Session.Status.SCHEDULED)
    cancelled = future.filter(note="").update(
        status=Session.Status.CANCELLED,
        note=SERIES_ENDED_NOTE,
        sequence=F("sequence") + 1,
        modified=True,
        updated_at=now,
    )
    cancelled += future.update(
        status=Session.Status.CANCELLED, sequence=F("sequence") + 1, modified=True, updated_at=now
    )
    audit_record(group=series.group, actor=actor, action="series.end", target=series, details={"cancelled": cancelled})
    return cancelled


# --- Materialization ------------------------------------------------------------------


def materialize_series(
    *, series: SessionSeries, now: dt.datetime | None = None, horizon_days: int | None = None
) -> int:
    """Create the series' missing sessions up to now + horizon. Idempotent and safe to
    run concurrently (the unique occurrence constraint decides). Returns sessions created."""
    now = now or dj_timezone.now()
    until = now + dt.timedelta(days=horizon_days if horizon_days is not None else _horizon())
    with transaction.atomic():
        # The row lock orders us after a concurrent series_update, so we never
        # insert occurrences of a rule that has just been replaced.
        series = SessionSeries.objects.select_for_update().get(pk=series.pk)
        if not series.active:
            return 0
        return _materialize(series_list=[series], since={series.pk: _since(series, now)}, until=until)


def materialize_all(*, now: dt.datetime | None = None, horizon_days: int | None = None, chunk_size: int = 500) -> int:
    """The periodic job: extend every active series to now + horizon. Idempotent.

    Works in chunks of series, each in its own transaction with the rows locked
    (SKIP LOCKED, so concurrent runs share the work and never wait on a series
    that is being edited — the edit materializes it itself).
    """
    now = now or dj_timezone.now()
    until = now + dt.timedelta(days=horizon_days if horizon_days is not None else _horizon())
    pending = SessionSeries.objects.filter(active=True).filter(
        Q(materialized_until__isnull=True) | Q(materialized_until__lt=until)
    )
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    created = 0
    for offset in range(0, len(ids), chunk_size):
        chunk = ids[offset : offset + chunk_size]
        with transaction.atomic():
            locked = list(
                SessionSeries.objects.select_for_update(skip_locked=True)
                .filter(pk__in=chunk, active=True)
                .filter(Q(materialized_until__isnull=True) | Q(materialized_until__lt=until))
            )
            if locked:
                since = {series.pk: _since(series, now) for series in locked}
                created += _materialize(series_list=locked, since=since, until=until)
    return created


def _horizon() -> int:
    return horizon_days()


def _since(series: SessionSeries, now: dt.datetime) -> dt.datetime:
    first = local_to_utc(series_local_dtstart(series), series.timezone)
    if series.materialized_until is not None:
        return max(first, series.materialized_until)
    return max(first, now - dt.timedelta(days=DEFAULT_HISTORY_DAYS))


def session_rows(series: SessionSeries, *, since: dt.datetime, until: dt.datetime) -> list[tuple]:
    """(starts_at, ends_at) rows of a series' occurrences in [since, until], UTC."""
    duration = dt.timedelta(minutes=series.duration_minutes)
    return [(start, start + duration) for start in series_occurrences(series, after=since, before=until)]


_INSERT_BATCH = 1000


def _materialize(*, series_list: Sequence[SessionSeries], since: dict[int, dt.datetime], until: dt.datetime) -> int:
    rows = []
    for series in series_list:
        for start, end in session_rows(series, since=since[series.pk], until=until):
            rows.append((series.pk, series.group_id, start, end, series.venue_id))
    created = _insert_sessions(rows)
    ids = [series.pk for series in series_list]
    for series in series_list:
        if series.materialized_until is None or series.materialized_until < until:
            series.materialized_until = until
    SessionSeries.objects.filter(pk__in=ids).filter(
        Q(materialized_until__isnull=True) | Q(materialized_until__lt=until)
    ).update(materialized_until=until)
    return created


def _insert_sessions(rows: Iterable[tuple]) -> int:
    """INSERT … ON CONFLICT DO NOTHING RETURNING id: exact "created" counts even when
    another worker inserts the same occurrences at the same moment (PostgreSQL and
    SQLite ≥ 3.35 both speak this dialect)."""
    rows = list(rows)
    if not rows:
        return 0
    table = connection.ops.quote_name(Session._meta.db_table)
    columns = (
        "series_id",
        "group_id",
        "starts_at",
        "ends_at",
        "original_start",
        "status",
        "venue_id",
        "note",
        "sequence",
        "modified",
        "updated_at",
    )
    column_sql = ", ".join(connection.ops.quote_name(name) for name in columns)
    adapt = connection.ops.adapt_datetimefield_value
    now = adapt(dj_timezone.now())
    created = 0
    with connection.cursor() as cursor:
        for offset in range(0, len(rows), _INSERT_BATCH):
            batch = rows[offset : offset + _INSERT_BATCH]
            params: list = []
            for series_id, group_id, start, end, venue_id in batch:
                params += [series_id, group_id, adapt(start), adapt(end), adapt(start), "scheduled", venue_id, "", 0]
                params += [False, now]
            placeholders = ", ".join(["(" + ", ".join(["%s"] * len(columns)) + ")"] * len(batch))
            cursor.execute(
                f"INSERT INTO {table} ({column_sql}) VALUES {placeholders} "  # noqa: S608 - names are ours
                "ON CONFLICT (series_id, original_start) DO NOTHING RETURNING id",
                params,
            )
            created += len(cursor.fetchall())
    return created


# --- One-off changes --------------------------------------------------------------------


# A field's messages, as text or as ValidationErrors that keep their params.
Errors = dict[str, list[str | ValidationError]]
Changes = dict[str, object]


def _status_and_note_changes(session: Session, *, status: str | None, note: str | None) -> tuple[Errors, Changes]:
    errors: Errors = {}
    changed: Changes = {}
    if status is not None and status != session.status:
        if status not in Session.Status.values:
            errors["status"] = [SESSION_STATUS_INVALID]
        else:
            changed["status"] = status
    if note is not None and note != session.note:
        changed["note"] = note
    # Members are told why: cancelling needs a note, the one already there or a new one.
    if changed.get("status") == Session.Status.CANCELLED and not str(changed.get("note", session.note)).strip():
        errors["note"] = [SESSION_CANCEL_NEEDS_REASON]
    return errors, changed


def _moved_times(
    session: Session, *, starts_at: dt.datetime | None, ends_at: dt.datetime | None
) -> tuple[dt.datetime, dt.datetime]:
    """The (start, end) asked for, in UTC; moving the start alone keeps the length."""
    new_start = starts_at.astimezone(UTC) if starts_at is not None else session.starts_at
    if ends_at is not None:
        return new_start, ends_at.astimezone(UTC)
    if new_start.year >= DTSTART_MAX_YEAR:  # refused by _move_errors; keeps the arithmetic in range
        return new_start, new_start
    return new_start, new_start + (session.ends_at - session.starts_at)


def _move_errors(session: Session, *, new_start: dt.datetime, new_end: dt.datetime, now: dt.datetime) -> Errors:
    """The first rule a move breaks: into the past, more than MAX_MOVE from the planned
    date, ending before it starts, longer than a day."""
    if new_start <= now:
        return {"starts_at": [SESSION_MOVE_TO_PAST]}
    if abs(new_start - session.original_start) > MAX_MOVE:
        return {"starts_at": [SESSION_MOVE_TOO_FAR]}
    if new_end <= new_start:
        return {"ends_at": [SESSION_END_BEFORE_START]}
    if new_end - new_start > dt.timedelta(hours=24):
        return {"ends_at": [SESSION_TOO_LONG]}
    return {}


def _move_changes(
    session: Session, *, starts_at: dt.datetime | None, ends_at: dt.datetime | None, now: dt.datetime
) -> tuple[Errors, Changes]:
    errors: Errors = {
        name: [SESSION_NAIVE_TIME]
        for name, value in (("starts_at", starts_at), ("ends_at", ends_at))
        if value is not None and dj_timezone.is_naive(value)
    }
    if errors or (starts_at is None and ends_at is None):
        return errors, {}
    new_start, new_end = _moved_times(session, starts_at=starts_at, ends_at=ends_at)
    errors = _move_errors(session, new_start=new_start, new_end=new_end, now=now)
    if errors:
        return errors, {}
    changed: Changes = {}
    if new_start != session.starts_at:
        changed["starts_at"] = new_start
    if new_end != session.ends_at:
        changed["ends_at"] = new_end
    return {}, changed


def _venue_changes(session: Session, *, venue) -> tuple[Errors, Changes]:
    if venue is _UNSET:
        return {}, {}
    try:
        _clean_venue(venue, group=session.group)
    except ValidationError as exc:
        return exc.error_dict, {}
    if (venue.pk if venue else None) != session.venue_id:
        return {}, {"venue": venue}
    return {}, {}


def _apply_changes(session: Session, changed: Changes) -> None:
    for name, value in changed.items():
        setattr(session, name, value)
    session.sequence += 1
    session.modified = True
    session.full_clean(validate_unique=False)
    session.save()


def _change_details(session: Session, changed: Changes) -> dict:
    # Field names and times only: a note may name people, and the log outlives them.
    return {
        "changed": sorted(changed),
        "sequence": session.sequence,
        **{k: v.isoformat() for k, v in changed.items() if isinstance(v, dt.datetime)},
        **({"status": session.status} if "status" in changed else {}),
        **({"venue_id": session.venue_id} if "venue" in changed else {}),
    }


@transaction.atomic
def session_change(
    *,
    session: Session,
    actor=None,
    now: dt.datetime | None = None,
    status: str | None = None,
    note: str | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    venue=_UNSET,
) -> Session:
    """Cancel, restore, move, re-venue or annotate one session.

    Any real change raises `sequence` by one and marks the session `modified`, so
    series edits leave it alone and the notifications app can tell it changed.
    A request that changes nothing changes nothing (no new sequence).
    """
    now = now or dj_timezone.now()
    session = Session.objects.select_for_update().select_related("group", "series").get(pk=session.pk)
    if session.starts_at <= now:
        raise ValidationError({"session": [ValidationError(SESSION_IN_PAST, code="past")]})
    errors: Errors = {}
    changed: Changes = {}
    for found_errors, found_changes in (
        _status_and_note_changes(session, status=status, note=note),
        _move_changes(session, starts_at=starts_at, ends_at=ends_at, now=now),
        _venue_changes(session, venue=venue),
    ):
        errors.update(found_errors)
        changed.update(found_changes)
    if errors:
        raise ValidationError(errors)
    if not changed:
        return session

    _apply_changes(session, changed)
    audit_record(
        group=session.group,
        actor=actor,
        action="session.change",
        target=session,
        details=_change_details(session, changed),
    )
    return session
