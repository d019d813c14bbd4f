"""VTIMEZONE components that every common calendar client reads alike.

icalendar's own generator lists a zone's transitions as one RDATE property with
many comma-separated values. RFC 5545 allows that, but Mozilla's ical.js (the
parser in Thunderbird, Nextcloud and many web calendars) reads only the first
value of such a line, so every later clock change is lost and sessions after it
show an hour off. Google Calendar and Apple Calendar write yearly RRULE-based
observances instead ("the second Sunday of March at 02:00"), which every client
reads; this module does the same, from the IANA database, whenever a zone's
transitions in the window follow such a rule, and falls back to one RDATE
property per transition (one value a line) when they do not.

Each observance's DTSTART is the local time just before the change, in the
TZOFFSETFROM offset (RFC 5545 §3.6.5: 02:00 for a 02:00 → 03:00 spring-forward),
which is the convention clients compute the change's UTC instant from.
"""

from __future__ import annotations

import calendar as month_calendar
import datetime as dt
import functools
import zoneinfo
from dataclasses import dataclass

from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")  # index = date.weekday()


@dataclass(frozen=True)
class _Offset:
    utcoffset: dt.timedelta
    dst: bool
    name: str


@dataclass(frozen=True)
class _Transition:
    at: dt.datetime  # UTC instant of the change
    before: _Offset
    after: _Offset

    @property
    def onset(self) -> dt.datetime:
        """Naive local wall-clock time of the change, in the offset in force before it."""
        return (self.at + self.before.utcoffset).replace(tzinfo=None)


def _offset(zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> _Offset:
    local = instant.astimezone(zone)
    return _Offset(local.utcoffset(), bool(local.dst()), local.tzname() or "")


def _transitions(zone: zoneinfo.ZoneInfo, start: dt.datetime, end: dt.datetime) -> list[_Transition]:
    """Every change of offset, DST flag or abbreviation between two UTC instants."""
    found = []
    day = dt.timedelta(days=1)
    low, low_offset = start, _offset(zone, start)
    while low < end:
        high = min(low + day, end)
        high_offset = _offset(zone, high)
        if high_offset != low_offset:
            # Narrow to the second: the change happens at the first instant with the new offset.
            a, b = low, high
            while b - a > dt.timedelta(seconds=1):
                middle = a + (b - a) / 2
                middle = middle.replace(microsecond=0)
                if _offset(zone, middle) == low_offset:
                    a = middle
                else:
                    b = middle
            found.append(_Transition(at=b, before=low_offset, after=_offset(zone, b)))
        low, low_offset = high, high_offset
    return found


def _yearly_rule(onsets: list[dt.datetime]) -> str | None:
    """The yearly RRULE whose first occurrences are exactly these onsets, if there is one."""
    first = onsets[0]
    years = [onset.year for onset in onsets]
    if years != list(range(first.year, first.year + len(onsets))):
        return None
    if any((o.month, o.weekday(), o.time()) != (first.month, first.weekday(), first.time()) for o in onsets):
        return None
    weekday = _WEEKDAYS[first.weekday()]
    nth = {(o.day - 1) // 7 + 1 for o in onsets}
    if len(nth) == 1 and nth <= {1, 2, 3, 4}:
        byday = f"{nth.pop()}{weekday}"
    elif all(o.day + 7 > month_calendar.monthrange(o.year, o.month)[1] for o in onsets):
        byday = f"-1{weekday}"
    else:
        return None
    return f"FREQ=YEARLY;BYMONTH={first.month};BYDAY={byday}"


def _observance(offset_from: _Offset, offset_to: _Offset, dtstart: dt.datetime):
    component = TimezoneDaylight() if offset_to.dst else TimezoneStandard()
    component.add("dtstart", dtstart)
    component.add("tzoffsetfrom", offset_from.utcoffset)
    component.add("tzoffsetto", offset_to.utcoffset)
    if offset_to.name:
        component.add("tzname", offset_to.name)
    return component


@functools.lru_cache(maxsize=64)
def _zone_changes(tzid: str, first_year: int, last_year: int) -> tuple[_Offset, list[_Transition]]:
    zone = zoneinfo.ZoneInfo(tzid)
    start = dt.datetime(first_year, 1, 1, tzinfo=dt.UTC)
    end = dt.datetime(last_year + 1, 1, 1, tzinfo=dt.UTC)
    return _offset(zone, start), _transitions(zone, start, end)


def vtimezone(tzid: str, *, first_year: int, last_year: int) -> Timezone:
    """A VTIMEZONE for `tzid`, exact from 1 January `first_year` to the end of
    `last_year`; a yearly rule goes on past the window, as Google and Apple write it."""
    initial, changes = _zone_changes(tzid, first_year, last_year)
    tz = Timezone()
    tz.add("tzid", tzid)
    # What holds before the first change in the window: a change to itself.
    start = dt.datetime(first_year, 1, 1) + initial.utcoffset
    tz.add_component(_observance(initial, initial, start))

    groups: dict[tuple[_Offset, _Offset], list[_Transition]] = {}
    for transition in changes:
        groups.setdefault((transition.before, transition.after), []).append(transition)
    for (before, after), transitions in groups.items():
        onsets = [transition.onset for transition in transitions]
        component = _observance(before, after, onsets[0])
        rule = _yearly_rule(onsets) if len(onsets) > 1 else None
        if rule is not None:
            if onsets[-1].year < last_year:
                # The zone left this rule inside the window: it must not go on past it.
                rule += f";UNTIL={transitions[-1].at.strftime('%Y%m%dT%H%M%SZ')}"
            component.add("rrule", vRecur.from_ical(rule))
        else:
            # One value a line: ical.js reads only the first value of a multi-valued RDATE.
            # The first onset is listed too: ical.js takes an observance with RDATEs to
            # change only on them, not on its DTSTART (RFC 5545 lets the set repeat it).
            for onset in onsets:
                component.add("rdate", onset)
        tz.add_component(component)
    return tz
