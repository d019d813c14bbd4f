"""Attendance writes: facilitators mark present / absent / excused; members RSVP.

Every staff read or write of attendance is audited (sessions.models.AuditLog),
because who came to a grief group is sensitive.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext_noop

from sessions.models import Attendance, AuditLog, Enrollment, Session, SupportGroup
from sessions.selectors.attendance import on_roster_at
from sessions.services.audit import audit_record

ATTENDANCE_NOT_STARTED = gettext_noop("Attendance can be taken once the session has started.")
ATTENDANCE_CANCELLED = gettext_noop("This session was cancelled; there is no attendance to take.")
ATTENDANCE_UNKNOWN_ENROLLMENT = gettext_noop("Enrollment %(id)s is not on this group's roster.")
ATTENDANCE_DUPLICATE_ENROLLMENT = gettext_noop("Enrollment %(id)s is listed more than once.")
ATTENDANCE_MARK_INVALID = gettext_noop("Attendance must be present, absent, excused or null.")
RSVP_INVALID = gettext_noop("RSVP must be yes, no or unknown.")
RSVP_PAST = "You can no longer RSVP: the session has started."
RSVP_NOT_ACTIVE = "Only active members can RSVP."
RSVP_CANCELLED = "This session was cancelled."


def attendance_audit(*, actor, group: SupportGroup, action: str, target, details: dict | None = None) -> AuditLog:
    """Record that staff looked at or changed attendance (ids only, never names)."""
    return audit_record(action=action, actor=actor, group=group, target=target, details=details)


def roster_enrollment_ids(*, session: Session) -> set[int]:
    """Who can be marked: active members now, whoever was on the roster at the session
    (its attendance page lists them), plus anyone already marked or RSVP'd."""
    active = Enrollment.objects.filter(group_id=session.group_id).filter(
        Q(status=Enrollment.Status.ACTIVE) | on_roster_at(session)
    )
    recorded = Attendance.objects.filter(session=session).values_list("enrollment_id", flat=True)
    return set(active.values_list("pk", flat=True)) | set(recorded)


def _check_attendance_can_be_taken(session: Session, *, now: dt.datetime) -> None:
    if session.status == Session.Status.CANCELLED:
        raise ValidationError({"session": [ATTENDANCE_CANCELLED]})
    if session.starts_at > now:
        raise ValidationError({"session": [ATTENDANCE_NOT_STARTED]})


def _mark_errors(marks: list[tuple[int, str | None]], *, roster: set[int]) -> list[ValidationError]:
    """Every problem with the marks, in the order given: each enrollment once, on the
    roster, with a known mark or None."""
    seen: set[int] = set()
    errors: list[ValidationError] = []
    for enrollment_id, mark in marks:
        if enrollment_id in seen:
            errors.append(ValidationError(ATTENDANCE_DUPLICATE_ENROLLMENT, params={"id": enrollment_id}))
        seen.add(enrollment_id)
        if enrollment_id not in roster:
            errors.append(ValidationError(ATTENDANCE_UNKNOWN_ENROLLMENT, params={"id": enrollment_id}))
        if mark is not None and mark not in Attendance.Mark.values:
            errors.append(ATTENDANCE_MARK_INVALID)
    return errors


def _mark_writes(session: Session, marks: list[tuple[int, str | None]]) -> tuple[list[Attendance], list[Attendance]]:
    """(rows to create, rows to update): a clear with no row, or an unchanged mark, writes nothing."""
    enrollment_ids = {enrollment_id for enrollment_id, _ in marks}
    existing = {
        row.enrollment_id: row for row in Attendance.objects.filter(session=session, enrollment_id__in=enrollment_ids)
    }
    to_create, to_update = [], []
    for enrollment_id, mark in marks:
        row = existing.get(enrollment_id)
        if row is None:
            if mark is not None:
                to_create.append(Attendance(session=session, enrollment_id=enrollment_id, attendance=mark))
        elif row.attendance != mark:
            row.attendance = mark
            row.updated_at = dj_timezone.now()  # what auto_now would stamp; bulk_update does not
            to_update.append(row)
    return to_create, to_update


@transaction.atomic
def attendance_mark(
    *,
    session: Session,
    marks: Iterable[tuple[int, str | None]],
    actor=None,
    now: dt.datetime | None = None,
) -> int:
    """Set (or clear, with None) marks for enrollments on the roster. All or nothing.

    Returns the number of rows whose mark changed.
    """
    now = now or dj_timezone.now()
    session = Session.objects.select_for_update().select_related("group").get(pk=session.pk)
    _check_attendance_can_be_taken(session, now=now)
    marks = list(marks)
    errors = _mark_errors(marks, roster=roster_enrollment_ids(session=session))
    if errors:
        raise ValidationError({"marks": errors})

    to_create, to_update = _mark_writes(session, marks)
    # A whole roster is marked in two statements, not one per member.
    Attendance.objects.bulk_create(to_create)
    Attendance.objects.bulk_update(to_update, ["attendance", "updated_at"])
    changed = len(to_create) + len(to_update)
    attendance_audit(
        actor=actor,
        group=session.group,
        action="attendance.update",
        target=session,
        details={"marks": {str(enrollment_id): mark for enrollment_id, mark in marks}, "changed": changed},
    )
    return changed


@transaction.atomic
def attendance_rsvp(*, session: Session, enrollment: Enrollment, rsvp: str, now: dt.datetime | None = None):
    """A member's yes / no for one session (idempotent upsert)."""
    now = now or dj_timezone.now()
    if rsvp not in Attendance.Rsvp.values:
        raise ValidationError({"rsvp": [RSVP_INVALID]})
    if enrollment.group_id != session.group_id or enrollment.status != Enrollment.Status.ACTIVE:
        raise ValidationError({"rsvp": [RSVP_NOT_ACTIVE]})
    if session.status == Session.Status.CANCELLED:
        raise ValidationError({"rsvp": [RSVP_CANCELLED]})
    if session.starts_at <= now:
        raise ValidationError({"rsvp": [RSVP_PAST]})
    row, _ = Attendance.objects.update_or_create(session=session, enrollment=enrollment, defaults={"rsvp": rsvp})
    return row
