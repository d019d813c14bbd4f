"""The audit log: who changed or looked at whose roster data, and when.

Entries name people by database id, never by phone, email or name: the log is
kept longer than a member's data (an erased member's entries stay) and must not
become a second copy of it.
"""

from __future__ import annotations

from django.db import models

from sessions.models import AuditLog, Organization, SupportGroup

ACTOR_MEMBER = "member"
ACTOR_SYSTEM = "system"


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
