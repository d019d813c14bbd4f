"""Periodic schedule jobs. Thin: each calls one service that a management command
can also run once."""

from __future__ import annotations

from celery import shared_task

from sessions.services.schedule import materialize_all


@shared_task(name="sessions.tasks.materialize_sessions")
def materialize_sessions() -> int:
    """Extend every active series to the rolling horizon.

    Idempotent and safe to overlap with itself: occurrences are inserted with ON
    CONFLICT DO NOTHING on (series, original_start) and series rows are claimed with
    SKIP LOCKED, so a second run creates nothing twice.
    """
    return materialize_all()
