"""A session's attendance list is who was on the roster at that session, read from the status history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from sessions.models import Attendance, Enrollment
from sessions.selectors.attendance import session_roster
from sessions.services import attendance as attendance_services
from sessions.services import enrollment as enrollment_services
from tests.factories import EnrollmentFactory, MemberFactory, SessionFactory, SessionSeriesFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
PAST_START = NOW - dt.timedelta(days=7)
BEFORE = PAST_START - dt.timedelta(days=7)
AFTER = PAST_START + dt.timedelta(days=2)


@pytest.fixture
def group():
    return SupportGroupFactory(capacity=None, enrollment_mode="drop_in")


@pytest.fixture
def sessions(group):
    series = SessionSeriesFactory(group=group, dtstart=dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC))
    past = SessionFactory(series=series, starts_at=PAST_START, ends_at=PAST_START + dt.timedelta(minutes=90))
    upcoming = SessionFactory(series=series, starts_at=NOW + dt.timedelta(days=1))
    return past, upcoming


def _at(instant: dt.datetime, action, **kwargs):
    # The services stamp the status history with the "now" they are given, not the wall clock.
    return action(now=instant, **kwargs)


def _join(group, name: str, at: dt.datetime) -> Enrollment:
    member = MemberFactory(organization=group.organization, display_name=name)
    enrollment, _ = _at(at, enrollment_services.enrollment_join, group=group, member=member)
    return enrollment


def _leave(enrollment: Enrollment, at: dt.datetime) -> None:
    _at(at, enrollment_services.enrollment_leave, enrollment=enrollment)


def _names(session) -> list[str]:
    return [entry.display_name for entry in session_roster(session=session)]


def test_a_past_session_lists_who_was_on_the_roster_then(group, sessions):
    past, upcoming = sessions
    _join(group, "Ana", BEFORE)
    _join(group, "Ben", AFTER)  # joined after the session
    _leave(_join(group, "Cy", BEFORE), AFTER)  # left after the session
    _leave(_join(group, "Dee", BEFORE - dt.timedelta(days=7)), BEFORE)  # left before it
    _join(group, "Eve", PAST_START + dt.timedelta(minutes=20))  # added at the meeting
    rejoined = _join(group, "Fay", BEFORE - dt.timedelta(days=7))
    _leave(rejoined, BEFORE)
    _at(AFTER, enrollment_services.enrollment_join, group=group, member=rejoined.member)  # back after it

    with time_machine.travel(NOW, tick=False):
        assert _names(past) == ["Ana", "Cy", "Eve"]
        # A session still to come lists today's active members, as before.
        assert _names(upcoming) == ["Ana", "Ben", "Eve", "Fay"]


def test_anyone_with_a_record_is_listed_whenever_they_joined(group, sessions):
    past, _ = sessions
    later = _join(group, "Ben", AFTER)
    Attendance.objects.create(session=past, enrollment=later, attendance="present")
    assert _names(past) == ["Ben"]


def test_someone_who_left_after_the_session_can_be_marked_from_its_list(group, sessions):
    past, _ = sessions
    gone = _join(group, "Cy", BEFORE)
    _leave(gone, AFTER)
    attendance_services.attendance_mark(session=past, marks=[(gone.pk, "present")], now=NOW)
    assert [(e.display_name, e.enrollment_status, e.attendance) for e in session_roster(session=past)] == [
        ("Cy", "left", "present")
    ]


def test_without_history_the_enrollments_own_dates_decide(group, sessions):
    """Rows written outside the enrollment service have no status history."""
    past, _ = sessions
    EnrollmentFactory(group=group, member=MemberFactory(display_name="Ana"), activated_at=BEFORE)
    EnrollmentFactory(group=group, member=MemberFactory(display_name="Ben"), activated_at=AFTER)
    left = EnrollmentFactory(group=group, member=MemberFactory(display_name="Cy"), activated_at=BEFORE)
    Enrollment.objects.filter(pk=left.pk).update(status="left", status_changed_at=AFTER)
    gone_before = EnrollmentFactory(group=group, member=MemberFactory(display_name="Dee"), activated_at=BEFORE)
    Enrollment.objects.filter(pk=gone_before.pk).update(status="removed", status_changed_at=BEFORE)
    waiting = EnrollmentFactory(
        group=group,
        member=MemberFactory(display_name="Eve"),
        activated_at=BEFORE,
        status="waitlisted",
        waitlist_position=1,
    )
    Enrollment.objects.filter(pk=waiting.pk).update(status_changed_at=AFTER)
    assert _names(past) == ["Ana", "Cy"]


@pytest.mark.parametrize("size", [1, 30])
def test_the_list_costs_two_queries_at_any_size(group, sessions, size, django_assert_num_queries):
    past, _ = sessions
    for n in range(size):
        _leave(_join(group, f"Member {n}", BEFORE), AFTER)
        _join(group, f"Later {n}", AFTER)
    with django_assert_num_queries(2):
        assert len(session_roster(session=past)) == size


def test_the_status_history_is_stamped_with_the_services_now(group):
    member = MemberFactory(organization=group.organization, display_name="Ana")
    enrollment, _ = enrollment_services.enrollment_join(group=group, member=member, now=BEFORE)
    enrollment_services.enrollment_leave(enrollment=enrollment, now=AFTER)
    enrollment.refresh_from_db()
    assert (enrollment.created_at, enrollment.activated_at, enrollment.status_changed_at) == (BEFORE, BEFORE, AFTER)
    assert [(e.to_status, e.created_at) for e in enrollment.events.order_by("pk")] == [
        ("active", BEFORE),
        ("left", AFTER),
    ]
