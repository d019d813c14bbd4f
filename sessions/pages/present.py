"""How the pages show times, distances and seats: local time with its zone, miles and km."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

import phonenumbers
from django.urls import reverse
from django.utils import dateformat
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from sessions.models import SupportGroup
from sessions.pages import labels
from sessions.services.places import KM_PER_MILE


def time_pattern() -> str:
    # Translators: a date and time as Django's date filter reads it (D weekday, M month, j day…).
    return pgettext("session time", "D M j, g:i A")


def local_time(value: dt.datetime, zone: zoneinfo.ZoneInfo, *, pattern: str | None = None) -> str:
    """ "Tue Dec 8, 7:00 PM CST" in English, "mar 8 dic, 19:00 CST" in Spanish."""
    local = value.astimezone(zone)
    return f"{capfirst(dateformat.format(local, pattern or time_pattern()))} {local.tzname()}"


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


# Every column of a group (and of its venue) that a card reads, here, in pages/map.py and in
# finder/_results.html: the finder fetches these and no more.
CARD_COLUMNS = (
    "name",
    "slug",
    "topic",
    "format",
    "timezone",
    "capacity",
    "enrollment_mode",
    "venue__city",
    "venue__region",
    "venue__timezone",
    "venue__latitude",
    "venue__longitude",
)


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
    url: str


class _Words:
    """The translated words every summary uses, looked up once for a list of groups
    rather than once per group (lazy labels cost a catalog lookup each time they are read)."""

    def __init__(self) -> None:
        self.topics = {code: str(label) for code, label in labels.TOPICS.items()}
        self.formats = {code: str(label) for code, label in labels.FORMATS.items()}
        self.enrollment_modes = {code: str(label) for code, label in labels.ENROLLMENT_MODES.items()}
        self.time_pattern = time_pattern()


def _summary(group: SupportGroup, words: _Words) -> GroupSummary:
    zone = group.local_zone
    seats, full = seats_text(group)
    venue = group.venue if group.venue_id else None
    if group.format == SupportGroup.Format.ONLINE or venue is None:
        place = ""  # the format already says "Online"
    else:
        place = ", ".join(part for part in (venue.city, venue.region) if part)
    next_meeting = local_time(group.next_starts_at, zone, pattern=words.time_pattern) if group.next_starts_at else ""
    return GroupSummary(
        group=group,
        topic=words.topics.get(group.topic, group.topic),
        format=words.formats.get(group.format, group.format),
        next_meeting=next_meeting,
        distance=distance_text(getattr(group, "distance_km", None)),
        seats=seats,
        full=full,
        how_to_join=words.enrollment_modes.get(group.enrollment_mode, ""),
        place=place,
        url=reverse("group-page", args=[group.slug]),
    )


def summarize(group: SupportGroup) -> GroupSummary:
    return _summary(group, _Words())


def summarize_all(groups) -> list[GroupSummary]:
    """Summaries of a list of groups (the finder's cards), with the shared words looked up once."""
    words = _Words()
    return [_summary(group, words) for group in groups]


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
