"""Groups and places for the page tests, built directly (no gazetteer load)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from sessions.models import Place, SupportGroup
from tests.factories import SessionFactory, SessionSeriesFactory, SupportGroupFactory, VenueFactory

# Series keep local wall-clock time stored as if UTC (see sessions.services.schedule).
TUESDAY_7PM = dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC)


def add_places() -> None:
    """ZIP 62701 (Springfield, IL) and three Springfields, the Missouri one the most populous."""
    Place.objects.bulk_create(
        [
            Place(
                kind=Place.Kind.POSTAL_CODE,
                key="62701",
                name="Springfield",
                region="IL",
                country="US",
                postal_code="62701",
                latitude=39.8017,
                longitude=-89.6436,
                timezone="America/Chicago",
            ),
            Place(
                kind="city",
                key="springfield",
                name="Springfield",
                region="MO",
                country="US",
                latitude=37.2153,
                longitude=-93.2982,
                population=169176,
                timezone="America/Chicago",
            ),
            Place(
                kind="city",
                key="springfield",
                name="Springfield",
                region="IL",
                country="US",
                latitude=39.8017,
                longitude=-89.6436,
                population=116250,
                timezone="America/Chicago",
            ),
            Place(
                kind="city",
                key="springfield",
                name="Springfield",
                region="MA",
                country="US",
                latitude=42.1015,
                longitude=-72.5898,
                population=153606,
                timezone="America/New_York",
            ),
            Place(
                kind="city",
                key="manchester",
                name="Manchester",
                region="ENG",
                country="GB",
                latitude=53.4809,
                longitude=-2.2374,
                population=395515,
                timezone="Europe/London",
            ),
        ]
    )


def make_group(*, latitude=39.8003, longitude=-89.6437, sessions=2, start=None, venue=None, **fields) -> SupportGroup:
    """A listed group with weekly sessions from tomorrow (or `start`)."""
    if fields.get("format") == SupportGroup.Format.ONLINE:
        group = SupportGroupFactory(venue=None, timezone="America/New_York", **fields)
    else:
        venue = venue or VenueFactory(latitude=latitude, longitude=longitude)
        group = SupportGroupFactory(venue=venue, organization=venue.organization, **fields)
    series = SessionSeriesFactory(group=group, dtstart=TUESDAY_7PM, timezone=group.timezone)
    start = start or timezone.now().replace(microsecond=0, second=0) + dt.timedelta(days=1)
    for week in range(sessions):
        at = start + dt.timedelta(weeks=week)
        SessionFactory(series=series, starts_at=at, ends_at=at + dt.timedelta(minutes=90))
    return group
