"""Benchmark: 10,000 reminders due in the same minute, through Redis and 2 Celery
worker processes, to the fake Twilio server, with no send-rate limit.

    .venv/bin/python -m bench.dispatch [--members-per-session 20] [--sessions 500]

Reports messages per second, the throughput of a no-op Celery task on the same
broker and workers measured in the same run (the baseline; target: at least
half of it), and duplicates (must be 0). Needs PostgreSQL (DATABASE_URL,
default postgres://postgres@127.0.0.1:5432/postgres) and Redis
(CELERY_BROKER_URL, default redis://127.0.0.1:6379/0); it works in a throwaway
database of its own next to DATABASE_URL's, created and dropped here.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections import Counter

from bench._support import bench_organization, online_groups, setup_django, throwaway_database

WORKERS = 2
DEFAULT_SESSIONS = 500
DEFAULT_PER_SESSION = 20


def _configure_environment() -> None:
    os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
    os.environ["SMS_BACKEND"] = "console"  # this process only plans and claims
    os.environ["SMS_RATE_PER_SECOND"] = "0"
    # Quiet hours off so the run means the same at any hour.
    os.environ["SMS_QUIET_HOURS_START"] = os.environ["SMS_QUIET_HOURS_END"] = "0"


def _wait(predicate, *, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def _seed(*, sessions: int, per_session: int, now: dt.datetime) -> int:
    from sessions.models import Enrollment, Member, Session, SessionSeries

    groups = online_groups(organization=bench_organization(), count=sessions, timezones=["UTC"], reminder_offsets=[120])
    series = SessionSeries.objects.bulk_create(
        SessionSeries(
            group=g,
            rrule="FREQ=WEEKLY",
            dtstart=dt.datetime(2026, 1, 1, 12, tzinfo=dt.UTC),
            timezone="UTC",
            duration_minutes=60,
        )
        for g in groups
    )
    # Due 30 s ago: all in the same minute.
    start = now + dt.timedelta(minutes=120, seconds=-30)
    Session.objects.bulk_create(
        Session(
            series=s, group_id=s.group_id, starts_at=start, ends_at=start + dt.timedelta(hours=1), original_start=start
        )
        for s in series
    )
    members = Member.objects.bulk_create(
        Member(
            organization_id=groups[i // per_session].organization_id,
            display_name=f"Member {i}",
            phone=f"+1217{2000000 + i:07d}",
            timezone="UTC",
            sms_reminders=True,
            sms_consent="confirmed",
            phone_verified_at=now,
        )
        for i in range(sessions * per_session)
    )
    Enrollment.objects.bulk_create(
        Enrollment(member=m, group=groups[i // per_session], status="active", activated_at=now)
        for i, m in enumerate(members)
    )
    return len(members)


def _queue_empty(client) -> bool:
    return client.llen("celery") == 0 and client.hlen("unacked") == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=DEFAULT_SESSIONS)
    parser.add_argument("--members-per-session", type=int, default=DEFAULT_PER_SESSION)
    parser.add_argument("--noop-tasks", type=int, default=None, help="default: as many as reminders")
    parser.add_argument("--pool", default="threads", help="worker pool (threads, prefork, solo)")
    parser.add_argument("--concurrency", type=int, default=4, help="per worker process")
    parser.add_argument("--batch", type=int, default=None, help="rows per send task (default: the setting)")
    args = parser.parse_args(argv)

    _configure_environment()
    setup_django(settings_module="tests.notifications.worker_settings")
    import redis
    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from notifications import dispatch
    from notifications.models import OutboxMessage, Status
    from notifications.tasks import noop
    from tests.fake_twilio import FakeTwilio
    from tests.notifications.celery_workers import database_url, start_worker, stop_worker, worker_env

    if args.batch:
        settings.NOTIFICATIONS_SEND_BATCH = args.batch
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        sys.exit("bench.dispatch needs Redis: set CELERY_BROKER_URL=redis://…")
    client = redis.Redis.from_url(broker)
    client.delete("celery", "unacked", "unacked_index")

    with throwaway_database(benchmark="dispatch"):
        fake = FakeTwilio().start()
        workers = []
        try:
            now = timezone.now()
            t0 = time.perf_counter()
            count = _seed(sessions=args.sessions, per_session=args.members_per_session, now=now)
            print(f"seeded {count} members in {args.sessions} sessions in {time.perf_counter() - t0:.1f}s", flush=True)

            env = worker_env(
                database=database_url(connection.settings_dict),
                broker=broker,
                twilio_url=fake.url,
                # Persistent database connections in the workers (as in production): without
                # them every task opens a PostgreSQL connection, which costs more than the send.
                extra={"SMS_QUIET_HOURS_START": "0", "SMS_QUIET_HOURS_END": "0", "DB_CONN_MAX_AGE": "300"},
            )
            workers = [
                start_worker(name=f"bench{i}", env=env, pool=args.pool, concurrency=args.concurrency)
                for i in range(WORKERS)
            ]

            # Warm up: both workers connected and importing everything.
            for _ in range(WORKERS * args.concurrency * 2):
                noop.delay()
            if not _wait(lambda: _queue_empty(client), timeout=60):
                sys.exit("workers did not start")

            # Baseline: a no-op task on the same broker and workers.
            noops = args.noop_tasks or count
            t0 = time.perf_counter()
            for _ in range(noops):
                noop.delay()
            _wait(lambda: _queue_empty(client), timeout=600, interval=0.01)
            noop_rate = noops / (time.perf_counter() - t0)

            # The real thing: plan, claim, queue, send.
            t0 = time.perf_counter()
            result = dispatch.dispatch_notifications(now=now)
            dispatch_seconds = time.perf_counter() - t0
            sent = OutboxMessage.objects.filter(status=Status.SENT)
            _wait(lambda: len(fake.messages) >= count and _queue_empty(client), timeout=900, interval=0.01)
            send_seconds = time.perf_counter() - t0
            message_rate = len(fake.messages) / send_seconds

            per_number = Counter(m["to"] for m in fake.messages)
            duplicates = sum(n - 1 for n in per_number.values() if n > 1)
            missing = count - len(per_number)
            pool = f"{args.pool} x{args.concurrency}, {dispatch.send_batch_size()} rows per send task"
            sent_line = f"{len(fake.messages)} in {send_seconds:.2f}s = {message_rate:.0f} messages/s"
            print(
                f"""
bench.dispatch: {count} reminders, {args.sessions} sessions, {WORKERS} worker processes ({pool})
  dispatcher run (reconcile + plan + claim + queue): {dispatch_seconds:.2f}s, claimed {len(result.claimed)}
  sent through the twilio SDK to the fake server:    {sent_line}
  no-op Celery task, same broker and workers:        {noop_rate:.0f} tasks/s
  ratio messages/s : no-op tasks/s                   {message_rate / noop_rate:.2f} (target >= 0.50)
  outbox rows sent {sent.count()}, duplicates {duplicates} (must be 0), missing {missing}
""",
                flush=True,
            )
            return 0 if duplicates == 0 and missing == 0 else 1
        finally:
            for worker in workers:
                stop_worker(worker)
            fake.stop()
            client.delete("celery", "unacked", "unacked_index")


if __name__ == "__main__":
    sys.exit(main())
