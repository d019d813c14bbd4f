"""Reads for series and sessions: management lists, the public schedule, cohorts."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone as dj_timezone

from sessions.cohorts import cohort_progress, runs_cycles
from sessions.models import Session, SessionSeries, SupportGroup


def series_for_group(*, group: SupportGroup) -> QuerySet[SessionSeries]:
    return SessionSeries.objects.filter(group=group).select_related("venue").order_by("-active", "pk")


def sessions_for_group(*, group: SupportGroup, start: dt.datetime, end: dt.datetime) -> QuerySet[Session]:
    """Every session (scheduled or cancelled) starting in [start, end), for staff."""
    return (
        Session.objects.filter(group=group, starts_at__gte=start, starts_at__lt=end)
        .select_related("venue", "series")
        .order_by("starts_at", "pk")
    )


def sessions_upcoming(
    *, group: SupportGroup, now: dt.datetime | None = None, end: dt.datetime | None = None, limit: int | None = None
) -> QuerySet[Session]:
    """Sessions not yet started, cancelled ones included (they carry their status).

    Only sessions of active series: an ended series' cancellations are not news.
    """
    now = now or dj_timezone.now()
    rows = Session.objects.filter(group=group, starts_at__gte=now, series__active=True)
    if end is not None:
        rows = rows.filter(starts_at__lt=end)
    rows = rows.select_related("venue", "series", "series__venue", "group", "group__venue").order_by("starts_at", "pk")
    return rows[:limit] if limit is not None else rows


def scheduled_from(*, now: dt.datetime) -> QuerySet[Session]:
    """Scheduled sessions starting at or after `now`, soonest first.

    What "the next session" means everywhere: here for one group, and as a
    correlated subquery in search (`.filter(group=OuterRef("pk"))`).
    """
    return Session.objects.filter(status=Session.Status.SCHEDULED, starts_at__gte=now).order_by("starts_at", "pk")


def next_session(*, group: SupportGroup, now: dt.datetime | None = None) -> Session | None:
    return scheduled_from(now=now or dj_timezone.now()).filter(group=group).select_related("series").first()


def session_local_date(session: Session) -> dt.date:
    return session.starts_at.astimezone(session.local_zone).date()


def group_cohort(*, group: SupportGroup, now: dt.datetime | None = None) -> dict | None:
    """For cohort groups: the cycle week of the next session and the next cycle's start."""
    if not runs_cycles(group):
        return None  # without a query for the next session
    upcoming = next_session(group=group, now=now)
    progress = cohort_progress(group, session_local_date(upcoming) if upcoming else None)
    return {**progress, "next_session_id": upcoming.pk if upcoming else None}
