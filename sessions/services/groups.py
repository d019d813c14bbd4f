"""Support group writes: create, update, delete, facilitator assignments.

Format rules: in-person and hybrid groups meet at a venue of their own
organization; online and hybrid groups need a conference link. A group's time
zone defaults to its venue's. Raising (or removing) the capacity promotes
people from the waitlist at once.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext_noop

from sessions.models import Facilitator, Organization, SupportGroup
from sessions.services.audit import audit_record
from sessions.services.enrollment import group_fill_seats
from sessions.services.organizations import USER_NOT_FOUND as USER_NOT_FOUND  # facilitator_add's error
from sessions.services.organizations import active_user_by_username

VENUE_REQUIRED = gettext_noop("In-person and hybrid groups need a venue.")
CONFERENCE_URL_REQUIRED = gettext_noop("Online and hybrid groups need a conference link.")
VENUE_OTHER_ORGANIZATION = gettext_noop("This venue belongs to another organization.")
TIMEZONE_REQUIRED = gettext_noop("Groups without a venue need a time zone, for example America/Chicago.")
NOT_A_FACILITATOR = gettext_noop("%(username)r does not facilitate this group.")
DEFAULT_SMS_LABEL = "Your group"

# Fields the management API may set; organization is fixed at creation.
GROUP_FIELDS = (
    "name",
    "slug",
    "topic",
    "audience",
    "description",
    "what_to_expect",
    "format",
    "venue",
    "conference_url",
    "language",
    "timezone",
    "capacity",
    "enrollment_mode",
    "cycle_start",
    "cycle_weeks",
    "cost",
    "faith_based",
    "peer_led",
    "wheelchair_accessible",
    "hearing_access",
    "childcare",
    "listed",
    "sms_label",
    "reminder_offsets",
)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:100] or "group"
    slug, n = base, 2
    while SupportGroup.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


# 8 characters of a 32-letter alphabet: 40 bits, far beyond guessing through the throttled API.
_SUFFIX_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"


def unlisted_slug(base: str) -> str:
    """An unlisted group's slug: readable start, random end, so knowing the group's
    name (or the slug it had while listed) is not enough to find its page."""
    base = (slugify(base)[:100] or "group").rstrip("-")
    while True:
        suffix = "".join(secrets.choice(_SUFFIX_ALPHABET) for _ in range(8))
        slug = f"{base}-{suffix}"
        if not SupportGroup.objects.filter(slug=slug).exists():
            return slug


def _check_format(group: SupportGroup) -> None:
    errors: dict[str, str] = {}
    Format = SupportGroup.Format
    if group.format in (Format.IN_PERSON, Format.HYBRID) and group.venue_id is None:
        errors["venue"] = VENUE_REQUIRED
    if group.format in (Format.ONLINE, Format.HYBRID) and not group.conference_url:
        errors["conference_url"] = CONFERENCE_URL_REQUIRED
    if group.venue_id is not None and group.venue.organization_id != group.organization_id:
        errors["venue"] = VENUE_OTHER_ORGANIZATION
    if not group.timezone:
        if group.venue_id is not None:
            group.timezone = group.venue.timezone
        elif "venue" not in errors:
            # Once they give the venue it brings its time zone; one error at a time.
            errors["timezone"] = TIMEZONE_REQUIRED
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def group_create(*, organization: Organization, actor, **fields) -> SupportGroup:
    fields = {k: v for k, v in fields.items() if k in GROUP_FIELDS}
    if fields.get("listed") is False:
        fields["slug"] = unlisted_slug(fields.get("slug") or fields.get("name", ""))
    elif not fields.get("slug"):
        fields["slug"] = _unique_slug(fields.get("name", ""))
    fields.setdefault("sms_label", DEFAULT_SMS_LABEL)
    fields["timezone"] = fields.get("timezone") or ""
    group = SupportGroup(organization=organization, **fields)
    _check_format(group)
    group.full_clean()
    group.save()
    audit_record(action="group.create", actor=actor, group=group, target=group)
    return group


@transaction.atomic
def group_update(*, group: SupportGroup, actor, now: dt.datetime | None = None, **fields) -> SupportGroup:
    group = SupportGroup.objects.select_for_update(of=("self",)).select_related("venue").get(pk=group.pk)
    old_capacity = group.capacity
    was_listed = group.listed
    changed = sorted(k for k in fields if k in GROUP_FIELDS)
    for name in changed:
        setattr(group, name, fields[name])
    if was_listed and not group.listed and "slug" not in fields:
        # Its old slug was public: an unlisted group needs one nobody could have seen.
        group.slug = unlisted_slug(group.slug)
        changed.append("slug")
    if "venue" in fields and "timezone" not in fields and group.venue_id is not None:
        # A new venue brings its time zone unless one is given.
        group.timezone = group.venue.timezone
    if "timezone" in fields and not fields["timezone"]:
        group.timezone = ""
    _check_format(group)
    group.full_clean()
    group.save()
    audit_record(action="group.update", actor=actor, group=group, target=group, details={"fields": changed})
    if group.capacity is None or (old_capacity is not None and group.capacity > old_capacity):
        group_fill_seats(group=group, actor=actor, now=now)
    return group


@transaction.atomic
def group_delete(*, group: SupportGroup, actor) -> None:
    # Logged against the organization: the group row (and its FK) is about to go.
    audit_record(
        action="group.delete",
        actor=actor,
        organization=group.organization,
        target=group,
        details={"name": group.name, "slug": group.slug},
    )
    group.delete()


@transaction.atomic
def facilitator_add(*, group: SupportGroup, username: str, role: str, actor) -> Facilitator:
    """Add a facilitator, or change the role of one already assigned."""
    user = active_user_by_username(username)
    facilitator, _ = Facilitator.objects.get_or_create(group=group, user=user, defaults={"role": role})
    facilitator.role = role  # an existing assignment takes the new role
    facilitator.full_clean()
    facilitator.save()
    audit_record(
        action="facilitator.add",
        actor=actor,
        group=group,
        target=facilitator,
        details={"username": user.username, "role": role},
    )
    return facilitator


@transaction.atomic
def facilitator_remove(*, group: SupportGroup, username: str, actor) -> None:
    # The username comes from the URL path; one with a NUL byte cannot exist and
    # PostgreSQL refuses to compare it, so it is simply not a facilitator.
    facilitator = (
        None if "\x00" in username else Facilitator.objects.filter(group=group, user__username=username).first()
    )
    if facilitator is None:
        raise ValidationError(
            {"username": ValidationError(NOT_A_FACILITATOR, params={"username": username}, code="not_a_facilitator")}
        )
    audit_record(
        action="facilitator.remove",
        actor=actor,
        group=group,
        target=facilitator,
        details={"username": username, "role": facilitator.role},
    )
    facilitator.delete()
