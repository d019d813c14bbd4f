"""Benchmark: the finder's results page against the JSON API on the same search, on PostgreSQL.

    .venv/bin/python -m bench.pages [--groups 1500] [--repeat 3] [--keep-db]

Creates a throwaway database next to DATABASE_URL's (default
postgres://postgres@127.0.0.1:5432/postgres), loads the US cities of the gazetteer, fills it
with groups around ten cities (a venue, a weekly series and upcoming sessions each; one in
twenty online), then for each city measures, through Django's test client (server time, no
network):

- the page: GET /groups/?near=<City, ST>&radius=25 (geocoding, the form, the nearby search and
  the online list, the template);
- the API on the same search: GET /api/groups/?near=<City, ST>&radius_mi=25, and the same plus
  the online list the page also shows (GET /api/groups/?format=online);

and prints p50/p95 of each, the ratio page / API (target <= 1.5x), the SQL queries per page
for every city (target: the same number whatever the results) and the bytes of the results
page's HTML + CSS + JS, gzip-compressed as a server would send them (target < 60 KB).

Both sides run with the same settings (bench._support: DEBUG off, so the cached template
loader; plain http; static URLs without collectstatic's manifest) and the same page size (20).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import random
import statistics
import sys
import time
from pathlib import Path

from bench._support import percentile, setup_django, throwaway_database

CITIES = [
    ("Chicago", "IL"),
    ("Springfield", "IL"),
    ("Houston", "TX"),
    ("Denver", "CO"),
    ("Boston", "MA"),
    ("Seattle", "WA"),
    ("Atlanta", "GA"),
    ("Nashville", "TN"),
    ("Portland", "OR"),
    ("Phoenix", "AZ"),
]
SESSIONS_PER_GROUP = 4
ROOT = Path(__file__).resolve().parent.parent


def generate(*, groups: int, seed: int, now: dt.datetime) -> None:
    from sessions.models import Organization, Place, Session, SessionSeries, SupportGroup, Venue

    rng = random.Random(seed)
    centres = []
    for city, state in CITIES:
        place = Place.objects.filter(kind="city", key=city.lower(), region=state).order_by("-population").first()
        centres.append(place)
    organization = Organization.objects.create(name="Bench Hospice", slug="bench-hospice")
    topics = [t for t, _ in SupportGroup.Topic.choices]
    venues, new_groups = [], []
    for n in range(groups):
        centre = centres[n % len(centres)]
        online = n % 20 == 0
        venue = None
        if not online:
            venue = Venue(
                organization=organization,
                name=f"Room {n}",
                address=f"{n} Main St",
                city=centre.name,
                region=centre.region,
                country="US",
                latitude=centre.latitude + rng.gauss(0, 0.15),
                longitude=centre.longitude + rng.gauss(0, 0.18),
                timezone=centre.timezone or "America/Chicago",
            )
            venues.append(venue)
        new_groups.append((venue, online, centre))
    Venue.objects.bulk_create(venues)
    rows = [
        SupportGroup(
            organization=organization,
            name=f"Bench group {n}",
            slug=f"bench-{n}",
            topic=rng.choice(topics),
            format="online" if online else rng.choice(["in_person", "in_person", "hybrid"]),
            venue=venue,
            timezone=(venue.timezone if venue else centre.timezone) or "America/Chicago",
            capacity=rng.choice([None, 8, 12, 20]),
            sms_label="Weekly group",
            description="A peer-led group.",
        )
        for n, (venue, online, centre) in enumerate(new_groups)
    ]
    SupportGroup.objects.bulk_create(rows)
    series = SessionSeries.objects.bulk_create(
        SessionSeries(
            group=group,
            rrule=f"FREQ=WEEKLY;BYDAY={rng.choice(['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'])}",
            dtstart=dt.datetime(2026, 1, 5, rng.choice([10, 14, 18, 19]), 0, tzinfo=dt.UTC),
            timezone=group.timezone,
            duration_minutes=90,
        )
        for group in rows
    )
    sessions = []
    for s in series:
        first = now + dt.timedelta(hours=rng.randint(1, 160))
        for week in range(SESSIONS_PER_GROUP):
            at = first + dt.timedelta(weeks=week)
            sessions.append(
                Session(
                    series=s,
                    group_id=s.group_id,
                    starts_at=at,
                    ends_at=at + dt.timedelta(minutes=90),
                    original_start=at,
                )
            )
    Session.objects.bulk_create(sessions, batch_size=5000)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _timed(client, path: str, params: dict) -> tuple[float, object]:
    started = time.perf_counter()
    response = client.get(path, params)
    elapsed = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (path, params, response.status_code)
    return elapsed, response


def compressed_bytes(html: bytes) -> dict[str, int]:
    """gzip sizes of the results page and the static files it loads."""
    sizes = {"html": len(gzip.compress(html))}
    for name in ("static/css/lantern.css", "static/js/lantern.js"):
        sizes[name] = len(gzip.compress((ROOT / name).read_bytes()))
    return sizes


def measure(*, repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    page_times, api_times, api_both_times, queries, found = [], [], [], {}, {}
    for city, state in CITIES[:2]:  # warm-up: imports, template loading, connection
        client.get("/groups/", {"near": f"{city}, {state}"})
        client.get("/api/groups/", {"near": f"{city}, {state}", "radius_mi": 25})
    largest_html = b""
    for _ in range(repeat):
        for city, state in CITIES:
            near = f"{city}, {state}"
            with CaptureQueriesContext(connection) as captured:
                page_ms, page = _timed(client, "/groups/", {"near": near, "radius": "25"})
            queries[city] = len(captured.captured_queries)
            api_ms, api = _timed(client, "/api/groups/", {"near": near, "radius_mi": 25})
            online_ms, _ = _timed(client, "/api/groups/", {"format": "online", "page_size": 10})
            page_times.append(page_ms)
            api_times.append(api_ms)
            api_both_times.append(api_ms + online_ms)
            found[city] = api.json()["count"]
            if len(page.content) > len(largest_html):
                largest_html = page.content
    return {
        "page": page_times,
        "api": api_times,
        "api_both": api_both_times,
        "queries": queries,
        "found": found,
        "bytes": compressed_bytes(largest_html),
    }


def _p(values: list[float]) -> str:
    return f"p50 {statistics.median(values):7.1f} ms   p95 {percentile(values, 95):7.1f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages", description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=1500, help="groups to generate (default 1500)")
    parser.add_argument("--repeat", type=int, default=3, help="rounds over the 10 cities (default 3)")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep-db", action="store_true", help="leave the throwaway database for inspection")
    args = parser.parse_args(argv)

    setup_django()
    with throwaway_database(benchmark="pages", keep=args.keep_db):
        from sessions.services.places import places_load

        started = time.perf_counter()
        places_load(countries=["US"], zip_prefixes=("606",))
        generate(groups=args.groups, seed=args.seed, now=dt.datetime.now(dt.UTC))
        generated_s = time.perf_counter() - started
        result = measure(repeat=args.repeat)

    page_p50, api_p50 = statistics.median(result["page"]), statistics.median(result["api"])
    both_p50 = statistics.median(result["api_both"])
    ratio, ratio_both = page_p50 / api_p50, page_p50 / both_p50
    query_counts = sorted(set(result["queries"].values()))
    sizes = result["bytes"]
    total_kb = sum(sizes.values()) / 1024
    print(f"pages benchmark: {args.groups} groups, {len(CITIES)} cities x {args.repeat} rounds, radius 25 mi")
    print(f"  data generated in {generated_s:.0f} s")
    print(f"  results page            {_p(result['page'])}")
    print(f"  API, same search        {_p(result['api'])}")
    print(f"  API + its online list   {_p(result['api_both'])}")
    print(f"  ratio page / API        p50 {ratio:5.2f}x  (target <= 1.5x)")
    print(f"  ratio page / API + online list  p50 {ratio_both:5.2f}x")
    print(
        f"  queries per page: {query_counts} over cities with {min(result['found'].values())} to "
        f"{max(result['found'].values())} results (target: one number)"
    )
    print(
        "  bytes gzip: "
        + ", ".join(f"{name} {size / 1024:.1f} KB" for name, size in sizes.items())
        + f"; total {total_kb:.1f} KB (target < 60 KB)"
    )
    ok = ratio <= 1.5 and len(query_counts) == 1 and total_kb < 60
    print("  verdict:", "OK" if ok else "OVER TARGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
