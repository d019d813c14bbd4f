"""Benchmark: the facilitators' roster page against the roster API, on PostgreSQL.

    .venv/bin/python -m bench.pages_facilitate [--sizes 10,100,500] [--repeat 10] [--keep-db]

Creates a throwaway database next to DATABASE_URL's (default
postgres://postgres@127.0.0.1:5432/postgres). For rosters of each size (a third on the
waitlist, so every section of the page has rows), it times, through Django's test client
as the group's co-facilitator:

- the page: GET /facilitate/groups/{id}/roster/ (session auth, the same permission
  check, selector and audit insert as the API, then the template: every row with its
  contacts and one-tap forms);
- the API: GET /api/manage/groups/{id}/roster/ (token auth, the same work, JSON).

It reports p50/p95 of each, their ratio, the cost of one more row in each (from the
smallest to the largest size) and the queries per request (target: the same at every
size). Runs in well under a minute at the default sizes.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from bench._support import bench_organization, percentile, setup_django, throwaway_database


def _roster_group(organization, venue, user, *, size: int, prefix: int):
    from sessions.models import Enrollment, Facilitator, Member, SupportGroup

    group = SupportGroup.objects.create(
        organization=organization,
        name=f"Roster {size}",
        slug=f"roster-{size}",
        topic="grief",
        format="in_person",
        venue=venue,
        timezone="America/Chicago",
        capacity=max(1, size * 2 // 3),
        sms_label="Group",
    )
    Facilitator.objects.create(group=group, user=user, role="co")
    members = Member.objects.bulk_create(
        Member(
            organization_id=group.organization_id,
            display_name=f"M{prefix}-{i}",
            phone=f"+1217{prefix:03d}{i:04d}",
            email=f"m{prefix}-{i}@example.org",
            timezone="America/Chicago",
        )
        for i in range(size)
    )
    seats = group.capacity
    Enrollment.objects.bulk_create(
        Enrollment(
            group=group,
            member=member,
            status="active" if i < seats else "waitlisted",
            waitlist_position=None if i < seats else i - seats + 1,
        )
        for i, member in enumerate(members)
    )
    return group


def _time(client, url: str, repeat: int, check) -> list[float]:
    for _ in range(3):  # warm-up
        check(client.get(url))
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - started) * 1000)
        check(response)
    return samples


def measure(*, sizes: list[int], repeat: int) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from sessions.models import Venue

    organization = bench_organization()
    venue = Venue.objects.create(
        organization=organization,
        name="Hall",
        city="Springfield",
        country="US",
        latitude=39.8,
        longitude=-89.6,
        timezone="America/Chicago",
    )
    user = get_user_model().objects.create_user(username="facilitator", password="x")
    page_client = Client()
    page_client.force_login(user)
    api_client = Client(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    results = {}
    for prefix, size in enumerate(sizes, start=1):
        group = _roster_group(organization, venue, user, size=size, prefix=prefix)
        page_url = f"/facilitate/groups/{group.pk}/roster/"
        api_url = f"/api/manage/groups/{group.pk}/roster/"

        def page_ok(response, size=size):
            assert response.status_code == 200, response.status_code
            assert response.content.count(b'class="f-person"') == size

        def api_ok(response, size=size):
            assert response.status_code == 200 and len(response.json()) == size

        page = _time(page_client, page_url, repeat, page_ok)
        api = _time(api_client, api_url, repeat, api_ok)
        with CaptureQueriesContext(connection) as page_queries:
            page_client.get(page_url)
        with CaptureQueriesContext(connection) as api_queries:
            api_client.get(api_url)
        results[size] = {
            "page_p50": statistics.median(page),
            "page_p95": percentile(page, 95),
            "api_p50": statistics.median(api),
            "api_p95": percentile(api, 95),
            "page_queries": len(page_queries.captured_queries),
            "api_queries": len(api_queries.captured_queries),
        }
    return results


def report(results: dict) -> bool:
    sizes = sorted(results)
    print(f"{'members':>8} {'page p50':>9} {'page p95':>9} {'API p50':>8} {'API p95':>8} {'ratio':>6} {'queries':>8}")
    for size in sizes:
        r = results[size]
        print(
            f"{size:>8} {r['page_p50']:>7.1f}ms {r['page_p95']:>7.1f}ms {r['api_p50']:>6.1f}ms {r['api_p95']:>6.1f}ms"
            f" {r['page_p50'] / r['api_p50']:>5.2f}x {r['page_queries']:>4} / {r['api_queries']}"
        )
    small, large = results[sizes[0]], results[sizes[-1]]
    rows = sizes[-1] - sizes[0]
    if rows > 0:
        page_row = (large["page_p50"] - small["page_p50"]) / rows * 1000
        api_row = (large["api_p50"] - small["api_p50"]) / rows * 1000
        print(
            f"one more row: page {page_row:.0f} µs, API {api_row:.0f} µs ({page_row / api_row:.2f}x)"
            if api_row > 0
            else f"one more row: page {page_row:.0f} µs"
        )
    fixed = len({results[s]["page_queries"] for s in sizes}) == 1
    print("page queries the same at every size:", "yes" if fixed else "NO")
    return fixed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.pages_facilitate", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,500", help="roster sizes (default 10,100,500)")
    parser.add_argument("--repeat", type=int, default=10, help="requests per size and path (default 10)")
    parser.add_argument("--keep-db", action="store_true", help="leave the throwaway database for inspection")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    setup_django()
    with throwaway_database(benchmark="pages_facilitate", keep=args.keep_db):
        results = measure(sizes=sizes, repeat=args.repeat)
    return 0 if report(results) else 1


if __name__ == "__main__":
    sys.exit(main())
