"""Schedule patterns: what the picker writes as an RRULE, and the dates it previews."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from sessions.models import SessionSeries, SupportGroup
from sessions.services import schedule as schedule_services
from sessions.services import schedule_patterns as patterns
from tests.factories import SupportGroupFactory

SEVEN_PM = dt.time(19, 0)


# Before every date these tests plan: the preview lists the dates from "now" on.
NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def plan(kind, **fields):
    now = fields.pop("now", NOW)
    return patterns.schedule_plan(
        pattern=patterns.Pattern(kind=kind, start_time=fields.pop("start_time", SEVEN_PM), **fields),
        timezone=fields.pop("timezone", "America/Chicago"),
        now=now,
    )


@pytest.mark.parametrize(
    ("kind", "fields", "rrule"),
    [
        (patterns.WEEKLY, {"weekday": "TU"}, "FREQ=WEEKLY;BYDAY=TU"),
        (patterns.EVERY_OTHER_WEEK, {"weekday": "MO"}, "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO"),
        (patterns.MONTHLY, {"weekday": "TH", "ordinal": 2}, "FREQ=MONTHLY;BYDAY=2TH"),
        (patterns.MONTHLY, {"weekday": "FR", "ordinal": -1}, "FREQ=MONTHLY;BYDAY=-1FR"),
        (patterns.CYCLE, {"weekday": "WE", "cycle_weeks": 13}, "FREQ=WEEKLY;BYDAY=WE"),
    ],
)
def test_each_pattern_writes_its_rule(kind, fields, rrule):
    result = plan(kind, first_date=dt.date(2027, 1, 1), **fields)
    assert [item.rrule for item in result.series] == [rrule]
    # Round trip: the edit page reads the same pattern back.
    assert patterns.pattern_from_rrule(rrule)["kind"] == (patterns.WEEKLY if kind == patterns.CYCLE else kind)


def test_second_thursday_previews_eight_dates_at_seven_pm_local_across_the_dst_change():
    result = plan(patterns.MONTHLY, weekday="TH", ordinal=2, first_date=dt.date(2027, 1, 1))
    assert [d.date() for d in result.preview] == [
        dt.date(2027, 1, 14),
        dt.date(2027, 2, 11),
        dt.date(2027, 3, 11),
        dt.date(2027, 4, 8),  # after the March 14 spring-forward
        dt.date(2027, 5, 13),
        dt.date(2027, 6, 10),
        dt.date(2027, 7, 8),
        dt.date(2027, 8, 12),
    ]
    assert {(d.hour, d.minute) for d in result.preview} == {(19, 0)}
    assert [d.tzname() for d in result.preview[2:4]] == ["CST", "CDT"]
    # The first session moves onto the rule's first date, as validate_rrule stores it.
    assert result.series[0].dtstart == dt.datetime(2027, 1, 14, 19, 0)


def test_the_preview_lists_the_dates_still_to_come_not_those_already_past():
    """Editing a series that began in January, in March: the next dates, not January's."""
    march_3 = dt.datetime(2027, 3, 3, 12, 0, tzinfo=dt.UTC)  # a Wednesday
    result = plan(patterns.WEEKLY, weekday="TU", first_date=dt.date(2027, 1, 1), now=march_3)
    assert [d.date() for d in result.preview[:3]] == [dt.date(2027, 3, 9), dt.date(2027, 3, 16), dt.date(2027, 3, 23)]
    assert len(result.preview) == patterns.PREVIEW_COUNT
    # The series itself still starts on its first date.
    assert result.series[0].dtstart == dt.datetime(2027, 1, 5, 19, 0)


def test_until_ends_the_series_on_that_local_day():
    result = plan(patterns.WEEKLY, weekday="TU", first_date=dt.date(2027, 1, 1), until=dt.date(2027, 1, 26))
    assert [d.day for d in result.preview] == [5, 12, 19, 26]
    assert "UNTIL=" in result.series[0].rrule


def test_a_nonexistent_local_time_moves_forward_by_the_gap_as_sessions_do():
    result = plan(patterns.WEEKLY, weekday="SU", first_date=dt.date(2027, 3, 7), start_time=dt.time(2, 30))
    assert [(d.date(), d.hour, d.minute) for d in result.preview[:2]] == [
        (dt.date(2027, 3, 7), 2, 30),
        (dt.date(2027, 3, 14), 3, 30),
    ]


def test_a_list_of_dates_is_one_single_session_series_per_date():
    dates = patterns.parse_dates("2027-03-12\n2027-02-05, 2027-03-12")
    result = plan(patterns.DATES, dates=dates)
    assert [item.dtstart for item in result.series] == [dt.datetime(2027, 2, 5, 19), dt.datetime(2027, 3, 12, 19)]
    assert {item.rrule for item in result.series} == {"FREQ=DAILY;COUNT=1"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", patterns.DATES_REQUIRED),
        ("12/03/2027", patterns.DATE_INVALID % {"value": "12/03/2027"}),
        ("2027-02-30", patterns.DATE_INVALID % {"value": "2027-02-30"}),
    ],
)
def test_bad_dates_are_named(text, message):
    with pytest.raises(ValidationError) as error:
        patterns.parse_dates(text)
    assert error.value.message_dict == {"dates": [message]}


def test_missing_choices_are_named_by_field():
    with pytest.raises(ValidationError) as error:
        plan(patterns.MONTHLY, first_date=dt.date(2027, 1, 1))
    assert error.value.message_dict == {
        "weekday": [patterns.WEEKDAY_REQUIRED],
        "ordinal": [patterns.ORDINAL_REQUIRED],
    }
    with pytest.raises(ValidationError) as error:
        plan(patterns.CYCLE, weekday="TU", cycle_weeks=1, first_date=dt.date(2027, 1, 1))
    assert error.value.message_dict == {"cycle_weeks": [patterns.CYCLE_WEEKS_INVALID]}


def test_rule_errors_are_the_schedule_services_own():
    with pytest.raises(ValidationError) as error:
        plan(patterns.WEEKLY, weekday="TU", first_date=dt.date(2027, 1, 1), until=dt.date(2026, 12, 1))
    assert error.value.message_dict == {"rrule": [schedule_services.RRULE_NO_OCCURRENCES]}


def test_custom_rules_are_not_mistaken_for_a_pattern():
    assert patterns.pattern_from_rrule("FREQ=MONTHLY;BYDAY=2TH,4TH") == {"kind": patterns.CUSTOM}
    assert patterns.pattern_from_rrule("FREQ=WEEKLY;BYDAY=TU;COUNT=13") == {"kind": patterns.CUSTOM}


@pytest.mark.django_db
def test_a_cycle_saves_the_series_and_the_groups_cycle():
    group = SupportGroupFactory()
    result = plan(patterns.CYCLE, weekday="TU", cycle_weeks=13, first_date=dt.date(2027, 1, 1))
    [series] = patterns.schedule_create(group=group, plan=result, duration_minutes=90, venue=None, actor=None)
    group.refresh_from_db()
    assert (group.enrollment_mode, group.cycle_start, group.cycle_weeks) == (
        SupportGroup.EnrollmentMode.COHORT,
        dt.date(2027, 1, 5),
        13,
    )
    assert series.sessions.count() > 0


@pytest.mark.django_db
def test_dates_create_all_or_nothing():
    group = SupportGroupFactory()
    result = plan(patterns.DATES, dates=(dt.date(2027, 2, 5), dt.date(2027, 3, 12)))
    patterns.schedule_create(group=group, plan=result, duration_minutes=90, venue=None, actor=None)
    assert SessionSeries.objects.filter(group=group).count() == 2
    with pytest.raises(ValidationError):
        patterns.schedule_create(group=group, plan=result, duration_minutes=3, venue=None, actor=None)
    assert SessionSeries.objects.filter(group=group).count() == 2
