"""Benchmark: roster reads through the API against hand-written SQL, and joins under contention, on PostgreSQL.

    .venv/bin/python -m bench.roster [--sizes 10,100,500] [--repeat 30] [--threads 8] [--joins 40] [--keep-db]

Creates a throwaway database next to DATABASE_URL's (default
postgres://postgres@127.0.0.1:5432/postgres), then measures

- roster list: GET /api/manage/groups/{id}/roster/ with a facilitator's API
  token through Django's test client (auth, permission checks, ORM, audit
  insert, serialization) against one hand-written SQL query returning the same
  rows, for rosters of several sizes; p50/p95, their ratio, the cost of one
  more row in each (target: an API row costs at most 6x a raw SQL row) and the
  queries per request (target: the same for every size). The ratio at small
  sizes is the fixed cost of an authenticated, audited request (token lookup,
  group and permission queries, the audit insert), reported, not targeted;
- joins: `--threads` threads each joining `--joins` members, first all into
  one group (every join waits for the group's row lock), then each thread into
  its own group (no contention); joins per second for both, their ratio, and a
  check that the contended group holds exactly `capacity` active members and a
  waitlist numbered 1..n.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time

from bench._support import BENCH_ORGANIZATION_SLUG, bench_organization, percentile, setup_django, throwaway_database


def _organization():
    from django.contrib.auth import get_user_model

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
    return organization, venue, user


def _group(organization, venue, *, slug: str, capacity: int | None):
    from sessions.models import SupportGroup

    return SupportGroup.objects.create(
        organization=organization,
        name=slug,
        slug=slug,
        topic="grief",
        format="in_person",
        venue=venue,
        timezone="America/Chicago",
        capacity=capacity,
        sms_label="Group",
    )


def _members(organization, prefix: int, count: int):
    from sessions.models import Member

    return Member.objects.bulk_create(
        Member(
            organization=organization,
            display_name=f"M{prefix}-{i}",
            phone=f"+1217{prefix:03d}{i:04d}",
            timezone="America/Chicago",
        )
        for i in range(count)
    )


ROSTER_SQL = """
SELECT e.id, e.member_id, m.display_name, m.phone, m.email, m.sms_reminders, m.sms_consent,
       m.sms_consent_source, m.email_reminders, m.email_consent, m.phone_undeliverable,
       e.status, e.waitlist_position, e.created_at, e.activated_at, e.status_changed_at, e.join_note, e.notes
FROM lantern_sessions_enrollment e JOIN lantern_sessions_member m ON m.id = e.member_id
WHERE e.group_id = %s
ORDER BY CASE e.status WHEN 'active' THEN 0 WHEN 'waitlisted' THEN 1 WHEN 'requested' THEN 2 ELSE 3 END,
         e.waitlist_position, e.created_at, e.id
"""


def measure_roster(*, sizes: list[int], repeat: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from sessions.models import Facilitator
    from sessions.services.enrollment import enrollment_join

    organization, venue, user = _organization()
    token = Token.objects.create(user=user)
    client = Client(HTTP_AUTHORIZATION=f"Token {token.key}")
    results = {}
    for prefix, size in enumerate(sizes, start=1):
        group = _group(organization, venue, slug=f"roster-{size}", capacity=max(1, size * 2 // 3))
        Facilitator.objects.create(group=group, user=user, role="co")
        for member in _members(organization, prefix, size):
            enrollment_join(group=group, member=member)
        url = f"/api/manage/groups/{group.pk}/roster/"
        for _ in range(3):  # warm-up
            client.get(url)
        api, sql = [], []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            api.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200 and len(response.json()) == size, response.content[:200]
            started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(ROSTER_SQL, [group.pk])
                rows = cursor.fetchall()
            sql.append((time.perf_counter() - started) * 1000)
            assert len(rows) == size
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        results[size] = {
            "api_p50": statistics.median(api),
            "api_p95": percentile(api, 95),
            "sql_p50": statistics.median(sql),
            "sql_p95": percentile(sql, 95),
            "queries": len(captured.captured_queries),
        }
    return results


def _run_joins(groups_for_thread, *, organization, threads: int, joins: int, prefix: int) -> float:
    from django.db import connections

    from sessions.services.enrollment import enrollment_join

    members = [_members(organization, prefix + t, joins) for t in range(threads)]
    barrier = threading.Barrier(threads + 1)
    errors: list[Exception] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            group = groups_for_thread(index)
            for member in members[index]:
                enrollment_join(group=group, member=member)
        except Exception as exc:  # reported after the run
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in pool:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return threads * joins / elapsed


def measure_joins(*, threads: int, joins: int) -> dict:
    from sessions.models import Enrollment, Organization, Venue

    organization = Organization.objects.get(slug=BENCH_ORGANIZATION_SLUG)
    venue = Venue.objects.get(organization=organization)
    capacity = threads * joins // 3
    contended = _group(organization, venue, slug="contended", capacity=capacity)
    one_group = _run_joins(lambda i: contended, organization=organization, threads=threads, joins=joins, prefix=100)
    own = [_group(organization, venue, slug=f"own-{t}", capacity=joins // 3) for t in range(threads)]
    own_groups = _run_joins(lambda i: own[i], organization=organization, threads=threads, joins=joins, prefix=200)
    active = Enrollment.objects.filter(group=contended, status="active").count()
    positions = sorted(
        Enrollment.objects.filter(group=contended, status="waitlisted").values_list("waitlist_position", flat=True)
    )
    return {
        "one_group_per_s": one_group,
        "own_groups_per_s": own_groups,
        "capacity": capacity,
        "active": active,
        "waitlist_ok": positions == list(range(1, threads * joins - capacity + 1)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.roster", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,100,500", help="roster sizes (default 10,100,500)")
    parser.add_argument("--repeat", type=int, default=30, help="requests per size (default 30)")
    parser.add_argument("--threads", type=int, default=8, help="concurrent joiners (default 8)")
    parser.add_argument("--joins", type=int, default=40, help="joins per thread (default 40)")
    parser.add_argument("--keep-db", action="store_true", help="leave the throwaway database for inspection")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]

    setup_django()
    from django.conf import settings

    settings.ALLOWED_HOSTS = ["*"]
    with throwaway_database(benchmark="roster", keep=args.keep_db):
        roster = measure_roster(sizes=sizes, repeat=args.repeat)
        joins = measure_joins(threads=args.threads, joins=args.joins)

    print(f"roster benchmark: sizes {sizes}, {args.repeat} requests each")
    failures = []
    for size, r in roster.items():
        ratio = r["api_p50"] / r["sql_p50"]
        print(
            f"  {size:5d} rows  API p50 {r['api_p50']:7.2f} ms p95 {r['api_p95']:7.2f} ms | "
            f"raw SQL p50 {r['sql_p50']:6.2f} ms p95 {r['sql_p95']:6.2f} ms | ratio {ratio:5.1f}x | "
            f"{r['queries']} queries"
        )
    if len({r["queries"] for r in roster.values()}) != 1:
        failures.append("queries per roster request grow with the roster")
    if len(sizes) > 1:
        small, large = roster[min(sizes)], roster[max(sizes)]
        rows = max(sizes) - min(sizes)
        api_row = (large["api_p50"] - small["api_p50"]) / rows * 1000
        sql_row = (large["sql_p50"] - small["sql_p50"]) / rows * 1000
        print(f"  per extra row: API {api_row:.1f} us, raw SQL {sql_row:.1f} us ({api_row / sql_row:.1f}x)")
        if api_row > 6 * sql_row:
            failures.append("an API roster row costs more than 6x a raw SQL row")
    print(
        f"joins: {args.threads} threads x {args.joins}: one group {joins['one_group_per_s']:.0f}/s, "
        f"own groups {joins['own_groups_per_s']:.0f}/s "
        f"(ratio {joins['own_groups_per_s'] / joins['one_group_per_s']:.1f}x); "
        f"contended group: {joins['active']} active of capacity {joins['capacity']}, "
        f"waitlist 1..n {'ok' if joins['waitlist_ok'] else 'BROKEN'}"
    )
    if joins["active"] != joins["capacity"] or not joins["waitlist_ok"]:
        failures.append("the contended group was overfilled or its waitlist has gaps")
    for failure in failures:
        print(f"  FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
