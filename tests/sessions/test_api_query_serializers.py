"""Query parameters are read by serializers: one error per bad parameter, worded by Lantern."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import QueryDict

from sessions.api.serializers_manage import UNKNOWN_STATUS, RosterQuerySerializer
from sessions.api.serializers_schedule import (
    MAX_RANGE_DAYS,
    RANGE_INVALID,
    RANGE_ORDER,
    RANGE_TOO_LONG,
    DateRangeQuerySerializer,
)

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def _roster_query(query: str):
    serializer = RosterQuerySerializer(data=QueryDict(query))
    return (serializer.validated_data.get("status"), None) if serializer.is_valid() else (None, serializer.errors)


@pytest.mark.parametrize(
    ("query", "statuses"),
    [
        ("", None),
        ("status=", None),
        ("status=active", ["active"]),
        ("status=%20active%20,,waitlisted", ["active", "waitlisted"]),
    ],
)
def test_roster_status_filter(query, statuses):
    assert _roster_query(query) == (statuses, None)


@pytest.mark.parametrize(("query", "named"), [("status=active,gone", "gone"), ("status=%00", "\x00")])
def test_an_unknown_roster_status_is_named_in_the_error(query, named):
    assert _roster_query(query) == (None, {"status": [UNKNOWN_STATUS.format(value=named)]})


def _range(query: str, *, default_days: int = 30):
    context = {"timezone": "America/Chicago", "default_start": NOW, "default_days": default_days}
    serializer = DateRangeQuerySerializer(data=QueryDict(query), context=context)
    if serializer.is_valid():
        return serializer.validated_data["start"], serializer.validated_data["end"]
    return serializer.errors


def test_a_date_range_defaults_to_the_views_start_and_length():
    assert _range("") == (NOW, NOW + dt.timedelta(days=30))


def test_dates_are_local_days_and_to_includes_its_whole_day():
    start, end = _range("from=2026-03-01&to=2026-03-31")
    assert start == dt.datetime(2026, 3, 1, 6, 0, tzinfo=dt.UTC)  # midnight in Chicago (CST)
    assert end == dt.datetime(2026, 4, 1, 5, 0, tzinfo=dt.UTC)  # the end of March 31st (CDT)


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("from=yesterday", {"from": [RANGE_INVALID]}),
        ("from=%20", {"from": [RANGE_INVALID]}),
        ("from=%00", {"from": [RANGE_INVALID]}),
        ("from=nope&to=nope", {"from": [RANGE_INVALID]}),  # one error at a time, 'from' first
        ("to=2026-13-01", {"to": [RANGE_INVALID]}),
        ("from=9999-12-31", {"from": [RANGE_INVALID]}),  # no room for the default length
        ("from=2026-03-10&to=2026-03-01", {"to": [RANGE_ORDER]}),
        ("from=2026-01-01&to=2028-01-01", {"to": [RANGE_TOO_LONG.format(days=MAX_RANGE_DAYS)]}),
    ],
)
def test_a_bad_date_range_answers_one_error(query, errors):
    assert _range(query) == errors
