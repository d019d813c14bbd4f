"""The finder's optional map view: which groups it shows, and the one image origin it needs.

The map is an extra view of the in-person groups already listed on the results page; the list
is always there and complete without it. It exists only when MAP_TILES_URL is set. Each point
carries what the public group page shows (name, link, town, next meeting) and the venue's public
coordinates: never a member's data, never an online meeting link.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpResponse

from sessions.models import SupportGroup
from sessions.pages.present import GroupSummary

# About a metre: as precise as a venue needs to be on a map.
COORDINATE_DECIMALS = 5


def map_enabled() -> bool:
    return bool(settings.MAP_TILES_URL)


def tiles_origin(url_template: str) -> str:
    """The CSP source for a tile URL template: its scheme and host ("https://tile.example.org"),
    with a leading {s} subdomain placeholder as the wildcard "*." that CSP allows there."""
    parts = urlsplit(url_template.replace("{s}.", "*.", 1))
    return f"{parts.scheme}://{parts.netloc}"


def map_points(items: Iterable[GroupSummary]) -> list[dict]:
    """One point per listed group that meets at a venue, in the list's order."""
    points = []
    for item in items:
        group = item.group
        if group.format == SupportGroup.Format.ONLINE or not group.venue_id:
            continue
        points.append(
            {
                "name": group.name,
                "url": item.url,
                "place": item.place,
                "next_meeting": item.next_meeting,
                "lat": round(group.venue.latitude, COORDINATE_DECIMALS),
                "lng": round(group.venue.longitude, COORDINATE_DECIMALS),
            }
        )
    return points


def map_view(items: Iterable[GroupSummary]) -> dict | None:
    """What the results page needs for its map, or None when there is no map to offer
    (MAP_TILES_URL unset, or no listed group meets at a venue)."""
    if not map_enabled():
        return None
    points = map_points(items)
    if not points:
        return None
    return {"points": points, "tiles_url": settings.MAP_TILES_URL, "attribution": settings.MAP_TILES_ATTRIBUTION}


def allow_map_tiles(response: HttpResponse) -> HttpResponse:
    """Admit the tiles' images on this response only; every other page keeps img-src 'self'."""
    # django-csp merges a response's _csp_update into the policy (what its @csp_update sets);
    # set here because the origin comes from a setting read at request time.
    response._csp_update = {"img-src": [tiles_origin(settings.MAP_TILES_URL)]}
    return response
