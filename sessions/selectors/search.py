"""Group search: nearby, upcoming, filtered; one SQL query for a page whatever its size.

Distance works on SQLite and PostgreSQL through the ORM, with no GIS server:
a bounding box on the indexed venue coordinates narrows the rows, then the
haversine great-circle distance (ORM math functions) keeps those inside the
radius. The next session and the seats left are correlated subqueries, so a
page of 100 costs the same number of queries as a page of 1.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import (
    ASin,
    Coalesce,
    Cos,
    ExtractHour,
    ExtractIsoWeekDay,
    Least,
    Power,
    Radians,
    Sin,
    Sqrt,
)
from django.utils import timezone

from sessions.models import Enrollment, SessionSeries, SupportGroup
from sessions.selectors.schedule import scheduled_from
from sessions.services.places import EARTH_RADIUS_KM

DAY_CODES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Local start hour ranges [from, to) of a series.
TIME_OF_DAY_HOURS = {"morning": ((5, 12),), "afternoon": ((12, 17),), "evening": ((17, 24), (0, 5))}
ACCESSIBILITY_FIELDS = {
    "wheelchair": "wheelchair_accessible",
    "hearing": "hearing_access",
    "childcare": "childcare",
}
ORDERINGS = ("distance", "next_session")
KM_PER_DEGREE_LATITUDE = EARTH_RADIUS_KM * math.pi / 180

ORDERING_NEEDS_NEAR = "Ordering by distance needs a place: add near=…"


@dataclass(frozen=True)
class GroupSearch:
    """Validated search parameters (the API serializer builds this)."""

    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = 40.0
    topics: tuple[str, ...] = ()
    audience: str = ""
    format: str = ""
    include_online: bool = False
    days: tuple[str, ...] = ()
    time_of_day: str = ""
    language: str = ""
    accessibility: tuple[str, ...] = ()
    cost: str = ""
    faith: str = ""
    has_openings: bool = False
    q: str = ""
    ordering: str = ""

    @property
    def has_center(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def bounding_box(*, latitude: float, longitude: float, radius_km: float) -> tuple[float, float, list[tuple]]:
    """(min_lat, max_lat, longitude ranges) enclosing every point within radius_km.

    Longitude ranges split in two where the box crosses the antimeridian, and
    cover every longitude where it reaches a pole.
    """
    dlat = radius_km / KM_PER_DEGREE_LATITUDE
    min_lat, max_lat = latitude - dlat, latitude + dlat
    if min_lat <= -90 or max_lat >= 90:
        return max(min_lat, -90.0), min(max_lat, 90.0), [(-180.0, 180.0)]
    # Longitude degrees shrink towards the poles: size the box at its widest latitude.
    widest = max(abs(min_lat), abs(max_lat))
    dlng = dlat / math.cos(math.radians(widest))
    if dlng >= 180:
        return min_lat, max_lat, [(-180.0, 180.0)]
    west, east = longitude - dlng, longitude + dlng
    if west < -180:
        return min_lat, max_lat, [(west + 360, 180.0), (-180.0, east)]
    if east > 180:
        return min_lat, max_lat, [(west, 180.0), (-180.0, east - 360)]
    return min_lat, max_lat, [(west, east)]


def distance_km_expression(*, latitude: float, longitude: float, prefix: str = "venue__"):
    """Haversine distance in km from a fixed point to the row's coordinates, as an ORM expression."""
    lat_field, lng_field = F(f"{prefix}latitude"), F(f"{prefix}longitude")
    lat0 = math.radians(latitude)
    half_dlat = (Radians(lat_field) - Value(lat0)) / Value(2.0)
    half_dlng = (Radians(lng_field) - Value(math.radians(longitude))) / Value(2.0)
    a = Power(Sin(half_dlat), Value(2)) + Value(math.cos(lat0)) * Cos(Radians(lat_field)) * Power(
        Sin(half_dlng), Value(2)
    )
    # Least() guards asin() against rounding just above 1 for antipodal points.
    return Value(2 * EARTH_RADIUS_KM) * ASin(Sqrt(Least(a, Value(1.0))), output_field=FloatField())


def with_next_session_and_seats(queryset: QuerySet[SupportGroup], *, now: dt.datetime) -> QuerySet[SupportGroup]:
    """Annotate next_starts_at, next_ends_at and active_count as subqueries (no per-row queries)."""
    nxt = scheduled_from(now=now).filter(group=OuterRef("pk"))
    active = (
        Enrollment.objects.filter(group=OuterRef("pk"), status=Enrollment.Status.ACTIVE)
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        next_starts_at=Subquery(nxt.values("starts_at")[:1]),
        next_ends_at=Subquery(nxt.values("ends_at")[:1]),
        active_count=Coalesce(Subquery(active, output_field=IntegerField()), Value(0)),
    )


def _series_filter(params: GroupSearch) -> Q:
    """Series whose wall-clock weekday / start hour match, in the group's own time zone.

    A series keeps `dtstart` in local wall-clock time (stored without offset,
    read back as UTC) and its RRULE's BYDAY in local days, so both can be
    compared directly, whatever the group's time zone and across DST.
    """
    condition = Q()
    if params.days:
        day_q = Q()
        for code in params.days:
            index = DAY_CODES.index(code)
            day_q |= Q(rrule__regex=rf"BYDAY=[^;]*{_RRULE_DAYS[index]}")
            day_q |= ~Q(rrule__contains="BYDAY=") & Q(local_weekday=index + 1)
        condition &= day_q
    if params.time_of_day:
        hour_q = Q()
        for start, end in TIME_OF_DAY_HOURS[params.time_of_day]:
            hour_q |= Q(local_hour__gte=start, local_hour__lt=end)
        condition &= hour_q
    return condition


def groups_search(*, params: GroupSearch, now: dt.datetime | None = None) -> QuerySet[SupportGroup]:
    """Listed groups with an upcoming session that match `params`, ordered as asked.

    Each row carries `distance_km` (None without a place, or for online
    groups), `next_starts_at`, `next_ends_at` and `active_count`.
    """
    return _matching_groups(params=params, now=now or timezone.now()).order_by(*_ordering(params))


def _matching_groups(*, params: GroupSearch, now: dt.datetime) -> QuerySet[SupportGroup]:
    groups = SupportGroup.objects.filter(listed=True).select_related("organization", "venue")
    # "Has an upcoming session" is the next session being there (the same scheduled_from rule).
    groups = with_next_session_and_seats(groups, now=now).filter(next_starts_at__isnull=False)
    groups = _schedule_filtered(_group_filtered(groups, params), params)
    if params.has_center and not _online_only(params):
        return _within_radius(groups, params)
    return groups.annotate(distance_km=Value(None, output_field=FloatField()))


def _online_only(params: GroupSearch) -> bool:
    return params.format == SupportGroup.Format.ONLINE


def _group_filtered(groups: QuerySet[SupportGroup], params: GroupSearch) -> QuerySet[SupportGroup]:
    """The filters on the group's own fields (and its seats)."""
    if params.topics:
        groups = groups.filter(topic__in=params.topics)
    if params.audience:
        groups = groups.filter(audience=params.audience)
    if params.format:
        groups = groups.filter(format=params.format)
    if params.language:
        language = params.language
        groups = groups.filter(Q(language__iexact=language) | Q(language__istartswith=f"{language}-"))
    for flag in params.accessibility:
        groups = groups.filter(**{ACCESSIBILITY_FIELDS[flag]: True})
    if params.cost:
        groups = groups.filter(cost=params.cost)
    if params.faith:
        groups = groups.filter(faith_based=params.faith == "faith_based")
    if params.has_openings:
        groups = groups.filter(Q(capacity__isnull=True) | Q(capacity__gt=F("active_count")))
    if params.q:
        groups = groups.filter(
            Q(name__icontains=params.q) | Q(description__icontains=params.q) | Q(organization__name__icontains=params.q)
        )
    return groups


def _schedule_filtered(groups: QuerySet[SupportGroup], params: GroupSearch) -> QuerySet[SupportGroup]:
    """Groups with an active series on the chosen days / time of day."""
    if not (params.days or params.time_of_day):
        return groups
    series = SessionSeries.objects.filter(group=OuterRef("pk"), active=True).annotate(
        local_weekday=ExtractIsoWeekDay("dtstart", tzinfo=dt.UTC),
        local_hour=ExtractHour("dtstart", tzinfo=dt.UTC),
    )
    return groups.filter(Exists(series.filter(_series_filter(params))))


def _ordering(params: GroupSearch) -> tuple:
    nearest_first = params.ordering == "distance" or (
        params.has_center and not params.ordering and not _online_only(params)
    )
    if nearest_first:
        # Online groups have no distance and come after the nearby ones.
        return (F("distance_km").asc(nulls_last=True), F("next_starts_at").asc(), F("pk").asc())
    return (F("next_starts_at").asc(), F("distance_km").asc(nulls_last=True), F("pk").asc())


@dataclass(frozen=True)
class SearchPage:
    """A slice of a search's results and how many results there are in all."""

    groups: list[SupportGroup]
    count: int | None  # None when the slice starts past the last result (no row carries the count)


def groups_search_page(
    *, params: GroupSearch, offset: int, limit: int, now: dt.datetime | None = None, columns: Sequence[str] = ()
) -> SearchPage:
    """`groups_search(params)[offset:offset + limit]` and its count in one query: each row
    carries the total as a window count, where a paginator would run a COUNT query first.
    With `columns`, the rows carry only those (see `only_columns`)."""
    results = only_columns(groups_search(params=params, now=now), columns).annotate(results_count=Window(Count("pk")))
    groups = list(results[offset : offset + limit])
    if groups:
        return SearchPage(groups=groups, count=groups[0].results_count)
    return SearchPage(groups=[], count=0 if offset == 0 else None)


def online_groups_soonest(
    *, params: GroupSearch, limit: int, now: dt.datetime | None = None, columns: Sequence[str] = ()
) -> list[SupportGroup]:
    """The first `limit` online groups matching `params`' filters, soonest first (the finder's
    online list): the search itself with format=online and no place. With `columns`, the rows
    carry only those (see `only_columns`)."""
    online = replace(
        params,
        latitude=None,
        longitude=None,
        format=SupportGroup.Format.ONLINE,
        include_online=False,
        ordering="next_session",
    )
    return list(only_columns(groups_search(params=online, now=now), columns)[:limit])


def only_columns(groups: QuerySet[SupportGroup], columns: Sequence[str]) -> QuerySet[SupportGroup]:
    """The search's rows with only these group columns and, for "venue__city" and the like, the
    related rows' (every column when `columns` is empty). The annotations stay.

    For a caller that shows a list and reads no more than it names: the finder's cards need a
    tenth of a group's columns and none of its organization's, and each column left out is SQL
    the ORM need not build nor the database send. Reading a column left out costs a query per row.
    """
    if not columns:
        return groups
    related = {column.split("__", 1)[0] for column in columns if "__" in column}
    return groups.select_related(None).select_related(*related).only(*columns)


def _within_radius(groups: QuerySet[SupportGroup], params: GroupSearch) -> QuerySet[SupportGroup]:
    min_lat, max_lat, lng_ranges = bounding_box(
        latitude=params.latitude, longitude=params.longitude, radius_km=params.radius_km
    )
    box = Q(venue__latitude__gte=min_lat, venue__latitude__lte=max_lat)
    lng_q = Q()
    for west, east in lng_ranges:
        lng_q |= Q(venue__longitude__gte=west, venue__longitude__lte=east)
    box &= lng_q
    distance = distance_km_expression(latitude=params.latitude, longitude=params.longitude)
    nearby = box & Q(distance_km__lte=params.radius_km) & ~Q(format=SupportGroup.Format.ONLINE)
    if params.include_online:
        online = Q(format=SupportGroup.Format.ONLINE)
        return groups.annotate(
            distance_km=_case_not_online(distance),
        ).filter(nearby | online)
    return groups.annotate(distance_km=distance).filter(nearby)


def _case_not_online(distance):
    # An online group's venue (if any) is an office, not where anyone meets.
    return Case(
        When(format=SupportGroup.Format.ONLINE, then=Value(None, output_field=FloatField())),
        default=distance,
        output_field=FloatField(),
    )
