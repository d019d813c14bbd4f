"""How the pages show times, distances and seats: local time with its zone, miles and km."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import phonenumbers
from django.utils import dateformat
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from sessions.api.serializers_public import group_zone
from sessions.models import SupportGroup
from sessions.pages import labels
from sessions.services.places import KM_PER_MILE


def local_time(value: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "Tue Dec 8, 7:00 PM CST" in English, "mar 8 dic, 19:00 CST" in Spanish."""
    local = value.astimezone(zone)
    # Translators: a date and time as Django's date filter reads it (D weekday, M month, j day…).
    pattern = pgettext("session time", "D M j, g:i A")
    return f"{capfirst(dateformat.format(local, pattern))} {local.tzname()}"


def local_date(value: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return capfirst(dateformat.format(value.astimezone(zone), pgettext("session date", "l, F j")))


def local_clock(value: dt.datetime, zone: zoneinfo.ZoneInfo, *, with_zone: bool = True) -> str:
    local = value.astimezone(zone)
    clock = dateformat.format(local, pgettext("session clock", "g:i A"))
    return f"{clock} {local.tzname()}" if with_zone else clock


def local_clock_range(start: dt.datetime, end: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    """ "7:00 PM – 8:30 PM CST"; each end keeps its own zone when a clock change falls between."""
    if start.astimezone(zone).tzname() == end.astimezone(zone).tzname():
        return f"{local_clock(start, zone, with_zone=False)} – {local_clock(end, zone)}"
    return f"{local_clock(start, zone)} – {local_clock(end, zone)}"


def distance_text(distance_km: float | None) -> str:
    if distance_km is None:
        return ""
    miles = distance_km / KM_PER_MILE
    return _("%(miles).1f miles (%(km).1f km) away") % {"miles": miles, "km": distance_km}


def seats_text(group: SupportGroup) -> tuple[str, bool]:
    """What a seeker reads about room in the group, and whether it is full."""
    if group.capacity is None:
        return _("Open to new people"), False
    left = max(group.capacity - group.active_count, 0)
    if left == 0:
        return _("Full: you can join the waitlist"), True
    return ngettext("%(n)d seat left", "%(n)d seats left", left) % {"n": left}, False


@dataclass(frozen=True)
class GroupSummary:
    group: SupportGroup
    topic: str
    format: str
    next_meeting: str
    distance: str
    seats: str
    full: bool
    how_to_join: str
    place: str


def summarize(group: SupportGroup) -> GroupSummary:
    zone = group_zone(group)
    seats, full = seats_text(group)
    venue = group.venue if group.venue_id else None
    if group.format == SupportGroup.Format.ONLINE or venue is None:
        place = ""  # the format already says "Online"
    else:
        place = ", ".join(part for part in (venue.city, venue.region) if part)
    return GroupSummary(
        group=group,
        topic=str(labels.TOPICS.get(group.topic, group.topic)),
        format=str(labels.FORMATS.get(group.format, group.format)),
        next_meeting=local_time(group.next_starts_at, zone) if group.next_starts_at else "",
        distance=distance_text(getattr(group, "distance_km", None)),
        seats=seats,
        full=full,
        how_to_join=str(labels.ENROLLMENT_MODES.get(group.enrollment_mode, "")),
        place=place,
    )


def phone_for_display(e164: str | None) -> str:
    """(217) 555-0142 for a North American number, +44 20 7946 0018 for others."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 1
        else (phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    )
    return phonenumbers.format_number(number, style)
