"""Roster rules: joining, capacity, the waitlist, approvals, leaving.

Every seat-changing operation locks the group's row (SELECT … FOR UPDATE inside
one transaction) before it counts seats, so two people racing for the last seat
are served one after the other: one gets it, the other is waitlisted.

Every status change writes one EnrollmentEvent with a reason code (the
REASON_* constants below, documented in docs/rosters.md); the notifications
app derives "you're in", "approved" and "a seat opened for you" notices from
those rows. Every change is also written to the audit log.

Choices where the issue is silent:
- A member who left may join again (reason "join" from "left"); a declined or
  removed member gets their old record back unchanged, so a public join cannot
  undo a facilitator's decision. A facilitator can still add them directly.
- Cohort groups work like approval groups: a join is a request.
- Capacity counts active members only; lowering it below the active count
  removes nobody, it only stops new seats being given.
- Waitlist positions are always 1..n without gaps, in the order people will move up.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_noop

from sessions.models import Enrollment, EnrollmentEvent, Member, SupportGroup
from sessions.services.audit import ACTOR_MEMBER, actor_label_for, audit_record

Status = Enrollment.Status

# EnrollmentEvent.reason codes. Notifications depend on these exact strings.
REASON_JOIN = "join"  # the member joined (new, or again after leaving): to requested/active/waitlisted
REASON_ADD = "add"  # a facilitator put the member on the roster directly: to active/waitlisted
REASON_APPROVE = "approve"  # a facilitator approved: requested -> active, or -> waitlisted when full
REASON_DECLINE = "decline"  # a facilitator declined: -> declined
REASON_REMOVE = "remove"  # a facilitator removed: -> removed
REASON_WAITLIST = "waitlist"  # a facilitator moved someone onto the waitlist: -> waitlisted
REASON_LEAVE = "leave"  # the member left through their self-service link: -> left
REASON_PROMOTE = "promote"  # a seat freed and the first on the waitlist moved up: waitlisted -> active
REASON_ERASE = "erase"  # the member erased their data: -> left (send them nothing)

ON_ROSTER = (Status.REQUESTED, Status.ACTIVE, Status.WAITLISTED)
ENDED = (Status.LEFT, Status.DECLINED, Status.REMOVED)

MEMBER_ERASED = gettext_noop("This member's data has been erased; they cannot be put on a roster.")
# Members belong to the organization that collected their data (docs/privacy.md);
# a check constraint cannot span tables, so these services are the guard.
OTHER_ORGANIZATION = gettext_noop(
    "This member belongs to another organization's records; they cannot join this group's roster."
)
CANNOT_APPROVE = gettext_noop("Only a requested or waitlisted enrollment can be approved; this one is %(status)s.")
GROUP_FULL = gettext_noop(
    "The group is full. Raise its capacity, or wait until a seat frees and the waitlist moves up."
)
CANNOT_DECLINE = gettext_noop(
    "Only a requested, waitlisted or active enrollment can be declined; this one is %(status)s."
)
CANNOT_REMOVE = gettext_noop(
    "Only a requested, waitlisted or active enrollment can be removed; this one is %(status)s."
)
CANNOT_WAITLIST = gettext_noop(
    "Only a requested or active enrollment can be put on the waitlist; this one is %(status)s."
)
CANNOT_LEAVE = gettext_noop("You are no longer on this group's roster.")
CANNOT_MOVE = gettext_noop("Only a waitlisted enrollment can be moved on the waitlist; this one is %(status)s.")
BAD_POSITION = gettext_noop("The waitlist position must be between 1 and %(count)s.")


def _refusal(field: str, message: str, *, code: str, **params) -> ValidationError:
    # The values go in params, not into the message, so a page can look the message up in its language.
    return ValidationError({field: ValidationError(message, params=params, code=code)})


def _lock_group(group_id: int) -> SupportGroup:
    # The one lock every seat-changing operation takes first: it serializes
    # seat counting per group without blocking other groups.
    return SupportGroup.objects.select_for_update().get(pk=group_id)


def _active_count(group: SupportGroup) -> int:
    return Enrollment.objects.filter(group=group, status=Status.ACTIVE).count()


def _seat_free(group: SupportGroup) -> bool:
    return group.capacity is None or _active_count(group) < group.capacity


def _next_waitlist_position(group: SupportGroup) -> int:
    highest = Enrollment.objects.filter(group=group, status=Status.WAITLISTED).aggregate(
        highest=Max("waitlist_position")
    )["highest"]
    return (highest or 0) + 1


def _renumber_waitlist(group: SupportGroup, *, first: Enrollment | None = None, position: int | None = None) -> None:
    """Make positions 1..n again, keeping order; optionally put `first` at `position`."""
    waiting = list(Enrollment.objects.filter(group=group, status=Status.WAITLISTED).order_by("waitlist_position", "id"))
    if first is not None and position is not None:
        waiting = [e for e in waiting if e.pk != first.pk]
        waiting.insert(position - 1, first)
    moved = []
    for index, enrollment in enumerate(waiting, start=1):
        if enrollment.waitlist_position != index:
            enrollment.waitlist_position = index
            moved.append(enrollment)
    # One UPDATE for the whole waitlist, not one per person who moved.
    Enrollment.objects.bulk_update(moved, ["waitlist_position"])


def _user_or_none(actor):
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _change_status(
    enrollment: Enrollment,
    *,
    to_status: str,
    reason: str,
    actor,
    actor_label: str,
    now: dt.datetime,
) -> EnrollmentEvent:
    """Set the status (and waitlist position, timestamps), save, write the event and the audit entry.

    Works for a new, unsaved enrollment too: its event has from_status "".
    """
    from_status = enrollment.status if enrollment.pk else ""
    if to_status == Status.WAITLISTED:
        enrollment.waitlist_position = _next_waitlist_position(enrollment.group)
    else:
        enrollment.waitlist_position = None
    enrollment.status = to_status
    enrollment.status_changed_at = now
    if not enrollment.pk:
        enrollment.created_at = now
    if to_status == Status.ACTIVE:
        enrollment.activated_at = now
    enrollment.full_clean(exclude=["member", "group"], validate_unique=False, validate_constraints=False)
    enrollment.save()
    event_actor = _user_or_none(actor)
    event = EnrollmentEvent.objects.create(
        enrollment=enrollment,
        from_status=from_status,
        to_status=to_status,
        actor=event_actor,
        reason=reason,
        created_at=now,
    )
    audit_record(
        action=f"roster.{reason}",
        actor=event_actor,
        actor_label=actor_label,
        group=enrollment.group,
        target=enrollment,
        details={
            "member_id": enrollment.member_id,
            "from_status": from_status,
            "to_status": to_status,
            "waitlist_position": enrollment.waitlist_position,
        },
    )
    return event


def _fill_free_seats(
    group: SupportGroup, *, actor, actor_label: str, now: dt.datetime, skip: Enrollment | None = None
) -> list[Enrollment]:
    """Promote from the head of the waitlist while seats are free. Caller holds the group lock."""
    waiting = Enrollment.objects.filter(group=group, status=Status.WAITLISTED).order_by("waitlist_position", "id")
    if skip is not None:
        waiting = waiting.exclude(pk=skip.pk)
    if group.capacity is None:
        to_promote = list(waiting)
    else:
        free = group.capacity - _active_count(group)
        to_promote = list(waiting[:free]) if free > 0 else []
    for enrollment in to_promote:
        enrollment.group = group
        _change_status(
            enrollment, to_status=Status.ACTIVE, reason=REASON_PROMOTE, actor=actor, actor_label=actor_label, now=now
        )
    if to_promote:
        _renumber_waitlist(group)
    return to_promote


def _locked_enrollment(enrollment: Enrollment) -> tuple[SupportGroup, Enrollment]:
    group = _lock_group(enrollment.group_id)
    fresh = Enrollment.objects.select_related("member").get(pk=enrollment.pk)
    fresh.group = group
    return group, fresh


def _sync(target: Enrollment, source: Enrollment) -> Enrollment:
    # Callers keep using the instance they passed in; give it the new state.
    for name in ("status", "waitlist_position", "status_changed_at", "activated_at", "notes"):
        setattr(target, name, getattr(source, name))
    return source


def _check_member(member: Member, group: SupportGroup) -> None:
    if member.erased_at is not None:
        raise ValidationError({"member": MEMBER_ERASED}, code="member_erased")
    if member.organization_id != group.organization_id:
        raise ValidationError({"member": OTHER_ORGANIZATION}, code="other_organization")


def _status_for_new_seat(group: SupportGroup) -> str:
    return Status.ACTIVE if _seat_free(group) else Status.WAITLISTED


@transaction.atomic
def enrollment_join(
    *,
    group: SupportGroup,
    member: Member,
    join_note: str = "",
    actor=None,
    now: dt.datetime | None = None,
) -> tuple[Enrollment, bool]:
    """Put `member` on `group`'s roster as the group's enrollment mode says.

    Returns (enrollment, created): created is True when this call put the
    member on the roster (a new enrollment, or a rejoin after leaving); an
    enrollment that is requested, active, waitlisted, declined or removed comes
    back unchanged with created=False.
    """
    now = now or timezone.now()
    _check_member(member, group)
    group = _lock_group(group.pk)
    existing = Enrollment.objects.filter(group=group, member=member).first()
    if existing is not None and existing.status != Status.LEFT:
        existing.group = group
        return existing, False

    if group.enrollment_mode == SupportGroup.EnrollmentMode.DROP_IN:
        to_status = _status_for_new_seat(group)
    else:
        # Approval and cohort groups: a facilitator decides; capacity applies at approval.
        to_status = Status.REQUESTED
    enrollment = existing or Enrollment(group=group, member=member)
    enrollment.group = group
    enrollment.join_note = join_note
    _change_status(
        enrollment,
        to_status=to_status,
        reason=REASON_JOIN,
        actor=actor,
        actor_label=actor_label_for(actor) if actor is not None else ACTOR_MEMBER,
        now=now,
    )
    return enrollment, True


@transaction.atomic
def enrollment_add(
    *,
    group: SupportGroup,
    member: Member,
    actor,
    notes: str = "",
    now: dt.datetime | None = None,
) -> tuple[Enrollment, bool]:
    """A facilitator puts someone on the roster directly, whatever the enrollment mode.

    Active if a seat is free, else waitlisted. A pending request is approved;
    someone already active or waitlisted is left as they are (created=False);
    someone who left, was declined or removed is taken back (the facilitator's
    explicit decision).
    """
    now = now or timezone.now()
    _check_member(member, group)
    group = _lock_group(group.pk)
    label = actor_label_for(actor)
    existing = Enrollment.objects.filter(group=group, member=member).first()
    if existing is not None:
        existing.group = group
        if existing.status in (Status.ACTIVE, Status.WAITLISTED):
            return existing, False
        reason = REASON_APPROVE if existing.status == Status.REQUESTED else REASON_ADD
        if notes:
            existing.notes = notes
        _change_status(
            existing, to_status=_status_for_new_seat(group), reason=reason, actor=actor, actor_label=label, now=now
        )
        return existing, True

    enrollment = Enrollment(group=group, member=member, notes=notes)
    _change_status(
        enrollment, to_status=_status_for_new_seat(group), reason=REASON_ADD, actor=actor, actor_label=label, now=now
    )
    return enrollment, True


@transaction.atomic
def enrollment_approve(*, enrollment: Enrollment, actor=None, now: dt.datetime | None = None) -> Enrollment:
    """Requested -> active, or -> waitlisted when the group is full. Waitlisted -> active if a seat is free."""
    now = now or timezone.now()
    group, fresh = _locked_enrollment(enrollment)
    if fresh.status not in (Status.REQUESTED, Status.WAITLISTED):
        raise _refusal("action", CANNOT_APPROVE, status=fresh.status, code="cannot_approve")
    seat_free = _seat_free(group)
    if fresh.status == Status.WAITLISTED and not seat_free:
        raise ValidationError({"action": GROUP_FULL}, code="group_full")
    to_status = Status.ACTIVE if seat_free else Status.WAITLISTED
    was_waitlisted = fresh.status == Status.WAITLISTED
    _change_status(
        fresh, to_status=to_status, reason=REASON_APPROVE, actor=actor, actor_label=actor_label_for(actor), now=now
    )
    if was_waitlisted:
        _renumber_waitlist(group)
    return _sync(enrollment, fresh)


def _end(
    enrollment: Enrollment,
    *,
    to_status: str,
    reason: str,
    error: str,
    code: str,
    actor,
    actor_label: str,
    now: dt.datetime | None,
    field: str = "action",
) -> Enrollment:
    """Take a requested, waitlisted or active enrollment off the roster; a freed seat goes to the waitlist's head."""
    now = now or timezone.now()
    group, fresh = _locked_enrollment(enrollment)
    if fresh.status not in ON_ROSTER:
        raise _refusal(field, error, status=fresh.status, code=code)
    was = fresh.status
    _change_status(fresh, to_status=to_status, reason=reason, actor=actor, actor_label=actor_label, now=now)
    if was == Status.WAITLISTED:
        _renumber_waitlist(group)
    if was == Status.ACTIVE:
        _fill_free_seats(group, actor=actor, actor_label=actor_label, now=now)
    return _sync(enrollment, fresh)


@transaction.atomic
def enrollment_decline(*, enrollment: Enrollment, actor=None, now: dt.datetime | None = None) -> Enrollment:
    return _end(
        enrollment,
        to_status=Status.DECLINED,
        reason=REASON_DECLINE,
        error=CANNOT_DECLINE,
        code="cannot_decline",
        actor=actor,
        actor_label=actor_label_for(actor),
        now=now,
    )


@transaction.atomic
def enrollment_remove(*, enrollment: Enrollment, actor=None, now: dt.datetime | None = None) -> Enrollment:
    return _end(
        enrollment,
        to_status=Status.REMOVED,
        reason=REASON_REMOVE,
        error=CANNOT_REMOVE,
        code="cannot_remove",
        actor=actor,
        actor_label=actor_label_for(actor),
        now=now,
    )


@transaction.atomic
def enrollment_leave(
    *, enrollment: Enrollment, reason: str = REASON_LEAVE, now: dt.datetime | None = None
) -> Enrollment:
    """The member leaves (or erases their data, reason "erase"); a freed seat goes to the waitlist."""
    return _end(
        enrollment,
        to_status=Status.LEFT,
        reason=reason,
        error=CANNOT_LEAVE,
        code="not_on_roster",
        actor=None,
        actor_label=ACTOR_MEMBER,
        now=now,
        field="group",
    )


@transaction.atomic
def enrollment_waitlist(*, enrollment: Enrollment, actor=None, now: dt.datetime | None = None) -> Enrollment:
    """Put a requested or active member at the end of the waitlist.

    A seat freed this way goes to whoever was already waiting, never straight
    back to the person just moved.
    """
    now = now or timezone.now()
    group, fresh = _locked_enrollment(enrollment)
    if fresh.status not in (Status.REQUESTED, Status.ACTIVE):
        raise _refusal("action", CANNOT_WAITLIST, status=fresh.status, code="cannot_waitlist")
    was = fresh.status
    label = actor_label_for(actor)
    _change_status(fresh, to_status=Status.WAITLISTED, reason=REASON_WAITLIST, actor=actor, actor_label=label, now=now)
    if was == Status.ACTIVE:
        _fill_free_seats(group, actor=actor, actor_label=label, now=now, skip=fresh)
        fresh.refresh_from_db(fields=["waitlist_position"])
    return _sync(enrollment, fresh)


@transaction.atomic
def waitlist_move(*, enrollment: Enrollment, position: int, actor=None) -> Enrollment:
    """Move one waitlisted enrollment to `position` (1 = next to move up); the others shift."""
    group, fresh = _locked_enrollment(enrollment)
    if fresh.status != Status.WAITLISTED:
        raise _refusal("action", CANNOT_MOVE, status=fresh.status, code="cannot_move")
    count = Enrollment.objects.filter(group=group, status=Status.WAITLISTED).count()
    if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= count:
        raise _refusal("waitlist_position", BAD_POSITION, count=count, code="bad_position")
    before = fresh.waitlist_position
    _renumber_waitlist(group, first=fresh, position=position)
    fresh.refresh_from_db(fields=["waitlist_position"])
    audit_record(
        action="roster.move",
        actor=actor,
        group=group,
        target=fresh,
        details={"member_id": fresh.member_id, "from_position": before, "to_position": fresh.waitlist_position},
    )
    return _sync(enrollment, fresh)


@transaction.atomic
def enrollment_notes_update(*, enrollment: Enrollment, notes: str, actor=None) -> Enrollment:
    """Facilitators' private notes; the audit entry records that they changed, not what they say."""
    fresh = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
    fresh.notes = notes
    fresh.full_clean(exclude=["member", "group"], validate_unique=False, validate_constraints=False)
    fresh.save(update_fields=["notes"])
    audit_record(
        action="roster.notes",
        actor=actor,
        group=enrollment.group,
        target=fresh,
        details={"member_id": fresh.member_id},
    )
    enrollment.notes = notes
    return enrollment


UNKNOWN_ACTION = "Unknown action {action!r}; use approve, decline, remove, waitlist or move."


@transaction.atomic
def enrollment_change(
    *,
    enrollment: Enrollment,
    actor,
    action: str | None = None,
    waitlist_position: int | None = None,
    notes: str | None = None,
    now: dt.datetime | None = None,
) -> Enrollment:
    """One roster edit from the management API: notes and/or one action, all or nothing."""
    if notes is not None:
        enrollment_notes_update(enrollment=enrollment, notes=notes, actor=actor)
    if action is None:
        return enrollment
    if action == "move":
        return waitlist_move(enrollment=enrollment, position=waitlist_position, actor=actor)
    change = {
        "approve": enrollment_approve,
        "decline": enrollment_decline,
        "remove": enrollment_remove,
        "waitlist": enrollment_waitlist,
    }.get(action)
    if change is None:
        raise ValidationError({"action": UNKNOWN_ACTION.format(action=action)}, code="unknown_action")
    return change(enrollment=enrollment, actor=actor, now=now)


@transaction.atomic
def group_fill_seats(*, group: SupportGroup, actor=None, now: dt.datetime | None = None) -> list[Enrollment]:
    """Promote waitlisted members into free seats (after capacity was raised or removed)."""
    now = now or timezone.now()
    locked = _lock_group(group.pk)
    return _fill_free_seats(locked, actor=actor, actor_label=actor_label_for(actor), now=now)
