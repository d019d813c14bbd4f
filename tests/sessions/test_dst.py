"""Property tests of the wall-clock rule (RFC 5545 §3.3.5) across zones and years.

- A local time that exists once is kept as is (7 pm stays 7 pm across DST).
- A local time in a spring-forward gap is read with the offset before the gap
  (02:30 becomes 03:30 daylight time).
- A local time repeated at fall-back is the first of the two (daylight time).
- Calendar clients expanding our DTSTART;TZID + RRULE get the same instants
  (checked with icalendar + recurring-ical-events, as in a subscriber's calendar).
"""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo

import icalendar
import recurring_ical_events
from dateutil.rrule import rrulestr
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notifications.calendar import _add_timezones, _calendar, _series_events
from sessions.models import SessionSeries, SupportGroup
from sessions.services.schedule import (
    RRULE_NONE_IN_FIRST_YEAR,
    local_to_utc,
    normalize_rrule,
    series_occurrences,
    validate_rrule,
)

UTC = dt.UTC
# Northern and southern hemispheres, midnight transitions (Havana, Santiago, Beirut)
# and a 30-minute shift (Lord Howe).
ZONES = [
    "America/Chicago",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Auckland",
    "America/Santiago",
    "America/Havana",
    "Asia/Beirut",
]


@functools.cache
def transitions(zone: str, year: int) -> tuple[tuple[dt.datetime, dt.timedelta, dt.timedelta], ...]:
    """(instant, offset before, offset after) for each UTC-offset change in the year."""
    tz = zoneinfo.ZoneInfo(zone)
    result = []
    probe = dt.datetime(year, 1, 1, tzinfo=UTC)
    end = dt.datetime(year + 1, 1, 1, tzinfo=UTC)
    step = dt.timedelta(hours=6)
    while probe < end:
        before, after = probe.astimezone(tz).utcoffset(), (probe + step).astimezone(tz).utcoffset()
        if before != after:
            low, high = probe, probe + step
            while high - low > dt.timedelta(minutes=1):
                mid = low + (high - low) / 2
                if mid.astimezone(tz).utcoffset() == before:
                    low = mid
                else:
                    high = mid
            result.append((high, before, after))
        probe += step
    return tuple(result)


near_transition = st.builds(
    lambda zone, year, index, minutes: (zone, year, index, minutes),
    st.sampled_from(ZONES),
    st.integers(min_value=2020, max_value=2035),
    st.integers(min_value=0, max_value=1),
    st.integers(min_value=-180, max_value=180),
)


def _wall_time_near(zone: str, year: int, index: int, minutes: int):
    found = transitions(zone, year)
    instant, before, after = found[index % len(found)]
    # The wall-clock reading just before the change, moved by `minutes`.
    local = (instant + before).replace(tzinfo=None) + dt.timedelta(minutes=minutes)
    return local.replace(second=0, microsecond=0), before, after


def expected_instant(local: dt.datetime, zone: str, before: dt.timedelta, after: dt.timedelta) -> dt.datetime:
    """The RFC 5545 reading of a wall-clock time, computed from first principles."""
    tz = zoneinfo.ZoneInfo(zone)
    candidates = []
    for offset in {before, after}:
        instant = (local - offset).replace(tzinfo=UTC)
        if instant.astimezone(tz).replace(tzinfo=None) == local:
            candidates.append(instant)
    if candidates:
        return min(candidates)  # exists once, or twice: the first
    return (local - before).replace(tzinfo=UTC)  # in the gap: the offset before it


@settings(max_examples=300, deadline=None)
@given(near_transition)
def test_local_times_near_clock_changes_follow_the_rfc_5545_rule(case):
    zone, year, index, minutes = case
    local, before, after = _wall_time_near(zone, year, index, minutes)
    assert local_to_utc(local, zone) == expected_instant(local, zone, before, after)


@settings(max_examples=200, deadline=None)
@given(near_transition)
def test_existing_local_times_round_trip(case):
    zone, year, index, minutes = case
    local, _, _ = _wall_time_near(zone, year, index, minutes)
    tz = zoneinfo.ZoneInfo(zone)
    shown = local_to_utc(local, zone).astimezone(tz).replace(tzinfo=None)
    exists = any(
        (local - o).replace(tzinfo=UTC).astimezone(tz).replace(tzinfo=None) == local
        for o in {tz.utcoffset(local.replace(fold=0)), tz.utcoffset(local.replace(fold=1))}
    )
    if exists:
        assert shown == local
    else:  # pushed forward by exactly the gap
        gap = tz.utcoffset(local.replace(fold=1)) - tz.utcoffset(local.replace(fold=0))
        assert shown == local + abs(gap)


def _series_near(zone: str, year: int, index: int, hour: int, minute: int, freq: str, duration: int):
    """A series whose occurrences straddle a clock change, starting at hour:minute."""
    instant, before, _ = transitions(zone, year)[index % len(transitions(zone, year))]
    change_day = (instant + before).date()
    lead_days = 3 if freq == "DAILY" else 14
    local_start = dt.datetime.combine(change_day - dt.timedelta(days=lead_days), dt.time(hour, minute))
    count = 7 if freq == "DAILY" else 5
    rrule = normalize_rrule(rrule=f"FREQ={freq};COUNT={count}", dtstart=local_start, timezone=zone)
    group = SupportGroup(name="Evening circle", slug="evening", timezone=zone, format="in_person")
    series = SessionSeries(
        group=group,
        rrule=rrule,
        dtstart=local_start.replace(tzinfo=UTC),
        timezone=zone,
        duration_minutes=duration,
    )
    series.materialized_until = local_to_utc(local_start, zone) + dt.timedelta(days=60)
    return series, local_start, count


series_case = st.tuples(
    st.sampled_from(ZONES),
    st.integers(min_value=2020, max_value=2035),
    st.integers(min_value=0, max_value=1),
    # Hours around the usual 00:00–03:00 changes, and evening times.
    st.sampled_from([0, 1, 2, 3, 19]),
    st.sampled_from([0, 15, 30, 45]),
    st.sampled_from(["DAILY", "WEEKLY"]),
    st.sampled_from([30, 60, 90, 150]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series_case)
def test_series_occurrences_keep_wall_clock_time_by_the_rule(case):
    zone, year, index, hour, minute, freq, duration = case
    series, local_start, count = _series_near(zone, year, index, hour, minute, freq, duration)
    step = dt.timedelta(days=1 if freq == "DAILY" else 7)
    far = dt.timedelta(days=400)
    starts = series_occurrences(
        series, after=local_to_utc(local_start, zone) - far, before=local_to_utc(local_start, zone) + far
    )
    assert starts == [local_to_utc(local_start + i * step, zone) for i in range(count)]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(series_case)
def test_calendar_clients_expand_exactly_the_materialized_sessions(case):
    zone, year, index, hour, minute, freq, duration = case
    series, local_start, count = _series_near(zone, year, index, hour, minute, freq, duration)
    first = local_to_utc(local_start, zone)
    ours = [
        (start, start + dt.timedelta(minutes=duration))
        for start in series_occurrences(
            series, after=first - dt.timedelta(days=1), before=first + dt.timedelta(days=60)
        )
    ]
    cal = _calendar(name="test", feed=True)
    for event in _series_events(series=series, sessions=[], now=first, member_view=False):
        cal.add_component(event)
    _add_timezones(cal, now=first)
    parsed = icalendar.Calendar.from_ical(cal.to_ical())
    expanded = recurring_ical_events.of(parsed).between(first - dt.timedelta(days=1), first + dt.timedelta(days=60))
    theirs = sorted((e["DTSTART"].dt.astimezone(UTC), e["DTEND"].dt.astimezone(UTC)) for e in expanded)
    assert len(ours) == count
    assert theirs == ours


# --- RRULE rules ------------------------------------------------------------------------------

WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


@st.composite
def valid_rules(draw):
    freq = draw(st.sampled_from(["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]))
    parts = [f"FREQ={freq}"]
    if draw(st.booleans()):
        parts.append(f"INTERVAL={draw(st.integers(min_value=1, max_value=4))}")
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=3, unique=True))
    if freq in ("MONTHLY", "YEARLY") and draw(st.booleans()):
        ordinals = draw(st.lists(st.sampled_from([1, 2, 3, 4, -1]), min_size=1, max_size=2, unique=True))
        if freq == "YEARLY":
            parts.append(f"BYMONTH={draw(st.integers(min_value=1, max_value=12))}")
        parts.append("BYDAY=" + ",".join(f"{n}{d}" for n in ordinals for d in days[:1]))
    elif freq != "DAILY" or draw(st.booleans()):
        parts.append("BYDAY=" + ",".join(days))
    count = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=40)))
    if count is not None:
        parts.append(f"COUNT={count}")
    draw(st.randoms()).shuffle(parts)  # part order must not matter
    local = draw(st.datetimes(min_value=dt.datetime(2020, 1, 1), max_value=dt.datetime(2035, 12, 31)))
    local = local.replace(second=0, microsecond=0)
    return ";".join(parts), local, draw(st.sampled_from(ZONES)), count


@settings(max_examples=200, deadline=None)
@given(valid_rules())
def test_valid_rules_are_accepted_canonically_and_expand_as_written(case):
    rule_text, local, zone, count = case
    try:
        canonical, first = validate_rrule(rrule=rule_text.lower(), dtstart=local, timezone=zone)
    except ValidationError as exc:
        # The one refusal a well-formed rule can get: its first date is over a year away.
        assert exc.message_dict == {"rrule": [RRULE_NONE_IN_FIRST_YEAR]}
        first_date = rrulestr(rule_text, dtstart=local).after(local, inc=True)
        assert first_date - local >= dt.timedelta(days=364)
        return
    assert first >= local and first.time() == local.time()
    # Canonical text is a fixed point and keeps every part.
    assert validate_rrule(rrule=canonical, dtstart=first, timezone=zone) == (canonical, first)
    assert sorted(canonical.split(";")) == sorted(rule_text.split(";"))
    series = SessionSeries(rrule=canonical, dtstart=first.replace(tzinfo=UTC), timezone=zone, duration_minutes=60)
    start = local_to_utc(first, zone)
    # Long enough for COUNT=40 of a yearly rule with INTERVAL=4; two years otherwise.
    window = dt.timedelta(days=366 * (4 * 41 if count is not None else 2))
    occurrences = series_occurrences(series, after=start, before=start + window)
    assert occurrences[0] == start
    if count is not None:
        assert len(occurrences) == count
    parts = dict(part.split("=") for part in canonical.split(";"))
    if "BYDAY" in parts:
        allowed_days = {WEEKDAYS.index(day[-2:]) for day in parts["BYDAY"].split(",")}
        tz = zoneinfo.ZoneInfo(zone)
        # A gap shift moves a time forward by under an hour, never across midnight here.
        assert {o.astimezone(tz).weekday() for o in occurrences[:60]} <= allowed_days


@settings(max_examples=300, deadline=2000)
@given(
    st.text(alphabet="FREQ=WEKLYDAIMONTHBYSPUNC0123456789-,;:+ZTxRru", max_size=60),
    st.sampled_from(ZONES),
)
def test_any_rule_text_is_either_accepted_or_refused_with_a_field_error(text, zone):
    """Fuzz: never an unexpected exception (a 500) and never a long search."""
    try:
        validate_rrule(rrule=text, dtstart=dt.datetime(2026, 1, 6, 19, 0), timezone=zone)
    except ValidationError as exc:
        assert set(exc.message_dict) <= {"rrule", "dtstart"}
