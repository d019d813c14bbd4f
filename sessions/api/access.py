"""Who may reach which organization or group through the APIs: fetch the object, then
refuse the wrong person. For staff, a missing object is 404; one that exists but is not
the caller's is 403 with one of the messages below. Public and self-service routes name a
group by its slug."""

from __future__ import annotations

from collections.abc import Callable

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_noop
from rest_framework.exceptions import PermissionDenied

from sessions.models import Organization, SupportGroup
from sessions.permissions import can_manage_group, is_org_admin

NOT_YOUR_ORGANIZATION = gettext_noop("You do not administer this organization.")
NOT_YOUR_GROUP = gettext_noop("You do not manage this group.")

GroupRule = Callable[[object, SupportGroup], bool]


def require_org_admin(request, organization: Organization) -> Organization:
    if not is_org_admin(request.user, organization):
        raise PermissionDenied(NOT_YOUR_ORGANIZATION)
    return organization


def administered_organization(request, pk: int) -> Organization:
    return require_org_admin(request, get_object_or_404(Organization, pk=pk))


def require_group(
    request, group: SupportGroup, *, may: GroupRule = can_manage_group, message: str = NOT_YOUR_GROUP
) -> SupportGroup:
    if not may(request.user, group):
        raise PermissionDenied(message)
    return group


def managed_group(
    request, pk: int, *, may: GroupRule = can_manage_group, message: str = NOT_YOUR_GROUP
) -> SupportGroup:
    group = get_object_or_404(SupportGroup.objects.select_related("organization", "venue"), pk=pk)
    return require_group(request, group, may=may, message=message)


def group_by_slug(slug: str) -> SupportGroup:
    """Listed or not, as on the public group page: an unlisted group is reachable by its slug."""
    return get_object_or_404(SupportGroup.objects.select_related("venue"), slug=slug)
