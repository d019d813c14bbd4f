"""The audit log: who changed or looked at whose roster data, and when.

Entries name people by database id, never by phone, email or name: the log is
kept longer than a member's data (an erased member's entries stay) and must not
become a second copy of it.

Reading a roster for a staff member goes through `roster_view`, `roster_export` or
`roster_entry_view`, so that no roster with contact data is shown unrecorded.
"""

from __future__ import annotations

from django.db import models

from sessions.models import AuditLog, Enrollment, Organization, SupportGroup
from sessions.selectors.roster import roster_rows

ACTOR_MEMBER = "member"
ACTOR_SYSTEM = "system"
ROSTER_VIEW = "roster.view"
ROSTER_EXPORT = "roster.export"


def actor_label_for(actor) -> str:
    if actor is None:
        return ACTOR_SYSTEM
    return getattr(actor, "username", "") or str(actor)


def audit_record(
    *,
    action: str,
    actor=None,
    actor_label: str | None = None,
    organization: Organization | None = None,
    group: SupportGroup | None = None,
    target: models.Model | None = None,
    details: dict | None = None,
) -> AuditLog:
    """Write one audit entry. `actor` is a Django user or None (a member or the system).

    The organization defaults to the group's, so entries about a group are
    readable by that organization's admins.
    """
    organization_id = organization.pk if organization is not None else getattr(group, "organization_id", None)
    authenticated_actor = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditLog.objects.create(
        organization_id=organization_id,
        group=group,
        actor=authenticated_actor,
        actor_label=actor_label if actor_label is not None else actor_label_for(authenticated_actor),
        action=action,
        target_type=target._meta.model_name if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        details=details or {},
    )


def _roster_read(*, action: str, group: SupportGroup, actor, statuses: list[str] | None) -> list[dict]:
    rows = roster_rows(group=group, statuses=statuses)
    audit_record(action=action, actor=actor, group=group, details={"statuses": statuses or "all", "rows": len(rows)})
    return rows


def roster_view(*, group: SupportGroup, actor, statuses: list[str] | None = None) -> list[dict]:
    """The roster's lines (roster_rows) shown to `actor`, recorded as roster.view."""
    return _roster_read(action=ROSTER_VIEW, group=group, actor=actor, statuses=statuses)


def roster_export(*, group: SupportGroup, actor, statuses: list[str] | None = None) -> list[dict]:
    """The roster's lines downloaded by `actor`, recorded as roster.export."""
    return _roster_read(action=ROSTER_EXPORT, group=group, actor=actor, statuses=statuses)


def roster_entry_view(*, group: SupportGroup, enrollment: Enrollment, actor) -> dict:
    """One roster line shown to `actor`, recorded as roster.view of that enrollment."""
    audit_record(
        action=ROSTER_VIEW,
        actor=actor,
        group=group,
        target=enrollment,
        details={"member_id": enrollment.member_id},
    )
    [row] = roster_rows(group=group, enrollment_ids=[enrollment.pk])
    return row
