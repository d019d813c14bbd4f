from __future__ import annotations

import datetime as dt
import zoneinfo
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sessions.management.commands.materialize_sessions import HORIZON_TOO_SHORT
from sessions.models import AuditLog, Session, SessionSeries
from sessions.services import schedule
from sessions.tasks import materialize_sessions
from tests.factories import SessionSeriesFactory, SupportGroupFactory, UserFactory, VenueFactory
from tests.sessions.concurrency import run_in_threads

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")
NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)


def _weekly(group=None, *, rrule="FREQ=WEEKLY;BYDAY=TU", dtstart=dt.datetime(2026, 1, 6, 19, 0), now=NOW, **kw):
    return schedule.series_create(
        group=group or SupportGroupFactory(),
        rrule=rrule,
        dtstart=dtstart,
        timezone=kw.pop("timezone", "America/Chicago"),
        duration_minutes=kw.pop("duration_minutes", 90),
        now=now,
        **kw,
    )


def _local_starts(series) -> list[dt.datetime]:
    tz = zoneinfo.ZoneInfo(series.timezone)
    return [s.starts_at.astimezone(tz) for s in Session.objects.filter(series=series).order_by("starts_at")]


def _rrule_errors(rrule: str, dtstart=dt.datetime(2026, 1, 6, 19, 0)) -> list[str]:
    with pytest.raises(ValidationError) as info:
        _weekly(rrule=rrule, dtstart=dtstart)
    return info.value.message_dict["rrule"]


# --- Materialization ------------------------------------------------------------------


def test_weekly_series_is_materialized_to_the_horizon_at_seven_pm_local_across_dst():
    series = _weekly()
    starts = _local_starts(series)
    horizon_end = NOW + dt.timedelta(days=180)
    assert starts[0] == dt.datetime(2026, 1, 6, 19, 0, tzinfo=CHICAGO)
    assert all(s.hour == 19 and s.minute == 0 and s.weekday() == 1 for s in starts)
    assert all(b - a == dt.timedelta(days=7) for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] <= horizon_end < starts[-1] + dt.timedelta(days=7)
    # Both sides of the March change: 19:00 CST is 01:00 UTC, 19:00 CDT is 00:00 UTC.
    utc_hours = {s.astimezone(dt.UTC).hour for s in starts}
    assert utc_hours == {0, 1}
    session = Session.objects.filter(series=series).first()
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=90)
    assert session.original_start == session.starts_at
    assert session.sequence == 0 and not session.modified and session.status == "scheduled"


def test_series_stores_canonical_rule_and_local_dtstart():
    series = _weekly(rrule="rrule:byday=tu;freq=weekly;count=13")
    series.refresh_from_db()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU;COUNT=13"
    assert schedule.series_local_dtstart(series) == dt.datetime(2026, 1, 6, 19, 0)
    assert Session.objects.filter(series=series).count() == 13


def test_second_and_fourth_thursday_and_last_friday_rules():
    thursdays = _weekly(rrule="FREQ=MONTHLY;BYDAY=2TH,4TH", dtstart=dt.datetime(2026, 1, 8, 10, 0))
    days = [s.day for s in _local_starts(thursdays)[:4]]
    assert days == [8, 22, 12, 26]
    fridays = _weekly(rrule="FREQ=MONTHLY;BYDAY=-1FR", dtstart=dt.datetime(2026, 1, 30, 18, 0))
    assert [s.date() for s in _local_starts(fridays)[:3]] == [
        dt.date(2026, 1, 30),
        dt.date(2026, 2, 27),
        dt.date(2026, 3, 27),
    ]


def test_until_as_a_date_includes_that_whole_local_day():
    series = _weekly(rrule="FREQ=WEEKLY;BYDAY=TU;UNTIL=20260127")
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU;UNTIL=20260128T055959Z"
    assert [s.day for s in _local_starts(series)] == [6, 13, 20, 27]


def test_materializing_twice_creates_nothing_the_second_time():
    series = _weekly()
    count = Session.objects.count()
    assert schedule.materialize_series(series=series, now=NOW) == 0
    assert schedule.materialize_all(now=NOW) == 0
    assert Session.objects.count() == count


def test_horizon_rolls_forward_with_now():
    series = _weekly()
    before = Session.objects.filter(series=series).count()
    later = NOW + dt.timedelta(days=28)
    assert schedule.materialize_all(now=later) == 4
    assert Session.objects.filter(series=series).count() == before + 4
    series.refresh_from_db()
    assert series.materialized_until == later + dt.timedelta(days=180)


def test_horizon_days_argument_and_setting():
    series = _weekly()
    # 25 Tuesdays up to June 30th; the year holds 52.
    assert Session.objects.filter(series=series).count() == 25
    assert schedule.materialize_series(series=series, now=NOW, horizon_days=365) == 27
    with override_settings(SESSION_HORIZON_DAYS=30):
        short = _weekly()
    assert Session.objects.filter(series=short).count() == 4  # Jan 6 … Jan 27


def test_periodic_job_skips_inactive_series():
    series = _weekly()
    schedule.series_end(series=series, now=NOW)
    assert schedule.materialize_all(now=NOW + dt.timedelta(days=60)) == 0


def test_series_far_in_the_past_gets_no_more_than_the_history_window():
    series = _weekly(dtstart=dt.datetime(2024, 1, 2, 19, 0))
    first = Session.objects.filter(series=series).order_by("starts_at").first()
    assert first.starts_at >= NOW - dt.timedelta(days=schedule.DEFAULT_HISTORY_DAYS)


def test_task_and_management_command_run_the_same_job(capsys):
    SessionSeriesFactory(rrule="FREQ=WEEKLY;BYDAY=TU", dtstart=dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC))
    created = materialize_sessions()
    assert created > 0
    assert Session.objects.count() == created
    call_command("materialize_sessions")
    assert "Created 0 session(s)." in capsys.readouterr().out


def test_management_command_refuses_a_horizon_under_one_day():
    SessionSeriesFactory(rrule="FREQ=WEEKLY;BYDAY=TU", dtstart=dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC))
    with pytest.raises(CommandError, match=HORIZON_TOO_SHORT):
        call_command("materialize_sessions", "--horizon-days", "0")
    assert not Session.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_materialization_creates_each_session_once(requires_postgres):
    group = SupportGroupFactory()
    series_list = [
        SessionSeries.objects.create(
            group=group,
            rrule="FREQ=WEEKLY;BYDAY=TU",
            dtstart=dt.datetime(2026, 1, 6, 19, tzinfo=dt.UTC),
            timezone="America/Chicago",
            duration_minutes=90,
        )
        for _ in range(20)
    ]
    kinds = ("all", "all", "one", "one")

    def run(index: int) -> int:
        if kinds[index] == "all":
            return schedule.materialize_all(now=NOW, chunk_size=3)
        return sum(schedule.materialize_series(series=s, now=NOW) for s in series_list)

    results = run_in_threads(len(kinds), run)
    assert [r for r in results if isinstance(r, BaseException)] == []
    expected = 20 * 25  # Jan 6 … Jun 23
    assert Session.objects.count() == expected
    assert sum(results) == expected
    assert Session.objects.values("series", "original_start").distinct().count() == expected


# --- RRULE validation -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("rrule", "message"),
    [
        ("", schedule.RRULE_EMPTY),
        ("WEEKLY", schedule.RRULE_MALFORMED),
        ("FREQ=HOURLY", schedule.RRULE_FREQ_INVALID),
        ("FREQ=MINUTELY;INTERVAL=5", schedule.RRULE_FREQ_INVALID),
        ("BYDAY=TU", schedule.RRULE_FREQ_REQUIRED),
        ("FREQ=WEEKLY;BYDAY=TU;BYHOUR=19", schedule.RRULE_TIME_PARTS),
        ("FREQ=WEEKLY;BYDAY=TU;BYMINUTE=0", schedule.RRULE_TIME_PARTS),
        ("DTSTART:20260106T190000\nRRULE:FREQ=WEEKLY", schedule.RRULE_DTSTART_PART),
        ("FREQ=WEEKLY;DTSTART=20260106T190000", schedule.RRULE_DTSTART_PART),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=5;UNTIL=20260301", schedule.RRULE_COUNT_AND_UNTIL),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=0", schedule.RRULE_COUNT_INVALID.format(max=schedule.MAX_COUNT)),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=abc", schedule.RRULE_COUNT_INVALID.format(max=schedule.MAX_COUNT)),
        ("FREQ=WEEKLY;BYDAY=TU;INTERVAL=0", schedule.RRULE_INTERVAL_INVALID.format(max=schedule.MAX_INTERVAL)),
        ("FREQ=WEEKLY;BYDAY=TU;COUNT=3,4", schedule.RRULE_COUNT_INVALID.format(max=schedule.MAX_COUNT)),
        ("FREQ=WEEKLY;BYDAY=TU;INTERVAL=2,3", schedule.RRULE_INTERVAL_INVALID.format(max=schedule.MAX_INTERVAL)),
        ("FREQ=WEEKLY;BYDAY=TUE", schedule.RRULE_BYDAY_INVALID),
        ("FREQ=WEEKLY;BYDAY=2TU", schedule.RRULE_BYDAY_ORDINAL_FREQ),
        ("FREQ=MONTHLY;BYDAY=6TU", schedule.RRULE_BYDAY_ORDINAL_RANGE.format(max=5)),
        ("FREQ=MONTHLY;BYDAY=0TU", schedule.RRULE_BYDAY_ORDINAL_RANGE.format(max=5)),
        ("FREQ=MONTHLY;BYMONTHDAY=32", schedule.RRULE_BYMONTHDAY_INVALID),
        ("FREQ=WEEKLY;BYMONTHDAY=6", schedule.RRULE_BYMONTHDAY_WEEKLY),
        ("FREQ=YEARLY;BYMONTH=13", schedule.RRULE_BYMONTH_INVALID),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", schedule.RRULE_IMPOSSIBLE),
        ("FREQ=DAILY;BYMONTH=4,6;BYMONTHDAY=31", schedule.RRULE_IMPOSSIBLE),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=20251231", schedule.RRULE_NO_OCCURRENCES),
        ("FREQ=WEEKLY;BYDAY=TU;UNTIL=tomorrow", schedule.RRULE_UNTIL_INVALID),
        ("FREQ=WEEKLY;BYDAY=TU;WKST=XX", schedule.RRULE_WKST_INVALID),
        ("FREQ=WEEKLY;BYDAY=TU;BYDAY=WE", schedule.RRULE_DUPLICATE_PART.format(part="BYDAY")),
        ("FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2", schedule.RRULE_UNSUPPORTED_PART.format(part="BYSETPOS")),
    ],
)
def test_invalid_rules_are_refused_with_a_clear_message(rrule, message):
    assert _rrule_errors(rrule) == [message]
    assert SessionSeries.objects.count() == 0
    assert Session.objects.count() == 0


def test_impossible_rule_is_refused_quickly_without_searching_to_year_9999():
    # dateutil alone would scan ~3 million days before giving up on February 30th.
    assert _rrule_errors("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30") == [schedule.RRULE_IMPOSSIBLE]


def test_rule_with_more_sessions_a_year_than_the_cap_is_refused():
    with override_settings(SESSION_MAX_PER_YEAR=120):
        assert _rrule_errors("FREQ=DAILY") == [schedule.RRULE_TOO_MANY % {"count": 365, "max": 120}]
        assert _weekly(rrule="FREQ=WEEKLY;BYDAY=TU,TH").pk
    # The default cap allows a group that meets every day.
    assert _weekly(rrule="FREQ=DAILY").pk


def test_dtstart_off_the_rule_moves_to_the_rules_first_date():
    # "From Wednesday January 7th, every Tuesday": the first session is the 13th.
    series = _weekly(rrule="FREQ=WEEKLY;BYDAY=TU;COUNT=3", dtstart=dt.datetime(2026, 1, 7, 19, 0))
    assert schedule.series_local_dtstart(series) == dt.datetime(2026, 1, 13, 19, 0)
    assert [s.day for s in _local_starts(series)] == [13, 20, 27]


def test_rule_whose_first_session_is_over_a_year_away_is_refused():
    # February 29th on a Monday: next in 2044.
    assert _rrule_errors("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO") == [schedule.RRULE_NONE_IN_FIRST_YEAR]


_VALID_PARTS = ["FREQ=MONTHLY", "INTERVAL=2", "BYMONTH=1,3", "BYDAY=2TU", "WKST=SU", "UNTIL=20270630T045959Z"]


@hypothesis_settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(_VALID_PARTS))
def test_a_rules_stored_text_lists_its_parts_in_one_order_whatever_order_they_were_typed(order):
    canonical, _ = schedule.validate_rrule(
        rrule=";".join(order), dtstart=dt.datetime(2026, 1, 6, 19, 0), timezone="America/Chicago"
    )
    assert canonical == ";".join(_VALID_PARTS)
    # The stored text validates to itself.
    assert schedule.normalize_rrule(rrule=canonical, dtstart=dt.datetime(2026, 1, 6, 19, 0), timezone="UTC") == (
        canonical
    )


# One bad value per part, in the order the parts are checked.
_BAD_PARTS = [
    ("INTERVAL=0", schedule.RRULE_INTERVAL_INVALID.format(max=schedule.MAX_INTERVAL)),
    ("WKST=XX", schedule.RRULE_WKST_INVALID),
    ("BYMONTH=13", schedule.RRULE_BYMONTH_INVALID),
    ("BYDAY=TUE", schedule.RRULE_BYDAY_INVALID),
    ("BYMONTHDAY=32", schedule.RRULE_BYMONTHDAY_INVALID),
    ("UNTIL=tomorrow", schedule.RRULE_UNTIL_INVALID),
]


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(bad=st.lists(st.sampled_from(_BAD_PARTS), min_size=1, max_size=len(_BAD_PARTS), unique=True), data=st.data())
def test_a_rule_with_several_bad_parts_reports_the_first_checked_whatever_their_order(bad, data):
    typed = data.draw(st.permutations(["FREQ=MONTHLY", *(part for part, _ in bad)]))
    first_checked = min(bad, key=_BAD_PARTS.index)[1]
    with pytest.raises(ValidationError) as info:
        schedule.validate_rrule(rrule=";".join(typed), dtstart=dt.datetime(2026, 1, 6, 19, 0), timezone="UTC")
    assert info.value.message_dict["rrule"] == [first_checked]


@pytest.mark.parametrize(
    ("rrule", "message"),
    [
        # The rule's shape is checked before its values, and FREQ before the other parts.
        ("FREQ=WEEKLY;BYDAY=TU\nDTSTART=20260106T190000", schedule.RRULE_DTSTART_PART),
        ("FREQ=WEEKLY;BYDAY=TUE;BYHOUR=19", schedule.RRULE_TIME_PARTS),
        ("FREQ=HOURLY;INTERVAL=0", schedule.RRULE_FREQ_INVALID),
        ("INTERVAL=0;COUNT=3;UNTIL=20260301", schedule.RRULE_FREQ_REQUIRED),
        ("FREQ=WEEKLY;INTERVAL=0;COUNT=3;UNTIL=20260301", schedule.RRULE_COUNT_AND_UNTIL),
        ("FREQ=WEEKLY;COUNT=0;INTERVAL=0", schedule.RRULE_COUNT_INVALID.format(max=schedule.MAX_COUNT)),
        # The day-number limit depends on the other parts.
        ("FREQ=YEARLY;BYDAY=54MO", schedule.RRULE_BYDAY_ORDINAL_RANGE.format(max=53)),
        ("FREQ=YEARLY;BYMONTH=3;BYDAY=6MO", schedule.RRULE_BYDAY_ORDINAL_RANGE.format(max=5)),
        ("FREQ=WEEKLY;INTERVAL=1,2", schedule.RRULE_INTERVAL_INVALID.format(max=schedule.MAX_INTERVAL)),
    ],
)
def test_which_rule_a_bad_rrule_breaks_first(rrule, message):
    assert _rrule_errors(rrule) == [message]


def test_a_yearly_rule_counts_weekday_numbers_through_the_year():
    canonical, first = schedule.validate_rrule(
        rrule="FREQ=YEARLY;BYDAY=20MO", dtstart=dt.datetime(2026, 1, 6, 19, 0), timezone="America/Chicago"
    )
    assert canonical == "FREQ=YEARLY;BYDAY=20MO"
    assert first == dt.datetime(2026, 5, 18, 19, 0)


def test_other_fields_are_validated_together_and_nothing_is_written():
    with pytest.raises(ValidationError) as info:
        schedule.series_create(
            group=SupportGroupFactory(),
            rrule="FREQ=WEEKLY;BYDAY=TU",
            dtstart=dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC),
            timezone="Mars/Olympus_Mons",
            duration_minutes=3,
            venue=VenueFactory(),
            now=NOW,
        )
    errors = info.value.message_dict
    assert errors["dtstart"] == [schedule.DTSTART_HAS_OFFSET]
    with pytest.raises(ValidationError) as info:
        _weekly(dtstart=dt.datetime(9999, 12, 28, 19, 0))
    assert info.value.message_dict["dtstart"] == [schedule.DTSTART_OUT_OF_RANGE]
    assert "Mars/Olympus_Mons" in errors["timezone"][0]
    assert errors["duration_minutes"] == [schedule.DURATION_INVALID]
    assert errors["venue"] == [schedule.VENUE_OTHER_ORGANIZATION]
    assert SessionSeries.objects.count() == 0


# --- Series edits ----------------------------------------------------------------------


def test_editing_the_time_moves_future_unmodified_sessions_and_keeps_past_and_changed_ones():
    series = _weekly()
    sessions = list(Session.objects.filter(series=series).order_by("starts_at"))
    now = sessions[2].starts_at + dt.timedelta(hours=3)  # after the third session
    cancelled = schedule.session_change(session=sessions[4], status="cancelled", note="Holiday", now=now)
    moved = schedule.session_change(
        session=sessions[5], starts_at=sessions[5].starts_at + dt.timedelta(days=1), now=now
    )
    rsvp_target = sessions[6]

    schedule.series_update(series=series, dtstart=dt.datetime(2026, 1, 6, 18, 30), now=now)

    series.refresh_from_db()
    assert series.sequence == 1
    past = Session.objects.filter(pk__in=[s.pk for s in sessions[:3]])
    assert [s.starts_at for s in past.order_by("starts_at")] == [s.starts_at for s in sessions[:3]]
    cancelled.refresh_from_db()
    moved.refresh_from_db()
    assert cancelled.status == "cancelled" and cancelled.starts_at == sessions[4].starts_at
    assert moved.starts_at == sessions[5].starts_at + dt.timedelta(days=1)
    future = Session.objects.filter(series=series, starts_at__gt=now, modified=False)
    assert future.exists()
    assert all(s.starts_at.astimezone(CHICAGO).time() == dt.time(18, 30) for s in future)
    # The 18:30 occurrences are new rows; the 19:00 ones are gone.
    assert not Session.objects.filter(pk=rsvp_target.pk).exists()
    assert AuditLog.objects.filter(action="series.update", target_id=str(series.pk)).exists()


def test_editing_the_duration_updates_future_sessions_in_place_with_a_new_sequence():
    series = _weekly()
    first_future = Session.objects.filter(series=series).order_by("starts_at")[1]
    now = first_future.starts_at - dt.timedelta(days=1)
    schedule.series_update(series=series, duration_minutes=120, now=now)
    first_future.refresh_from_db()
    assert first_future.ends_at - first_future.starts_at == dt.timedelta(minutes=120)
    assert first_future.sequence == 1 and not first_future.modified
    first = Session.objects.filter(series=series).order_by("starts_at")[0]
    assert first.ends_at - first.starts_at == dt.timedelta(minutes=90)


def test_a_series_edit_costs_the_same_queries_for_one_month_or_six_of_sessions():
    counts = {}
    for days in (30, 180):
        with override_settings(SESSION_HORIZON_DAYS=days):
            series = _weekly()
            with CaptureQueriesContext(connection) as queries:
                schedule.series_update(series=series, duration_minutes=120, now=NOW)
        counts[days] = len(queries)
        lengths = {s.ends_at - s.starts_at for s in Session.objects.filter(series=series, starts_at__gt=NOW)}
        assert lengths == {dt.timedelta(minutes=120)}
    assert counts[180] == counts[30]


def test_changing_the_day_replaces_future_sessions_but_keeps_a_cancelled_one():
    series = _weekly()
    sessions = list(Session.objects.filter(series=series).order_by("starts_at"))
    now = NOW
    schedule.session_change(session=sessions[3], status="cancelled", note="Snow", now=now)
    schedule.series_update(series=series, rrule="FREQ=WEEKLY;BYDAY=TH", dtstart=dt.datetime(2026, 1, 8, 19, 0), now=now)
    days = {s.starts_at.astimezone(CHICAGO).weekday() for s in Session.objects.filter(series=series, modified=False)}
    assert days == {3}
    assert Session.objects.get(pk=sessions[3].pk).status == "cancelled"


def test_a_no_op_edit_changes_nothing():
    series = _weekly()
    schedule.series_update(series=series, duration_minutes=90, now=NOW)
    series.refresh_from_db()
    assert series.sequence == 0


def test_invalid_edit_leaves_the_series_untouched():
    series = _weekly()
    count = Session.objects.count()
    with pytest.raises(ValidationError) as info:
        schedule.series_update(series=series, rrule="FREQ=HOURLY", now=NOW)
    assert info.value.message_dict["rrule"] == [schedule.RRULE_FREQ_INVALID]
    with pytest.raises(ValidationError) as info:
        schedule.series_update(series=series, group=SupportGroupFactory(), now=NOW)
    assert info.value.message_dict["group"] == [schedule.SERIES_FIELD_UNKNOWN.format(field="group")]
    series.refresh_from_db()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=TU" and series.sequence == 0
    assert Session.objects.count() == count


def test_ending_a_series_cancels_future_sessions_and_keeps_the_past():
    series = _weekly()
    sessions = list(Session.objects.filter(series=series).order_by("starts_at"))
    now = sessions[1].starts_at + dt.timedelta(hours=2)
    cancelled = schedule.series_end(series=series, now=now)
    assert cancelled == len(sessions) - 2
    statuses = list(Session.objects.filter(series=series).order_by("starts_at").values_list("status", flat=True))
    assert statuses[:2] == ["scheduled", "scheduled"]
    assert set(statuses[2:]) == {"cancelled"}
    assert Session.objects.filter(series=series, status="cancelled", note=schedule.SERIES_ENDED_NOTE).count() == (
        cancelled
    )
    series.refresh_from_db()
    assert not series.active and series.sequence == 1
    assert schedule.series_end(series=series, now=now) == 0
    with pytest.raises(ValidationError):
        schedule.series_update(series=series, duration_minutes=60, now=now)


# --- One-off changes ---------------------------------------------------------------------


def _future_session():
    series = _weekly()
    return Session.objects.filter(series=series).order_by("starts_at")[2]


def test_cancelling_needs_a_reason_and_raises_the_sequence():
    session = _future_session()
    with pytest.raises(ValidationError) as info:
        schedule.session_change(session=session, status="cancelled", now=NOW)
    assert info.value.message_dict["note"] == [schedule.SESSION_CANCEL_NEEDS_REASON]
    actor = UserFactory()
    changed = schedule.session_change(
        session=session, status="cancelled", note="Facilitator is unwell", actor=actor, now=NOW
    )
    assert (changed.status, changed.note, changed.sequence, changed.modified) == (
        "cancelled",
        "Facilitator is unwell",
        1,
        True,
    )
    log = AuditLog.objects.get(action="session.change")
    assert log.actor == actor and log.details["changed"] == ["note", "status"]
    assert "unwell" not in str(log.details)  # notes may name people; the log keeps ids only
    restored = schedule.session_change(session=session, status="scheduled", now=NOW)
    assert restored.status == "scheduled" and restored.sequence == 2


def test_every_change_raises_the_sequence_but_a_no_op_does_not():
    session = _future_session()
    schedule.session_change(session=session, note="Bring a photo", now=NOW)
    schedule.session_change(session=session, note="Bring a photo", now=NOW)
    venue = VenueFactory(organization=session.group.organization)
    changed = schedule.session_change(session=session, venue=venue, now=NOW)
    assert changed.sequence == 2 and changed.venue == venue
    changed = schedule.session_change(session=session, venue=None, now=NOW)
    assert changed.sequence == 3 and changed.venue is None


def test_moving_the_start_keeps_the_length_and_the_original_start():
    session = _future_session()
    original = session.starts_at
    new_start = dt.datetime(2026, 1, 21, 18, 0, tzinfo=CHICAGO)
    moved = schedule.session_change(session=session, starts_at=new_start, now=NOW)
    assert moved.starts_at == new_start
    assert moved.ends_at - moved.starts_at == dt.timedelta(minutes=90)
    assert moved.original_start == original
    assert moved.sequence == 1 and moved.modified
    # Re-materializing never brings the original occurrence back.
    assert schedule.materialize_series(series=session.series, now=NOW) == 0


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"starts_at": dt.datetime(2025, 12, 1, 19, 0, tzinfo=dt.UTC)}, "starts_at", schedule.SESSION_MOVE_TO_PAST),
        ({"starts_at": dt.datetime(2026, 1, 21, 19, 0)}, "starts_at", schedule.SESSION_NAIVE_TIME),
        (
            {
                "starts_at": dt.datetime(2026, 1, 21, 19, 0, tzinfo=dt.UTC),
                "ends_at": dt.datetime(2026, 1, 21, 18, 0, tzinfo=dt.UTC),
            },
            "ends_at",
            schedule.SESSION_END_BEFORE_START,
        ),
        ({"ends_at": dt.datetime(2026, 1, 30, 19, 0, tzinfo=dt.UTC)}, "ends_at", schedule.SESSION_TOO_LONG),
        ({"status": "postponed"}, "status", schedule.SESSION_STATUS_INVALID),
        ({"starts_at": dt.datetime(2027, 6, 1, 19, 0, tzinfo=dt.UTC)}, "starts_at", schedule.SESSION_MOVE_TOO_FAR),
        ({"starts_at": dt.datetime(9999, 12, 31, 23, 0, tzinfo=dt.UTC)}, "starts_at", schedule.SESSION_MOVE_TOO_FAR),
    ],
)
def test_bad_changes_are_refused(changes, field, message):
    session = _future_session()
    with pytest.raises(ValidationError) as info:
        schedule.session_change(session=session, now=NOW, **changes)
    assert info.value.message_dict[field] == [message]
    session.refresh_from_db()
    assert session.sequence == 0 and not session.modified


def test_cancelling_a_session_that_already_has_a_note_needs_no_new_one():
    session = _future_session()
    schedule.session_change(session=session, note="Room 2 this week", now=NOW)
    cancelled = schedule.session_change(session=session, status="cancelled", now=NOW)
    assert (cancelled.status, cancelled.note) == ("cancelled", "Room 2 this week")


def test_a_blank_note_does_not_count_as_a_reason_to_cancel():
    session = _future_session()
    with pytest.raises(ValidationError) as info:
        schedule.session_change(session=session, status="cancelled", note="   ", now=NOW)
    assert info.value.message_dict == {"note": [schedule.SESSION_CANCEL_NEEDS_REASON]}


def test_a_move_reports_only_the_first_rule_it_breaks_and_every_field_is_checked_together():
    session = _future_session()
    with pytest.raises(ValidationError) as info:
        schedule.session_change(
            session=session,
            status="postponed",
            starts_at=dt.datetime(2025, 12, 1, 19, 0, tzinfo=dt.UTC),
            ends_at=dt.datetime(2025, 12, 1, 18, 0, tzinfo=dt.UTC),
            venue=VenueFactory(),
            now=NOW,
        )
    assert info.value.message_dict == {
        "status": [schedule.SESSION_STATUS_INVALID],
        "starts_at": [schedule.SESSION_MOVE_TO_PAST],
        "venue": [schedule.VENUE_OTHER_ORGANIZATION],
    }


def test_a_naive_end_is_refused_without_judging_the_move():
    session = _future_session()
    with pytest.raises(ValidationError) as info:
        schedule.session_change(
            session=session,
            starts_at=dt.datetime(2025, 12, 1, 19, 0, tzinfo=dt.UTC),
            ends_at=dt.datetime(2025, 12, 1, 21, 0),
            now=NOW,
        )
    assert info.value.message_dict == {"ends_at": [schedule.SESSION_NAIVE_TIME]}


def test_moving_the_end_alone_keeps_the_start():
    session = _future_session()
    new_end = session.ends_at + dt.timedelta(minutes=30)
    moved = schedule.session_change(session=session, ends_at=new_end, now=NOW)
    assert (moved.starts_at, moved.ends_at) == (session.starts_at, new_end)
    log = AuditLog.objects.get(action="session.change")
    assert log.details == {"changed": ["ends_at"], "sequence": 1, "ends_at": new_end.isoformat()}


def test_venue_of_another_organization_is_refused():
    session = _future_session()
    with pytest.raises(ValidationError) as info:
        schedule.session_change(session=session, venue=VenueFactory(), now=NOW)
    assert info.value.message_dict["venue"] == [schedule.VENUE_OTHER_ORGANIZATION]


def test_past_sessions_never_change():
    session = _future_session()
    with pytest.raises(ValidationError) as info:
        schedule.session_change(session=session, note="late", now=session.starts_at + dt.timedelta(minutes=1))
    assert info.value.message_dict["session"] == [schedule.SESSION_IN_PAST]


def test_sessions_app_never_imports_notifications():
    root = Path(__file__).resolve().parents[2] / "sessions"
    offenders = [
        str(path)
        for path in root.rglob("*.py")
        if any(
            line.strip().startswith(("import notifications", "from notifications"))
            for line in path.read_text().splitlines()
        )
    ]
    assert offenders == []
