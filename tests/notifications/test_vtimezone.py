from __future__ import annotations

import datetime as dt
import zoneinfo

import icalendar
import pytest

from notifications.vtimezone import vtimezone
from sessions.services.schedule import local_to_utc
from tests.notifications.icaljs import icaljs_occurrences

UTC = dt.UTC


def _repeated(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> bool:
    return local.replace(tzinfo=zone, fold=0).utcoffset() != local.replace(tzinfo=zone, fold=1).utcoffset()


def _probe_calendar(zones: list[str], *, first_year: int, last_year: int, step: dt.timedelta):
    """One event every `step` (as wall-clock time with a TZID) in each zone, with the
    zones' VTIMEZONEs; returns the file and the UTC instant each event should read as."""
    cal = icalendar.Calendar()
    cal.add("prodid", "-//Lantern tests//EN")
    cal.add("version", "2.0")
    expected = {}
    for zone_name in zones:
        cal.add_component(vtimezone(zone_name, first_year=first_year, last_year=last_year))
        zone = zoneinfo.ZoneInfo(zone_name)
        instant = dt.datetime(first_year, 1, 1, tzinfo=UTC)
        end = dt.datetime(last_year + 1, 1, 1, tzinfo=UTC)
        number = 0
        while instant < end:
            local = instant.astimezone(zone).replace(tzinfo=None)
            # Leave out the repeated hour of a fall-back night: a wall-clock time there
            # names two instants, and ical.js resolves it to the later one where RFC 5545
            # §3.3.5 says the first (a reader's rule, not the VTIMEZONE's).
            if local_to_utc(local, zone_name) == instant and not _repeated(local, zone):
                uid = f"{zone_name}-{number}"
                event = icalendar.Event()
                event.add("uid", uid)
                event.add("dtstamp", dt.datetime(2026, 1, 1, tzinfo=UTC))
                event.add("dtstart", local.replace(tzinfo=zone))
                event.add("duration", dt.timedelta(minutes=30))
                cal.add_component(event)
                expected[uid] = instant
            instant += step
            number += 1
    return cal.to_ical(), expected


@pytest.mark.parametrize(
    ("zones", "first_year", "last_year"),
    [
        # Yearly rules (RRULE observances), and a half-hour DST.
        (["America/Chicago", "Europe/London", "Australia/Lord_Howe"], 2026, 2028),
        # Morocco's Ramadan changes follow no yearly rule: one RDATE a line.
        (["Africa/Casablanca"], 2026, 2028),
        # Brazil's last DST years: irregular starts (RDATEs), a yearly end that must
        # stop in 2019 (UNTIL), not go on.
        (["America/Sao_Paulo"], 2017, 2020),
    ],
)
def test_icaljs_places_every_wall_clock_time_where_the_iana_database_does(zones, first_year, last_year):
    # A step of 25 h 1 min visits every hour of the day every 24 days, in every period
    # between clock changes.
    step = dt.timedelta(minutes=1501)
    ics, expected = _probe_calendar(zones, first_year=first_year, last_year=last_year, step=step)
    window = (dt.datetime(first_year - 1, 12, 30, tzinfo=UTC), dt.datetime(last_year + 1, 1, 2, tzinfo=UTC))
    read = {o["uid"]: o["start"] for o in icaljs_occurrences(ics, *window)}
    wrong = {uid: (read.get(uid), instant) for uid, instant in expected.items() if read.get(uid) != instant}
    assert not wrong, f"{len(wrong)} of {len(expected)} read wrong, e.g. {sorted(wrong.items())[:3]}"


def test_yearly_rules_and_single_value_rdates():
    chicago = vtimezone("America/Chicago", first_year=2026, last_year=2031).to_ical().decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in chicago
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in chicago
    assert "RDATE" not in chicago
    # RFC 5545 §3.6.5: the onset is the local time before the change (02:00 → 03:00).
    assert "DTSTART:20260308T020000" in chicago

    casablanca = vtimezone("Africa/Casablanca", first_year=2026, last_year=2031).to_ical().decode()
    rdates = [line for line in casablanca.splitlines() if line.startswith("RDATE")]
    assert len(rdates) > 6 and all("," not in line for line in rdates)

    sao_paulo = vtimezone("America/Sao_Paulo", first_year=2017, last_year=2021).to_ical().decode()
    assert "UNTIL=" in sao_paulo
