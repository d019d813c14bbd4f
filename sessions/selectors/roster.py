"""Roster reads: one query for a roster with its members, the audit log, a member's own groups."""

from __future__ import annotations

from django.db.models import Case, IntegerField, QuerySet, Value, When

from sessions.models import AuditLog, Enrollment, Member, Organization, SupportGroup

# Roster order: who is in, who waits (by position), who asked, then the past.
_STATUS_ORDER = Case(
    When(status=Enrollment.Status.ACTIVE, then=Value(0)),
    When(status=Enrollment.Status.WAITLISTED, then=Value(1)),
    When(status=Enrollment.Status.REQUESTED, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)


def roster_for_group(*, group: SupportGroup, statuses: list[str] | None = None) -> QuerySet[Enrollment]:
    enrollments = Enrollment.objects.filter(group=group).select_related("member")
    if statuses:
        enrollments = enrollments.filter(status__in=statuses)
    return enrollments.annotate(status_order=_STATUS_ORDER).order_by(
        "status_order", "waitlist_position", "created_at", "id"
    )


def roster_entry(*, group: SupportGroup, enrollment_id: int) -> Enrollment | None:
    """An enrollment of this group only: ids from other groups are not found."""
    return Enrollment.objects.select_related("member").filter(group=group, pk=enrollment_id).first()


def audit_log_for_organization(
    *, organization: Organization, group_id: int | None = None, action: str | None = None
) -> QuerySet[AuditLog]:
    entries = AuditLog.objects.filter(organization=organization).select_related("actor", "group")
    if group_id is not None:
        entries = entries.filter(group_id=group_id)
    if action:
        entries = entries.filter(action=action)
    return entries.order_by("-created_at", "-id")


def member_by_token(*, token: str) -> Member | None:
    """The member whose self-service link this is; erased members' links are dead."""
    if not token:
        return None
    return Member.objects.filter(token=token, erased_at__isnull=True).first()


def enrollments_of_member(*, member: Member) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(member=member).select_related("group").order_by("group__name", "id")
