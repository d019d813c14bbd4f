"""PostgreSQL + Redis + real Celery worker processes + the real twilio SDK against the fake server.

Three dispatchers claim at once, one worker is SIGKILLed mid-batch and restarted,
the provider throws 429s, 500s and a timeout after creating the message; in the
end every due reminder has reached the fake Twilio exactly once.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
import redis
from django.db import close_old_connections, connection
from django.utils import timezone

from notifications import dispatch
from notifications.models import Kind, OutboxMessage, Status
from tests.factories import EnrollmentFactory, SessionFactory
from tests.notifications.celery_workers import database_url, start_worker, stop_worker, worker_env
from tests.notifications.helpers import texting_member

pytestmark = [pytest.mark.slow, pytest.mark.services]

MEMBERS_PER_SESSION = 20
SESSIONS = 3
# Generous: this waits for real worker processes on a shared 2-core machine; it is not a timing assertion.
WAIT_SECONDS = 180


def _wait_for(predicate, *, timeout: float) -> bool:
    # Waiting on other processes, not on the clock: poll until they are done.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


def _sent_count() -> int:
    close_old_connections()
    return OutboxMessage.objects.filter(kind=Kind.REMINDER, status=Status.SENT).count()


@pytest.mark.django_db(transaction=True)
def test_every_due_reminder_reaches_twilio_exactly_once(
    requires_postgres, redis_url, twilio_sdk_settings, fake_twilio, tmp_path
):
    # Quiet hours off (start == end), so the test means the same at any hour of the day.
    # The workers are other processes on the real clock, so this process must not move it.
    settings = twilio_sdk_settings  # the dispatcher here reconciles through the SDK too
    settings.SMS_QUIET_HOURS_START = settings.SMS_QUIET_HOURS_END = 0
    # Everything runs in real time here, so the waits are made short: a claim left
    # `sending` by the killed worker is reconciled after 3 s, a retry comes after ~0.2 s.
    settings.NOTIFICATIONS_SEND_LEASE_SECONDS = 3
    settings.NOTIFICATIONS_SEND_BATCH = 4  # small batches, so the kill lands mid-way
    fake_twilio.clock = None  # real time: the workers use it
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        pytest.fail("this test needs CELERY_BROKER_URL to be Redis")
    client = redis.Redis.from_url(broker)
    client.delete("celery", "unacked", "unacked_index")

    now = timezone.now()
    members = []
    for _ in range(SESSIONS):
        session = SessionFactory(starts_at=now + dt.timedelta(hours=2) - dt.timedelta(minutes=1))
        for _ in range(MEMBERS_PER_SESSION):
            member = texting_member()
            EnrollmentFactory(member=member, group=session.group)
            members.append(member)
    expected = {m.phone for m in members}

    fake_twilio.latency = 0.03
    fake_twilio.fail_next(3, status=429, code=20429)
    fake_twilio.fail_next(2, status=500)
    fake_twilio.fail_next(1, delay=1.5)  # created, but answered after the client's timeout

    env = worker_env(
        database=database_url(connection.settings_dict),
        broker=broker,
        twilio_url=fake_twilio.url,
        extra={
            "TWILIO_HTTP_TIMEOUT": "0.5",
            "CELERY_VISIBILITY_TIMEOUT": "10",
            "SMS_QUIET_HOURS_START": "0",
            "SMS_QUIET_HOURS_END": "0",
            "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.2",
        },
    )
    log = open(tmp_path / "workers.log", "w")  # noqa: SIM115 - closed in finally
    workers = [start_worker(name="a", env=env, log=log), start_worker(name="b", env=env, log=log)]
    try:
        errors = []

        def dispatcher():
            try:
                dispatch.dispatch_notifications(now=now)
            except Exception as exc:  # pragma: no cover - surfaced below
                errors.append(exc)
            finally:
                close_old_connections()

        threads = [threading.Thread(target=dispatcher) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        claimed = (
            OutboxMessage.objects.filter(kind=Kind.REMINDER, offset_minutes=120)
            .exclude(status=Status.SCHEDULED)
            .count()
        )
        assert claimed == len(expected)

        # Kill one worker mid-batch, then start it again.
        assert _wait_for(lambda: _sent_count() >= 10, timeout=WAIT_SECONDS)
        stop_worker(workers[0], kill=True)
        assert _sent_count() < len(expected), "the batch finished before the kill; raise the latency"
        workers[0] = start_worker(name="a2", env=env, log=log)

        # Later dispatcher runs pick up retries (backoff) and reconcile what the kill left `sending`.
        def all_sent() -> bool:
            dispatch.dispatch_notifications()
            close_old_connections()
            return _sent_count() == len(expected)

        done = _wait_for(all_sent, timeout=WAIT_SECONDS)
        assert done, list(
            OutboxMessage.objects.filter(offset_minutes=120)
            .exclude(status=Status.SENT)
            .values_list("status", "error_code", "attempts")
        )
        # Let redelivered copies of the killed worker's tasks run: they must send nothing.
        assert _wait_for(lambda: client.llen("celery") == 0, timeout=30)
    finally:
        for worker in workers:
            stop_worker(worker)
        client.delete("celery", "unacked", "unacked_index")
        log.close()

    by_number: dict[str, int] = {}
    for message in fake_twilio.messages:
        by_number[message["to"]] = by_number.get(message["to"], 0) + 1
    assert set(by_number) == expected
    assert [n for n, count in by_number.items() if count != 1] == []
    rows = OutboxMessage.objects.filter(kind=Kind.REMINDER, status=Status.SENT)
    assert {r.provider_message_id for r in rows} == {m["sid"] for m in fake_twilio.messages}
