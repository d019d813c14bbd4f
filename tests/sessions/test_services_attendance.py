from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sessions.models import Attendance, AuditLog
from sessions.selectors.attendance import follow_up_list, session_roster
from sessions.services import attendance
from tests.factories import (
    EnrollmentFactory,
    MemberFactory,
    SessionFactory,
    SessionSeriesFactory,
    SupportGroupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
JOINED = NOW - dt.timedelta(days=60)


def _sessions(group, *, count: int, status: str = "scheduled"):
    """`count` weekly past sessions of the group, oldest first, the last one a day ago."""
    series = SessionSeriesFactory(group=group, dtstart=dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC))
    return [
        SessionFactory(series=series, starts_at=NOW - dt.timedelta(days=1 + 7 * (count - 1 - i)), status=status)
        for i in range(count)
    ]


def _series(group):
    return SessionSeriesFactory(group=group, dtstart=dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC))


def _member(group, **fields):
    return EnrollmentFactory(group=group, activated_at=fields.pop("activated_at", JOINED), **fields)


def test_marks_are_saved_changed_and_cleared_and_audited():
    group = SupportGroupFactory()
    (session,) = _sessions(group, count=1)
    ana, ben = _member(group), _member(group)
    actor = UserFactory()
    changed = attendance.attendance_mark(
        session=session, marks=[(ana.pk, "present"), (ben.pk, "absent")], actor=actor, now=NOW
    )
    assert changed == 2
    assert attendance.attendance_mark(session=session, marks=[(ana.pk, "present")], actor=actor, now=NOW) == 0
    assert attendance.attendance_mark(session=session, marks=[(ben.pk, "excused")], actor=actor, now=NOW) == 1
    assert attendance.attendance_mark(session=session, marks=[(ana.pk, None)], actor=actor, now=NOW) == 1
    marks = dict(Attendance.objects.filter(session=session).values_list("enrollment_id", "attendance"))
    assert marks == {ana.pk: None, ben.pk: "excused"}
    logs = AuditLog.objects.filter(action="attendance.update", target_id=str(session.pk))
    assert logs.count() == 4 and logs.first().actor == actor


def test_remarking_a_roster_costs_the_same_queries_for_2_or_20_members():
    counts = {}
    for size in (2, 20):
        group = SupportGroupFactory()
        (session,) = _sessions(group, count=1)
        members = [_member(group) for _ in range(size)]
        attendance.attendance_mark(session=session, marks=[(m.pk, "absent") for m in members], now=NOW)
        with CaptureQueriesContext(connection) as queries:
            changed = attendance.attendance_mark(session=session, marks=[(m.pk, "present") for m in members], now=NOW)
        counts[size] = len(queries)
        assert changed == size
        assert set(Attendance.objects.filter(session=session).values_list("attendance", flat=True)) == {"present"}
    assert counts[20] == counts[2]


def test_attendance_waits_until_the_session_starts_and_not_for_cancelled_ones():
    group = SupportGroupFactory()
    member = _member(group)
    future = SessionFactory(series=_series(group), starts_at=NOW + dt.timedelta(hours=1))
    with pytest.raises(ValidationError) as info:
        attendance.attendance_mark(session=future, marks=[(member.pk, "present")], now=NOW)
    assert info.value.message_dict["session"] == [attendance.ATTENDANCE_NOT_STARTED]
    (cancelled,) = _sessions(group, count=1, status="cancelled")
    with pytest.raises(ValidationError) as info:
        attendance.attendance_mark(session=cancelled, marks=[(member.pk, "present")], now=NOW)
    assert info.value.message_dict["session"] == [attendance.ATTENDANCE_CANCELLED]


def test_one_bad_mark_writes_nothing():
    group = SupportGroupFactory()
    (session,) = _sessions(group, count=1)
    member = _member(group)
    outsider = EnrollmentFactory()  # another group's roster
    waiting = _member(group, status="requested")
    with pytest.raises(ValidationError) as info:
        attendance.attendance_mark(
            session=session,
            marks=[(member.pk, "present"), (outsider.pk, "present"), (waiting.pk, "absent"), (member.pk, "late")],
            now=NOW,
        )
    assert info.value.message_dict["marks"] == [
        attendance.ATTENDANCE_UNKNOWN_ENROLLMENT % {"id": outsider.pk},
        attendance.ATTENDANCE_UNKNOWN_ENROLLMENT % {"id": waiting.pk},
        attendance.ATTENDANCE_DUPLICATE_ENROLLMENT % {"id": member.pk},
        attendance.ATTENDANCE_MARK_INVALID,
    ]
    assert not Attendance.objects.exists()
    assert not AuditLog.objects.exists()


def test_roster_lists_active_members_and_past_attendees_with_rsvps():
    group = SupportGroupFactory()
    (session,) = _sessions(group, count=1)
    active = _member(group, member=MemberFactory(display_name="Ana"))
    left = _member(group, member=MemberFactory(display_name="Ben"))
    _member(group, member=MemberFactory(display_name="Cy"), status="waitlisted", waitlist_position=1)
    Attendance.objects.create(session=session, enrollment=active, rsvp="yes")
    attendance.attendance_mark(session=session, marks=[(left.pk, "present")], now=NOW)
    left.status = "left"
    left.save()
    roster = session_roster(session=session)
    assert [(r.display_name, r.enrollment_status, r.rsvp, r.attendance) for r in roster] == [
        ("Ana", "active", "yes", None),
        ("Ben", "left", "unknown", "present"),
    ]


def test_rsvp_only_for_active_members_before_the_session():
    group = SupportGroupFactory()
    member = _member(group)
    session = SessionFactory(series=_series(group), starts_at=NOW + dt.timedelta(days=1))
    row = attendance.attendance_rsvp(session=session, enrollment=member, rsvp="yes", now=NOW)
    again = attendance.attendance_rsvp(session=session, enrollment=member, rsvp="no", now=NOW)
    assert row.pk == again.pk and again.rsvp == "no"
    with pytest.raises(ValidationError) as info:
        attendance.attendance_rsvp(session=session, enrollment=member, rsvp="maybe", now=NOW)
    assert info.value.message_dict["rsvp"] == [attendance.RSVP_INVALID]
    with pytest.raises(ValidationError) as info:
        attendance.attendance_rsvp(session=session, enrollment=member, rsvp="yes", now=session.starts_at)
    assert info.value.message_dict["rsvp"] == [attendance.RSVP_PAST]
    waiting = _member(group, status="requested")
    with pytest.raises(ValidationError) as info:
        attendance.attendance_rsvp(session=session, enrollment=waiting, rsvp="yes", now=NOW)
    assert info.value.message_dict["rsvp"] == [attendance.RSVP_NOT_ACTIVE]


def _mark(session, marks):
    attendance.attendance_mark(session=session, marks=marks, now=NOW)


def test_follow_up_lists_members_who_missed_their_last_two_sessions():
    group = SupportGroupFactory()
    s1, s2, s3 = _sessions(group, count=3)
    missed_two = _member(group, member=MemberFactory(display_name="Ana"))
    came_back = _member(group, member=MemberFactory(display_name="Ben"))
    excused = _member(group, member=MemberFactory(display_name="Cy"))
    _member(group, member=MemberFactory(display_name="Dee"))  # never marked while others were
    newcomer = _member(group, member=MemberFactory(display_name="Eve"), activated_at=s3.starts_at - dt.timedelta(1))
    _mark(s1, [(missed_two.pk, "present"), (came_back.pk, "absent"), (excused.pk, "present")])
    _mark(s2, [(missed_two.pk, "absent"), (came_back.pk, "absent"), (excused.pk, "excused")])
    _mark(s3, [(missed_two.pk, "absent"), (came_back.pk, "present"), (excused.pk, "absent")])
    _mark(s3, [(newcomer.pk, "absent")])

    rows = follow_up_list(group=group, now=NOW)
    assert [r.display_name for r in rows] == ["Ana", "Dee"]
    ana = rows[0]
    assert ana.missed_session_ids == (s3.pk, s2.pk)
    assert ana.last_attended_at == s1.starts_at


def test_follow_up_ignores_sessions_without_attendance_and_cancelled_ones():
    group = SupportGroupFactory()
    s1, s2, not_taken = _sessions(group, count=3)
    (cancelled,) = _sessions(group, count=1, status="cancelled")
    member = _member(group)
    other = _member(group)
    _mark(s1, [(member.pk, "absent"), (other.pk, "present")])
    _mark(s2, [(member.pk, "present"), (other.pk, "present")])
    # The latest session had no attendance taken, the cancelled one never happened:
    # the member's last two sessions are s2 (present) and s1.
    assert follow_up_list(group=group, now=NOW) == []
    assert cancelled.status == "cancelled" and not_taken.attendance.count() == 0


def test_follow_up_uses_a_fixed_number_of_queries(django_assert_max_num_queries):
    group = SupportGroupFactory()
    sessions = _sessions(group, count=4)
    members = [_member(group) for _ in range(8)]
    for session in sessions:
        _mark(session, [(m.pk, "absent") for m in members])
    with django_assert_max_num_queries(3):
        rows = follow_up_list(group=group, now=NOW)
    assert len(rows) == 8


def test_clearing_a_mark_that_was_never_set_writes_no_row():
    group = SupportGroupFactory()
    (session,) = _sessions(group, count=1)
    member = _member(group)
    assert attendance.attendance_mark(session=session, marks=[(member.pk, None)], now=NOW) == 0
    assert not Attendance.objects.exists()


def test_a_cancelled_session_still_ahead_is_refused_as_cancelled():
    group = SupportGroupFactory()
    member = _member(group)
    future = SessionFactory(series=_series(group), starts_at=NOW + dt.timedelta(hours=1), status="cancelled")
    with pytest.raises(ValidationError) as info:
        attendance.attendance_mark(session=future, marks=[(member.pk, "present")], now=NOW)
    assert info.value.message_dict == {"session": [attendance.ATTENDANCE_CANCELLED]}
