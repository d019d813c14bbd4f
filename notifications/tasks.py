"""Celery tasks: thin wrappers around notifications.dispatch."""

from __future__ import annotations

from celery import shared_task

from notifications import dispatch


@shared_task(name="notifications.tasks.dispatch_notifications", ignore_result=True)
def dispatch_notifications() -> int:
    """Every minute (beat). Idempotent: plans from state and claims rows in the database,
    so a doubled beat or two schedulers at once send nothing twice."""
    return len(dispatch.dispatch_notifications().claimed)


@shared_task(name="notifications.tasks.send_outbox_message", ignore_result=True, acks_late=True)
def send_outbox_message(outbox_id: int, claim_token: str) -> str:
    """Send one claimed outbox row. Idempotent: only the claim's first run calls the
    provider; a redelivered or duplicated task finds the row started and returns.
    No Celery retries: retries are scheduled in the outbox row (next_attempt_at)."""
    return dispatch.deliver(outbox_id=outbox_id, claim_token=claim_token)


@shared_task(name="notifications.tasks.send_outbox_batch", ignore_result=True, acks_late=True)
def send_outbox_batch(claims: list[list]) -> list[str]:
    """Send several claimed rows (no send-rate limit configured). Idempotent in the same way:
    each row is started at most once, under a row lock, before its provider call."""
    return dispatch.deliver_batch(claims=[(int(pk), str(token)) for pk, token in claims])


@shared_task(name="notifications.tasks.noop", ignore_result=True)
def noop() -> None:
    """Does nothing: bench/dispatch.py measures the broker's own task throughput with it."""
