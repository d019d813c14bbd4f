"""`/groups/{slug}/`: what a first meeting is like, who runs it, where and when, how to join.

Reads the same selector as the public API's group page; shows no member data and never the
online meeting link.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote, urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from sessions.links import group_page_url
from sessions.models import Session, SupportGroup, Venue
from sessions.pages import labels
from sessions.pages.present import local_clock_range, local_date, seats_text, summarize
from sessions.selectors.groups import group_public_get

GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
OSM_SEARCH = "https://www.openstreetmap.org/search"


def _utc_stamp(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def where_text(venue: Venue | None) -> str:
    if venue is None:
        return ""
    return ", ".join(p for p in (venue.name, venue.address, venue.city, venue.region, venue.postal_code) if p)


def google_calendar_link(group: SupportGroup, session: Session, page_url: str) -> str:
    """Google Calendar's "add event" template for one session: name, time, place, this page."""
    venue = session.effective_venue
    location = "Online" if group.format == SupportGroup.Format.ONLINE or venue is None else where_text(venue)
    query = {
        "action": "TEMPLATE",
        "text": group.name,
        "dates": f"{_utc_stamp(session.starts_at)}/{_utc_stamp(session.ends_at)}",
        "ctz": session.local_zone.key,
        "details": page_url,
        "location": location,
    }
    return f"{GOOGLE_CALENDAR}?{urlencode(query, quote_via=quote)}"


def directions_link(group: SupportGroup) -> str:
    """A map search for the venue's address (or its coordinates when it has none)."""
    venue = group.venue
    if venue is None or group.format == SupportGroup.Format.ONLINE:
        return ""
    if venue.address:
        target = ", ".join(p for p in (venue.address, venue.city, venue.region, venue.postal_code) if p)
    else:
        target = f"{venue.latitude:.5f},{venue.longitude:.5f}"
    return f"{OSM_SEARCH}?{urlencode({'query': target}, quote_via=quote)}"


def group_page(request: HttpRequest, slug: str) -> HttpResponse:
    group = group_public_get(slug=slug)
    if group is None:
        raise Http404
    page_url = group_page_url(group)
    sessions = [
        {
            "date": local_date(session.starts_at, session.local_zone),
            "time": local_clock_range(session.starts_at, session.ends_at, session.local_zone),
            "cancelled": session.status == Session.Status.CANCELLED,
        }
        for session in group.upcoming
    ]
    first = next((s for s in group.upcoming if s.status == Session.Status.SCHEDULED), None)
    seats, full = seats_text(group)
    calendar_path = reverse("group-calendar", args=[group.slug])
    context = {
        "group": group,
        "summary": summarize(group),
        "sessions": sessions,
        "seats": seats,
        "full": full,
        "where": where_text(group.venue) if group.format != SupportGroup.Format.ONLINE else "",
        "directions": directions_link(group),
        "accessibility": [labels.ACCESSIBILITY[flag] for flag in group.accessibility],
        "cost": labels.COSTS.get(group.cost, ""),
        "audience": labels.AUDIENCES.get(group.audience, ""),
        "facilitators": group.facilitator_first_names,
        "page_url": page_url,
        "ics_url": calendar_path,
        "webcal_url": "webcal://" + page_url.split("://", 1)[1].split("/", 1)[0] + calendar_path,
        "google_url": google_calendar_link(group, first, page_url) if first else "",
        "crisis_country": group.venue.country if group.venue_id else None,
        "is_online": group.format == SupportGroup.Format.ONLINE,
    }
    return render(request, "group/page.html", context)
