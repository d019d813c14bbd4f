"""Roster reads: one query for a roster with its members, the audit log, a member's own groups."""

from __future__ import annotations

from django.db.models import Case, F, IntegerField, QuerySet, Value, When

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


# One roster line: the enrollment and its member's contacts and consent, keyed
# as the API shows them. Plain rows (no model instances) keep long rosters cheap.
ROSTER_COLUMNS = {
    "enrollment_id": F("id"),
    "display_name": F("member__display_name"),
    "phone": F("member__phone"),
    "email": F("member__email"),
    "sms_reminders": F("member__sms_reminders"),
    "sms_consent": F("member__sms_consent"),
    "sms_consent_source": F("member__sms_consent_source"),
    "email_reminders": F("member__email_reminders"),
    "email_consent": F("member__email_consent"),
    "phone_undeliverable": F("member__phone_undeliverable"),
    "joined": F("created_at"),
}
ROSTER_OWN_COLUMNS = (
    "member_id",
    "status",
    "waitlist_position",
    "activated_at",
    "status_changed_at",
    "join_note",
    "notes",
)


def roster_rows(
    *, group: SupportGroup, statuses: list[str] | None = None, enrollment_ids: list[int] | None = None
) -> list[dict]:
    """The roster as dicts in roster order, in one query."""
    enrollments = roster_for_group(group=group, statuses=statuses)
    if enrollment_ids is not None:
        enrollments = enrollments.filter(pk__in=enrollment_ids)
    return list(enrollments.values(*ROSTER_OWN_COLUMNS, **ROSTER_COLUMNS))


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
    # A NUL byte can be in a URL but never in a stored token, and PostgreSQL
    # refuses to compare text containing one: not found, not a 500.
    if not token or "\x00" in token:
        return None
    # The token is a credential only once its member proved a contact (docs/privacy.md).
    member = Member.objects.filter(token=token, erased_at__isnull=True).first()
    return member if member is not None and member.is_proven else None


def enrollments_of_member(*, member: Member) -> QuerySet[Enrollment]:
    return Enrollment.objects.filter(member=member).select_related("group").order_by("group__name", "id")


def member_enrollment_in_group(*, member: Member, group_slug: str) -> Enrollment | None:
    return Enrollment.objects.select_related("group").filter(member=member, group__slug=group_slug).first()
