from __future__ import annotations

import datetime as dt
import uuid

import pytest

from notifications import dispatch
from notifications.ratelimit import SendRateLimiter
from tests.notifications.helpers import session_with_member


def test_redis_limiter_spaces_messages_across_workers(redis_url):
    key = f"test:sms-rate:{uuid.uuid4().hex}"
    worker_a = SendRateLimiter(rate=10, url=redis_url, key=key)
    worker_b = SendRateLimiter(rate=10, url=redis_url, key=key)
    start = 1_000_000.0
    waits = [limiter.reserve(now=start) for limiter in (worker_a, worker_b, worker_a, worker_b)]
    assert waits == pytest.approx([0.0, 0.1, 0.2, 0.3])
    # Time passes: the backlog is gone, the next slot is immediate.
    assert worker_b.reserve(now=start + 5) == pytest.approx(0.0)


def test_local_limiter_without_redis():
    limiter = SendRateLimiter(rate=2, url=None)
    assert [limiter.reserve(now=50.0) for _ in range(3)] == pytest.approx([0.0, 0.5, 1.0])


def test_zero_rate_means_no_limit():
    limiter = SendRateLimiter(rate=0, url=None)
    assert {limiter.reserve(now=1.0) for _ in range(5)} == {0.0}


@pytest.mark.django_db
def test_deliver_waits_for_its_slot_and_defers_long_waits(monkeypatch, run_dispatch, now):
    limiter = SendRateLimiter(rate=1, url=None)
    monkeypatch.setattr(dispatch, "limiter", lambda: limiter)
    for _ in range(3):
        session_with_member(starts_at=now + dt.timedelta(hours=2))
    waits: list[float] = []
    queued = run_dispatch(now, send=False)
    from notifications.models import OutboxMessage

    rows = {r.pk: r.claim_token for r in OutboxMessage.objects.filter(status="sending")}
    assert len(queued) == len(rows) == 3
    for pk, token in rows.items():
        dispatch.deliver(outbox_id=pk, claim_token=token, now=now, sleep=waits.append)
    assert len(waits) == 2 and all(0 < w <= 2.0 for w in waits)
    monkeypatch.setattr(dispatch, "MAX_RATE_WAIT", 0.0)
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    run_dispatch(now, send=False)
    row = OutboxMessage.objects.get(member=member, status="sending")
    assert (
        dispatch.deliver(outbox_id=row.pk, claim_token=row.claim_token, now=now, sleep=waits.append) == "rate_limited"
    )
    row.refresh_from_db()
    assert row.status == "scheduled" and row.next_attempt_at > now and row.attempts == 0
