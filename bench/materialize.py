"""Materialization speed: 10,000 series over a 180-day horizon on PostgreSQL.

Reports sessions per second for `materialize_all` (rule expansion, DST rule,
INSERT … ON CONFLICT DO NOTHING, horizon bookkeeping) and, in the same run and
database, a raw `Session.objects.bulk_create` of exactly the same rows. Target:
materialization within 2× of the raw insert.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lantern .venv/bin/python -m bench.materialize

Works in a throwaway database of its own (built from the models, dropped at the end).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import time

from bench._support import bench_organization, online_groups, setup_django, throwaway_database

TARGET_RATIO = 2.0
NOW = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
# (rrule, weekday of dtstart or None for "2nd/4th Thursday") — a realistic mix.
RULES = [
    ("FREQ=WEEKLY;BYDAY={day}", 0.6),
    ("FREQ=WEEKLY;INTERVAL=2;BYDAY={day}", 0.15),
    ("FREQ=MONTHLY;BYDAY=2TH,4TH", 0.15),
    ("FREQ=MONTHLY;BYDAY=-1{day}", 0.1),
]
ZONES = ["America/Chicago", "America/New_York", "America/Denver", "America/Los_Angeles", "Europe/London"]
DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def _first_on_rule(rule: str, zone: str, hour: int, minute: int) -> tuple[str, dt.datetime]:
    """A canonical rule and a dtstart that is its first occurrence (as the API requires)."""
    from dateutil.rrule import rrulestr

    from sessions.services.schedule import normalize_rrule

    probe = dt.datetime(2026, 1, 1, hour, minute)
    first = rrulestr(rule, dtstart=probe).after(probe, inc=True)
    return normalize_rrule(rrule=rule, dtstart=first, timezone=zone), first


def _make_series(count: int, seed: int = 7) -> None:
    from sessions.models import SessionSeries

    rng = random.Random(seed)
    groups = online_groups(organization=bench_organization(), count=max(count // 10, 1), timezones=ZONES)
    cache: dict[tuple, tuple[str, dt.datetime]] = {}
    rows = []
    for i in range(count):
        template = rng.choices([r for r, _ in RULES], weights=[w for _, w in RULES])[0]
        rule = template.format(day=rng.choice(DAYS))
        group = groups[i % len(groups)]
        hour, minute = rng.choice([(10, 0), (12, 30), (18, 0), (18, 30), (19, 0), (2, 30)])
        key = (rule, group.timezone, hour, minute)
        if key not in cache:
            cache[key] = _first_on_rule(rule, group.timezone, hour, minute)
        canonical, first = cache[key]
        rows.append(
            SessionSeries(
                group=group,
                rrule=canonical,
                dtstart=first.replace(tzinfo=dt.UTC),
                timezone=group.timezone,
                duration_minutes=rng.choice([60, 90, 120]),
            )
        )
    SessionSeries.objects.bulk_create(rows, batch_size=2000)


def _truncate_sessions() -> None:
    from django.db import connection

    from sessions.models import Session, SessionSeries

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {connection.ops.quote_name(Session._meta.db_table)} RESTART IDENTITY CASCADE")
    SessionSeries.objects.update(materialized_until=None)


def _time_materialize(horizon_days: int) -> tuple[float, int]:
    from sessions.services.schedule import materialize_all

    _truncate_sessions()
    started = time.perf_counter()
    created = materialize_all(now=NOW, horizon_days=horizon_days)
    return time.perf_counter() - started, created


def _time_bulk_create(rows: list[tuple]) -> float:
    from sessions.models import Session

    _truncate_sessions()
    objects = [
        Session(
            series_id=series_id,
            group_id=group_id,
            starts_at=starts_at,
            ends_at=ends_at,
            original_start=original_start,
            venue_id=venue_id,
        )
        for series_id, group_id, starts_at, ends_at, original_start, venue_id in rows
    ]
    started = time.perf_counter()
    Session.objects.bulk_create(objects, batch_size=1000)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.materialize", description=__doc__.splitlines()[0])
    parser.add_argument("--series", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each; the best is reported")
    args = parser.parse_args(argv if argv is not None else [])

    setup_django()
    with throwaway_database(benchmark="materialize"):
        from sessions.models import Session

        _make_series(args.series)
        best_materialize = best_bulk = float("inf")
        created = 0
        for _ in range(args.repeat):
            elapsed, created = _time_materialize(args.days)
            best_materialize = min(best_materialize, elapsed)
            rows = list(
                Session.objects.values_list(
                    "series_id", "group_id", "starts_at", "ends_at", "original_start", "venue_id"
                )
            )
            best_bulk = min(best_bulk, _time_bulk_create(rows))
            assert Session.objects.count() == created
        ratio = best_materialize / best_bulk
        print(f"series:              {args.series:,} over {args.days} days")
        print(f"sessions created:    {created:,}")
        print(f"materialize_all:     {best_materialize:.2f} s  ({created / best_materialize:,.0f} sessions/s)")
        print(f"raw bulk_create:     {best_bulk:.2f} s  ({created / best_bulk:,.0f} sessions/s)")
        verdict = "OK" if ratio <= TARGET_RATIO else "SLOW"
        print(f"ratio:               {ratio:.2f}x  (target <= {TARGET_RATIO:.1f}x) {verdict}")
        return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
