"""Attendance reads: a session's roster, the CSV export, the follow-up list."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery
from django.db.models.lookups import Exact
from django.utils import timezone as dj_timezone

from sessions.models import Attendance, Enrollment, EnrollmentEvent, Session, SupportGroup

# Facilitators check in after this many missed sessions in a row.
FOLLOW_UP_MISSED = 2
# Look no further back than this for "their last sessions".
FOLLOW_UP_LOOKBACK_DAYS = 180


# The statuses a member reaches by leaving the roster (or being taken off it).
GONE = (Enrollment.Status.LEFT, Enrollment.Status.REMOVED)


@dataclass(frozen=True)
class RosterEntry:
    enrollment_id: int
    member_id: int
    display_name: str
    enrollment_status: str
    rsvp: str
    attendance: str | None


def session_roster(*, session: Session) -> list[RosterEntry]:
    """Who was on the group's roster at the session, plus anyone with a record for it.

    A past session lists the people who were members then: someone who joined
    after it is not listed, someone who left after it still is (see
    `on_roster_at`). An upcoming session lists today's active members. Two
    queries whatever the roster size.
    """
    records = {row.enrollment_id: row for row in Attendance.objects.filter(session=session)}
    rows = (
        Enrollment.objects.filter(group_id=session.group_id)
        .filter(on_roster_at(session) | Q(pk__in=list(records)))
        .select_related("member")
        .order_by("member__display_name", "pk")
    )
    result = []
    for enrollment in rows:
        record = records.get(enrollment.pk)
        result.append(
            RosterEntry(
                enrollment_id=enrollment.pk,
                member_id=enrollment.member_id,
                display_name=enrollment.member.display_name,
                enrollment_status=enrollment.status,
                rsvp=record.rsvp if record else Attendance.Rsvp.UNKNOWN,
                attendance=record.attendance if record else None,
            )
        )
    return result


def on_roster_at(session: Session) -> Q:
    """Enrollments that were active at some moment of the session (a filter on Enrollment).

    Read from the status history (EnrollmentEvent, one row per change): active
    at its start — the last change at or before the start made them active —
    or made active while it ran (a facilitator adding someone at the meeting).
    For a session still to come the last change is today's status, so it is
    today's active members. An enrollment without any history (written outside
    the enrollment service) falls back to its own timestamps: active now and
    active since before the session ended, or left / removed after the session
    started having been made active (`activated_at`) before it ended.
    """
    active = Enrollment.Status.ACTIVE
    events = EnrollmentEvent.objects.filter(enrollment=OuterRef("pk"))
    last_before_start = events.filter(created_at__lte=session.starts_at).order_by("-created_at", "-pk")
    status_at_start = Subquery(last_before_start.values("to_status")[:1])
    activated_while_running = events.filter(
        to_status=active, created_at__gt=session.starts_at, created_at__lte=session.ends_at
    )
    without_history = ~Q(Exists(events)) & (
        Q(status=active, activated_at__lte=session.ends_at)
        | Q(status=active, activated_at__isnull=True, created_at__lte=session.ends_at)
        | Q(status__in=GONE, activated_at__lte=session.ends_at, status_changed_at__gt=session.starts_at)
    )
    return Q(Exact(status_at_start, active)) | Q(Exists(activated_while_running)) | without_history


def attendance_records(*, group: SupportGroup, start: dt.datetime, end: dt.datetime):
    """Attendance rows of the group's sessions starting in [start, end), for the CSV."""
    return (
        Attendance.objects.filter(session__group=group, session__starts_at__gte=start, session__starts_at__lt=end)
        .select_related("session", "session__series", "enrollment", "enrollment__member")
        .order_by("session__starts_at", "session_id", "enrollment__member__display_name", "pk")
    )


@dataclass(frozen=True)
class FollowUp:
    enrollment_id: int
    member_id: int
    display_name: str
    missed_session_ids: tuple[int, ...]
    last_attended_at: dt.datetime | None
    # The member's own language (texts to them are written in it).
    language: str = ""


def follow_up_list(*, group: SupportGroup, now: dt.datetime | None = None) -> list[FollowUp]:
    """Active members who missed their last two sessions.

    A member's "last sessions" are the group's latest past, non-cancelled sessions
    *where attendance was taken* (someone has a mark) since the member became active.
    Missed = marked absent, or left unmarked while others were marked. Excused is not
    missed. Three queries whatever the roster size.
    """
    now = now or dj_timezone.now()
    since = now - dt.timedelta(days=FOLLOW_UP_LOOKBACK_DAYS)
    taken_ids = (
        Attendance.objects.filter(
            session__group=group,
            session__status=Session.Status.SCHEDULED,
            session__starts_at__lte=now,
            session__starts_at__gte=since,
            attendance__isnull=False,
        )
        .values_list("session_id", flat=True)
        .distinct()
    )
    sessions = list(Session.objects.filter(pk__in=taken_ids).order_by("-starts_at").only("pk", "starts_at"))
    marks: dict[tuple[int, int], str | None] = {
        (row[0], row[1]): row[2]
        for row in Attendance.objects.filter(session_id__in=[s.pk for s in sessions]).values_list(
            "session_id", "enrollment_id", "attendance"
        )
    }
    result = []
    active = (
        Enrollment.objects.filter(group=group, status=Enrollment.Status.ACTIVE)
        .select_related("member")
        .order_by("member__display_name", "pk")
    )
    for enrollment in active:
        joined = enrollment.activated_at or enrollment.created_at
        theirs = [s for s in sessions if joined is None or s.starts_at >= joined]
        last_present = next(
            (s.starts_at for s in theirs if marks.get((s.pk, enrollment.pk)) == Attendance.Mark.PRESENT), None
        )
        recent = theirs[:FOLLOW_UP_MISSED]
        if len(recent) < FOLLOW_UP_MISSED:
            continue
        if all(marks.get((s.pk, enrollment.pk)) in (None, Attendance.Mark.ABSENT) for s in recent):
            result.append(
                FollowUp(
                    enrollment_id=enrollment.pk,
                    member_id=enrollment.member_id,
                    display_name=enrollment.member.display_name,
                    missed_session_ids=tuple(s.pk for s in recent),
                    last_attended_at=last_present,
                    language=enrollment.member.language,
                )
            )
    return result
