"""Venue writes. Issue 5 adds geocoding from postal code or city (places.py)."""

from __future__ import annotations

from django.db import transaction
from timezonefinder import TimezoneFinder

from sessions.models import Organization, Venue

_tzfinder: TimezoneFinder | None = None


def timezone_at(*, latitude: float, longitude: float) -> str | None:
    global _tzfinder
    if _tzfinder is None:
        _tzfinder = TimezoneFinder()
    return _tzfinder.timezone_at(lat=latitude, lng=longitude)


@transaction.atomic
def venue_create(*, organization: Organization, **fields) -> Venue:
    venue = Venue(organization=organization, **fields)
    if not venue.timezone and venue.latitude is not None and venue.longitude is not None:
        venue.timezone = timezone_at(latitude=venue.latitude, longitude=venue.longitude) or ""
    venue.full_clean()
    venue.save()
    return venue


@transaction.atomic
def venue_update(*, venue: Venue, **fields) -> Venue:
    for name, value in fields.items():
        setattr(venue, name, value)
    if ("latitude" in fields or "longitude" in fields) and "timezone" not in fields:
        venue.timezone = timezone_at(latitude=venue.latitude, longitude=venue.longitude) or venue.timezone
    venue.full_clean()
    venue.save()
    return venue
