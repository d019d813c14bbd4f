"""Organization writes: superusers create organizations, admins edit theirs and manage admins."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from sessions.models import Organization
from sessions.services.audit import audit_record

USER_NOT_FOUND = gettext_noop("No user with username %(username)r.")
NOT_AN_ADMIN = gettext_noop("%(username)r is not an administrator of this organization.")
LAST_ADMIN = gettext_noop("An organization keeps at least one administrator; add another before removing this one.")

_EDITABLE = ("name", "slug", "contact_email", "contact_phone", "website")


def active_user_by_username(username: str):
    """The active staff user named `username`, or a 400 naming the field (facilitators use it too)."""
    # A NUL byte cannot be in a username, and PostgreSQL refuses to compare it.
    user = None if "\x00" in username else get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationError(
            {"username": ValidationError(USER_NOT_FOUND, params={"username": username}, code="user_not_found")}
        )
    return user


def _unique_slug(name: str) -> str:
    """A free slug made from `name`, numbered when taken (the same rule as groups)."""
    base = slugify(name)[:95] or "organization"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organization_create(*, actor, name: str, slug: str = "", **fields) -> Organization:
    # A given slug is kept as given (a taken one is a 400); only a missing one is made up.
    slug = slug or _unique_slug(name)
    organization = Organization(name=name, slug=slug, **{k: v for k, v in fields.items() if k in _EDITABLE})
    organization.full_clean()
    organization.save()
    audit_record(action="organization.create", actor=actor, organization=organization, target=organization)
    return organization


@transaction.atomic
def organization_update(*, organization: Organization, actor, **fields) -> Organization:
    changed = sorted(name for name in fields if name in _EDITABLE)
    for name in changed:
        setattr(organization, name, fields[name])
    organization.full_clean()
    organization.save()
    audit_record(
        action="organization.update",
        actor=actor,
        organization=organization,
        target=organization,
        details={"fields": changed},
    )
    return organization


@transaction.atomic
def organization_admin_add(*, organization: Organization, username: str, actor):
    user = active_user_by_username(username)
    organization.admins.add(user)
    audit_record(
        action="organization.admin_add",
        actor=actor,
        organization=organization,
        target=user,
        details={"username": user.username},
    )
    return user


@transaction.atomic
def organization_admin_remove(*, organization: Organization, username: str, actor) -> None:
    # Lock the organization so two admins removing each other cannot leave none.
    Organization.objects.select_for_update().get(pk=organization.pk)
    # From the URL path: a NUL byte cannot be in a username, and PostgreSQL refuses to compare it.
    user = None if "\x00" in username else organization.admins.filter(username=username).first()
    if user is None:
        raise ValidationError(
            {"username": ValidationError(NOT_AN_ADMIN, params={"username": username}, code="not_an_admin")}
        )
    if organization.admins.count() <= 1:
        raise ValidationError({"username": LAST_ADMIN}, code="last_admin")
    organization.admins.remove(user)
    audit_record(
        action="organization.admin_remove",
        actor=actor,
        organization=organization,
        target=user,
        details={"username": user.username},
    )
