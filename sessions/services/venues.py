"""Venue writes: coordinates from the facilitator, or looked up offline from the address.

A venue saved without coordinates is placed at its postal code's or city's
centre (`location_approximate=True`), so it still shows up in a distance
search; its time zone always comes from the coordinates.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext_noop
from timezonefinder import TimezoneFinder

from sessions.models import Organization, Venue
from sessions.services.audit import audit_record
from sessions.services.places import locate_address
from sessions.validators import validate_latitude, validate_longitude

VENUE_NOT_LOCATED = gettext_noop(
    "We could not find this address from its postal code or city. "
    "Please give the venue's latitude and longitude (for example 39.8003, -89.6437)."
)
VENUE_COORDINATE_MISSING = gettext_noop(
    "Give both latitude and longitude, or neither to locate the venue from its address."
)
VENUE_TIMEZONE_UNKNOWN = gettext_noop("No time zone is known at these coordinates; please give the venue's time zone.")
VENUE_IN_USE = gettext_noop("Groups or sessions still meet at this venue; move them elsewhere first.")
_ADDRESS_FIELDS = ("postal_code", "city", "region", "country")

_tzfinder: TimezoneFinder | None = None


def timezone_at(*, latitude: float, longitude: float) -> str | None:
    global _tzfinder
    if _tzfinder is None:
        _tzfinder = TimezoneFinder()
    return _tzfinder.timezone_at(lat=latitude, lng=longitude)


def _has_coordinates(venue: Venue) -> bool:
    if (venue.latitude is None) != (venue.longitude is None):
        missing = "latitude" if venue.latitude is None else "longitude"
        raise ValidationError({missing: VENUE_COORDINATE_MISSING}, code="coordinate_missing")
    return venue.latitude is not None


def _locate(venue: Venue) -> None:
    """Fill approximate coordinates from the address, or raise naming the missing field."""
    place = locate_address(postal_code=venue.postal_code, city=venue.city, region=venue.region, country=venue.country)
    if place is None:
        raise ValidationError({"latitude": VENUE_NOT_LOCATED}, code="venue_not_located")
    venue.latitude = place.latitude
    venue.longitude = place.longitude
    venue.location_approximate = True


def _derive_timezone(venue: Venue) -> None:
    # The coordinates decide: a venue near a zone border belongs to the zone it sits in.
    found = timezone_at(latitude=venue.latitude, longitude=venue.longitude) if _has_coordinates(venue) else None
    if found:
        venue.timezone = found
    elif not venue.timezone:
        raise ValidationError({"timezone": VENUE_TIMEZONE_UNKNOWN}, code="venue_timezone_unknown")


def _check_coordinate_ranges(venue: Venue) -> None:
    # Checked before the time zone lookup, which cannot take out-of-range values.
    errors: dict[str, list[ValidationError]] = {}
    for name, validator in (("latitude", validate_latitude), ("longitude", validate_longitude)):
        try:
            validator(getattr(venue, name))
        except ValidationError as exc:
            errors[name] = exc.error_list
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def venue_create(*, organization: Organization, actor=None, **fields) -> Venue:
    """Create a venue; without latitude/longitude it is located from postal code or city.

    With an `actor` (a staff user's request) the audit entry is written in the same
    transaction; the demo and the Meeting Guide import create venues without one."""
    venue = Venue(organization=organization, **fields)
    if _has_coordinates(venue):
        _check_coordinate_ranges(venue)
        venue.location_approximate = False
    else:
        _locate(venue)
    _derive_timezone(venue)
    venue.full_clean()
    venue.save()
    if actor is not None:
        audit_record(action="venue.create", actor=actor, organization=organization, target=venue)
    return venue


@transaction.atomic
def venue_update(*, venue: Venue, actor=None, **fields) -> Venue:
    """Change a venue. New coordinates make it exact; a new address re-locates an approximate one.
    With an `actor`, audited in the same transaction (as venue_create)."""
    for name, value in fields.items():
        setattr(venue, name, value)
    coordinates_given = "latitude" in fields or "longitude" in fields
    if coordinates_given and _has_coordinates(venue):
        _check_coordinate_ranges(venue)
        venue.location_approximate = False
    elif not _has_coordinates(venue) or (
        venue.location_approximate and any(name in fields for name in _ADDRESS_FIELDS)
    ):
        _locate(venue)
        coordinates_given = True
    if coordinates_given:
        _derive_timezone(venue)
    venue.full_clean()
    venue.save()
    if actor is not None:
        audit_record(action="venue.update", actor=actor, organization=venue.organization, target=venue)
    return venue


def venue_delete(*, venue: Venue, actor) -> None:
    """Delete a venue nothing meets at any more, with its audit entry (which keeps the
    name: the venue itself is gone). Refused while a group, series or session uses it."""
    try:
        with transaction.atomic():
            audit_record(
                action="venue.delete",
                actor=actor,
                organization=venue.organization,
                target=venue,
                details={"name": venue.name},
            )
            venue.delete()
    except ProtectedError:
        raise ValidationError({"venue": [VENUE_IN_USE]}, code="venue_in_use") from None
