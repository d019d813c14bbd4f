"""Meeting Guide (code4recovery spec) interoperability: export our weekly groups, import a feed.

The spec (https://github.com/code4recovery/spec) lists weekly meetings as a
JSON array; `name` and `slug` are required, `day` (0 = Sunday … 6, or a list)
and `time` ("HH:MM") make a meeting show in apps. Only weekly series are
exported: the spec is for weekly meetings only.

Conference links are never exported: in Lantern they go only to a group's
active members, and a feed is public.

Only the spec's own type codes and field names go out, so that a feed checks
clean against code4recovery's published JSON schema. What the spec has no word
for travels in extension fields prefixed `lantern_`, which the spec's importers
ignore: `lantern_topic` (a SupportGroup.Topic value) and `lantern_format`
(in_person / online / hybrid). The topic label also opens `notes`, for people.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sessions.links import group_page_url
from sessions.models import Organization, SessionSeries, SupportGroup, Venue
from sessions.selectors.groups import groups_with_weekly_series
from sessions.services.schedule import series_create, series_local_dtstart
from sessions.services.venues import venue_create
from sessions.validators import validate_timezone

# Extension fields: not in the spec, ignored by its importers, read back by ours.
TOPIC_FIELD = "lantern_topic"
FORMAT_FIELD = "lantern_format"
# Custom type codes that earlier Lantern feeds used for the topic. The spec's schema
# accepts only its own codes, so they are no longer written; the importer still
# reads them from feeds written before.
LEGACY_TOPIC_TYPES = {
    "grief": "GRIEF",
    "spouse_loss": "GRIEF-SPOUSE",
    "child_loss": "GRIEF-CHILD",
    "parent_loss": "GRIEF-PARENT",
    "suicide_loss": "GRIEF-SUICIDE",
    "pregnancy_infant_loss": "GRIEF-INFANT",
    "overdose_loss": "GRIEF-OVERDOSE",
    "pet_loss": "GRIEF-PET",
    "divorce": "DIVORCE",
    "caregivers": "CAREGIVERS",
    "mens_peer": "PEER-MEN",
    "mental_health_peer": "PEER-MENTAL-HEALTH",
    "other": "PEER-OTHER",
}
# Lantern audience -> standard spec types.
AUDIENCE_TYPES = {"men": "M", "women": "W", "young_adults": "Y", "lgbtq": "LGBTQ"}
# Language (BCP 47 primary subtag) -> standard spec types.
LANGUAGE_TYPES = {
    "en": "EN",
    "es": "S",
    "fr": "FR",
    "de": "DE",
    "it": "ITA",
    "pt": "POR",
    "pl": "POL",
    "ru": "RUS",
    "ja": "JA",
    "ko": "KOR",
    "he": "HE",
    "hi": "HI",
    "uk": "UK",
    "tl": "TL",
}
WHEELCHAIR_TYPE = "X"
CHILDCARE_TYPE = "BA"
SECULAR_TYPE = "A"
# The spec dropped its "ONL" type: a meeting is online when it has a conference_url
# or conference_phone. Lantern never publishes those (members only), so an online
# group is said to be online in `notes` and `lantern_format`. Feeds from other
# sites may still carry ONL; the importer reads it.
LEGACY_ONLINE_TYPE = "ONL"

_STATE_CODE = re.compile(r"[A-Z]{2}")
_RRULE_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # index = spec day number
DEFAULT_DURATION_MINUTES = 60  # the spec's default when end_time is absent

ROW_NOT_OBJECT = "row is not a JSON object"
ROW_MISSING = "missing {field}"
ROW_BAD_DAY = "day must be 0 (Sunday) to 6 (Saturday), or a list of them"
ROW_BAD_TIME = "{field} must be HH:MM in 24-hour time"
ROW_BAD_TIMEZONE = "unknown timezone {value!r}"
ROW_NEEDS_PLACE = "no address, city or coordinates, and no timezone: cannot place this meeting"
ROW_SLUG_TAKEN = "slug {slug!r} belongs to another organization"
ROW_DUPLICATE_SLUG = "slug {slug!r} appears twice in this file"


# --- Export ---------------------------------------------------------------------------


def _weekdays(rrule: str, local_start: dt.datetime) -> list[int]:
    parts = dict(part.split("=", 1) for part in rrule.upper().split(";") if "=" in part)
    if parts.get("BYDAY"):
        days = {_RRULE_DAYS.index(code[-2:]) for code in parts["BYDAY"].split(",") if code[-2:] in _RRULE_DAYS}
        return sorted(days)
    return [(local_start.isoweekday()) % 7]


def _types(group: SupportGroup) -> list[str]:
    types = []
    if group.audience in AUDIENCE_TYPES:
        types.append(AUDIENCE_TYPES[group.audience])
    language = group.language.split("-")[0].lower()
    if language in LANGUAGE_TYPES:
        types.append(LANGUAGE_TYPES[language])
    if group.wheelchair_accessible:
        types.append(WHEELCHAIR_TYPE)
    if group.childcare:
        types.append(CHILDCARE_TYPE)
    if not group.faith_based:
        types.append(SECULAR_TYPE)
    return types


def _notes(group: SupportGroup, page: str) -> str:
    lines = [f"{group.get_topic_display()}."]
    if group.format != SupportGroup.Format.IN_PERSON:
        where = "Online" if group.format == SupportGroup.Format.ONLINE else "In person and online"
        lines.append(f"{where}: the link goes to members after they join at {page}")
    if group.description:
        lines.append(group.description)
    return "\n\n".join(lines)


def _meeting(group: SupportGroup, series: SessionSeries, *, slug: str) -> dict:
    local_start = series_local_dtstart(series)
    end = local_start + dt.timedelta(minutes=series.duration_minutes)
    venue: Venue | None = series.effective_venue
    org = group.organization
    updated = max(group.updated_at, series.updated_at).astimezone(dt.UTC)
    days = _weekdays(series.rrule, local_start)
    page = group_page_url(group)
    meeting = {
        "name": group.name,
        "slug": slug,
        "day": days[0] if len(days) == 1 else days,
        "time": local_start.strftime("%H:%M"),
        "end_time": end.strftime("%H:%M"),
        "timezone": series.timezone,
        "types": _types(group),
        "notes": _notes(group, page),
        "url": page,
        "updated": updated.strftime("%Y-%m-%d %H:%M:%S"),
        "group": group.name,
        "entity": org.name,
        "entity_email": org.contact_email,
        "entity_phone": org.contact_phone,
        "entity_website_url": org.website,
        TOPIC_FIELD: group.topic,
        FORMAT_FIELD: group.format,
    }
    if venue is not None:
        parts = [venue.address, venue.city, " ".join(p for p in (venue.region, venue.postal_code) if p), venue.country]
        meeting.update(
            {
                "location": venue.name,
                "location_notes": venue.accessibility_notes,
                "formatted_address": ", ".join(p for p in parts if p),
                "address": venue.address,
                "city": venue.city,
                # The spec's `state` is a two-letter state or province code; a region
                # such as "England" stays in formatted_address only.
                "state": venue.region if _STATE_CODE.fullmatch(venue.region or "") else "",
                "postal_code": venue.postal_code,
                "country": venue.country,
                "region": venue.city,
                "latitude": round(venue.latitude, 5),
                "longitude": round(venue.longitude, 5),
                "approximate": "yes" if venue.location_approximate or not venue.address else "no",
            }
        )
    return {key: value for key, value in meeting.items() if value not in ("", None)}


def _every_week(rrule: str) -> bool:
    # FREQ=WEEKLY;INTERVAL=2 meets every other week, which the format cannot say.
    parts = dict(part.split("=", 1) for part in rrule.upper().split(";") if "=" in part)
    return parts.get("FREQ") == "WEEKLY" and parts.get("INTERVAL", "1") == "1"


def meeting_guide_feed() -> list[dict]:
    """Every listed group's active weekly series as Meeting Guide meetings (no conference links)."""
    meetings = []
    for group in groups_with_weekly_series():
        weekly = [series for series in group.weekly_series if _every_week(series.rrule)]
        several = len(weekly) > 1
        for series in weekly:
            slug = f"{group.slug}-{series.pk}" if several else group.slug
            meetings.append(_meeting(group, series, slug=slug))
    return meetings


# --- Import ---------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[tuple[int, str, str]] = field(default_factory=list)  # (row number, slug, reason)


class RowRejected(Exception):
    pass


def _parse_time(value, *, name: str) -> dt.time:
    try:
        hours, minutes = str(value).strip().split(":")[:2]
        return dt.time(int(hours), int(minutes))
    except (ValueError, TypeError):
        raise RowRejected(ROW_BAD_TIME.format(field=name)) from None


def _parse_days(value) -> list[int]:
    values = value if isinstance(value, list) else [value]
    days = []
    for item in values:
        try:
            day = int(item)
        except (TypeError, ValueError):
            raise RowRejected(ROW_BAD_DAY) from None
        if not 0 <= day <= 6 or isinstance(item, bool):
            raise RowRejected(ROW_BAD_DAY)
        days.append(day)
    if not days:
        raise RowRejected(ROW_BAD_DAY)
    return sorted(set(days))


def _topic(row: dict, codes: set[str]) -> str:
    if row.get(TOPIC_FIELD) in SupportGroup.Topic.values:
        return row[TOPIC_FIELD]
    return next((topic for topic, code in LEGACY_TOPIC_TYPES.items() if code in codes), SupportGroup.Topic.OTHER)


def _group_fields_from_types(row: dict, types: Iterable[str]) -> dict:
    codes = {str(code).upper() for code in types}
    topic = _topic(row, codes)
    audience = next((aud for aud, code in AUDIENCE_TYPES.items() if code in codes), SupportGroup.Audience.EVERYONE)
    language = next((lang for lang, code in LANGUAGE_TYPES.items() if code in codes), "en")
    return {
        "topic": topic,
        "audience": audience,
        "language": language,
        "wheelchair_accessible": WHEELCHAIR_TYPE in codes,
        "childcare": CHILDCARE_TYPE in codes,
        "faith_based": False,
    }


def _float_or_none(value) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise RowRejected(f"latitude/longitude must be numbers, got {value!r}") from None


# Long country names seen in feeds; any other value that is not a two-letter code is read as US.
_COUNTRY_NAMES = {"USA": "US", "UNITED STATES": "US", "CANADA": "CA", "UK": "GB"}


def _country_code(value) -> str:
    country = (value or "US").strip().upper()
    # Names first: "UK" is two letters but not the ISO code (GB) the crisis lines are keyed by.
    return _COUNTRY_NAMES.get(country, country if len(country) == 2 else "US")


def _coordinates(row: dict) -> tuple[float, float] | None:
    latitude, longitude = _float_or_none(row.get("latitude")), _float_or_none(row.get("longitude"))
    if latitude is None or longitude is None:
        return None
    return latitude, longitude


def _venue_for(row: dict, *, organization: Organization) -> Venue | None:
    city = (row.get("city") or "").strip()
    address = (row.get("address") or "").strip()
    coordinates = _coordinates(row)
    postal_code = str(row.get("postal_code") or "").strip()
    if not (city or postal_code or coordinates):
        return None
    name = (row.get("location") or address or city or "Meeting place").strip()[:200]
    existing = Venue.objects.filter(organization=organization, name=name, address=address, city=city).first()
    if existing:
        return existing
    fields = {
        "name": name,
        "address": address[:300],
        "city": city[:120],
        "region": (row.get("state") or "").strip()[:120],
        "postal_code": postal_code[:20],
        "country": _country_code(row.get("country")),
        "accessibility_notes": (row.get("location_notes") or "").strip(),
    }
    if coordinates:
        fields.update(latitude=coordinates[0], longitude=coordinates[1])
    return venue_create(organization=organization, **fields)


def _next_local_start(days: list[int], at: dt.time, *, tz_name: str, now: dt.datetime) -> dt.datetime:
    """The first upcoming local date-time on one of `days` (spec numbering, 0 = Sunday)."""
    today = now.astimezone(zoneinfo.ZoneInfo(tz_name)).date()
    for offset in range(1, 8):
        candidate = today + dt.timedelta(days=offset)
        if candidate.isoweekday() % 7 in days:
            return dt.datetime.combine(candidate, at)
    raise AssertionError("a week always contains each weekday")  # pragma: no cover


def _sms_label(days: list[int], at: dt.time) -> str:
    # Lock screens show this, never the topic: a weekday and a part of the day.
    names = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
    part = "morning" if at.hour < 12 else "afternoon" if at.hour < 17 else "evening"
    return f"{names[days[0]]} {part} group" if len(days) == 1 else f"Weekly {part} group"


@dataclass(frozen=True)
class _RowMeeting:
    """What a row says about its meeting, read and checked before anything is written."""

    name: str
    slug: str
    days: list[int]
    start: dt.time
    duration_minutes: int
    timezone: str  # "" when the row names none: the venue's then decides


def _required(row: dict, name: str):
    value = row.get(name)
    if value is None or value == "":
        raise RowRejected(ROW_MISSING.format(field=name))
    return value


def _duration_minutes(row: dict, start: dt.time) -> int:
    if not row.get("end_time"):
        return DEFAULT_DURATION_MINUTES
    end = _parse_time(row["end_time"], name="end_time")
    # An end before the start runs past midnight; an end equal to it says nothing.
    return (end.hour * 60 + end.minute - start.hour * 60 - start.minute) % 1440 or DEFAULT_DURATION_MINUTES


def _row_timezone(row: dict) -> str:
    tz_name = (row.get("timezone") or "").strip()
    if tz_name:
        try:
            validate_timezone(tz_name)
        except ValidationError:
            raise RowRejected(ROW_BAD_TIMEZONE.format(value=tz_name)) from None
    return tz_name


def _read_row(row) -> _RowMeeting:
    if not isinstance(row, dict):
        raise RowRejected(ROW_NOT_OBJECT)
    name = str(row.get("name") or "").strip()
    if not name:
        raise RowRejected(ROW_MISSING.format(field="name"))
    slug = slugify(str(row.get("slug") or ""))[:120]
    if not slug:
        raise RowRejected(ROW_MISSING.format(field="slug"))
    days = _parse_days(_required(row, "day"))
    if not row.get("time"):
        raise RowRejected(ROW_MISSING.format(field="time"))
    start = _parse_time(row["time"], name="time")
    return _RowMeeting(
        name=name,
        slug=slug,
        days=days,
        start=start,
        duration_minutes=_duration_minutes(row, start),
        timezone=_row_timezone(row),
    )


def _group_format(row: dict, types: list, venue: Venue | None) -> str:
    if venue is None:
        return SupportGroup.Format.ONLINE
    online = (
        bool(row.get("conference_url") or row.get("conference_phone"))
        or LEGACY_ONLINE_TYPE in types
        or row.get(FORMAT_FIELD) in (SupportGroup.Format.ONLINE, SupportGroup.Format.HYBRID)
    )
    return SupportGroup.Format.HYBRID if online else SupportGroup.Format.IN_PERSON


def _import_row(row, *, organization: Organization, now: dt.datetime) -> tuple[str, bool]:
    meeting = _read_row(row)
    existing = SupportGroup.objects.filter(slug=meeting.slug).first()
    if existing is not None:
        if existing.organization_id != organization.pk:
            raise RowRejected(ROW_SLUG_TAKEN.format(slug=meeting.slug))
        return meeting.slug, False

    venue = _venue_for(row, organization=organization)
    if venue is None and not meeting.timezone:
        raise RowRejected(ROW_NEEDS_PLACE)
    tz_name = meeting.timezone or venue.timezone
    types = row.get("types") if isinstance(row.get("types"), list) else []
    group = SupportGroup(
        organization=organization,
        name=meeting.name[:200],
        slug=meeting.slug,
        description=str(row.get("notes") or "").strip(),
        format=_group_format(row, types, venue),
        venue=venue,
        conference_url=str(row.get("conference_url") or "")[:200],
        timezone=tz_name,
        sms_label=_sms_label(meeting.days, meeting.start),
        **_group_fields_from_types(row, types),
    )
    group.full_clean()
    group.save()
    byday = ",".join(_RRULE_DAYS[day] for day in meeting.days)
    series_create(
        group=group,
        rrule=f"FREQ=WEEKLY;BYDAY={byday}",
        dtstart=_next_local_start(meeting.days, meeting.start, tz_name=tz_name, now=now),
        timezone=tz_name,
        duration_minutes=meeting.duration_minutes,
        venue=venue,
        now=now,
    )
    return meeting.slug, True


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


def meeting_guide_import(
    *,
    rows: list,
    organization: Organization,
    now: dt.datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Import Meeting Guide meetings into `organization`: groups, venues and weekly series.

    Idempotent by slug: a slug already imported into this organization is left
    as it is. Each row is its own transaction, so a rejected row leaves nothing
    behind and does not stop the others.
    """
    now = now or timezone.now()
    report = ImportReport()
    seen: set[str] = set()
    for number, row in enumerate(rows, start=1):
        raw_slug = slugify(str(row.get("slug") or "")) if isinstance(row, dict) else ""
        try:
            if raw_slug and raw_slug in seen:
                raise RowRejected(ROW_DUPLICATE_SLUG.format(slug=raw_slug))
            with transaction.atomic():
                slug, created = _import_row(row, organization=organization, now=now)
            (report.created if created else report.unchanged).append(slug)
        except (RowRejected, ValidationError) as exc:
            report.rejected.append((number, raw_slug, _reason(exc)))
        if raw_slug:
            seen.add(raw_slug)
        if progress:
            progress(number, len(rows))
    return report
