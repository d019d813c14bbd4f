"""Who may see and change what. One module, used by every management view.

Organization admins manage every group of their organizations; lead and
co-facilitators manage their own groups; superusers manage everything.
Querysets are filtered here too, because DRF runs no object permission on
lists or creates.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from rest_framework.permissions import BasePermission

from sessions.models import Facilitator, Organization, SupportGroup, Venue


def is_org_admin(user, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_superuser or organization.admins.filter(pk=user.pk).exists()


def _group_matches(user, group: SupportGroup, facilitator: Q) -> bool:
    # One query for "admin of the group's organization, or this kind of
    # facilitator": every management request asks this first.
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return SupportGroup.objects.filter(pk=group.pk).filter(Q(organization__admins=user) | facilitator).exists()


def can_manage_group(user, group: SupportGroup) -> bool:
    """Roster, sessions, attendance, messages: any facilitator of the group or an admin."""
    return _group_matches(user, group, Q(facilitators__user=user))


def can_lead_group(user, group: SupportGroup) -> bool:
    """Facilitator assignments, group edits: the lead facilitator or an admin."""
    # One Q, so user and role are matched on the same facilitator row.
    return _group_matches(user, group, Q(facilitators__user=user, facilitators__role=Facilitator.Role.LEAD))


def can_administer_group(user, group: SupportGroup) -> bool:
    """Deleting a group: its organization's admins only."""
    return is_org_admin(user, group.organization)


def organizations_administered_by(user) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(admins=user)


def groups_managed_by(user) -> QuerySet[SupportGroup]:
    if not user.is_authenticated:
        return SupportGroup.objects.none()
    if user.is_superuser:
        return SupportGroup.objects.all()
    return SupportGroup.objects.filter(Q(organization__admins=user) | Q(facilitators__user=user)).distinct()


def venues_managed_by(user) -> QuerySet[Venue]:
    return Venue.objects.filter(organization__in=organizations_administered_by(user))


def venues_usable_by(user) -> QuerySet[Venue]:
    """Venues a caller may put a group, series or session at: those of organizations
    they administer or have a group in. Any other venue id is answered as unknown."""
    if not user.is_authenticated:
        return Venue.objects.none()
    if user.is_superuser:
        return Venue.objects.all()
    return Venue.objects.filter(
        Q(organization__in=organizations_administered_by(user))
        | Q(organization__in=groups_managed_by(user).values("organization"))
    )


class IsStaffUser(BasePermission):
    """Authenticated Django user (admin or facilitator); object checks happen per view."""

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated)
