"""Reads for series and sessions: management lists, the public schedule, cohorts."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import QuerySet
from django.utils import timezone as dj_timezone

from sessions.cohorts import cohort_progress
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


def next_session(*, group: SupportGroup, now: dt.datetime | None = None) -> Session | None:
    now = now or dj_timezone.now()
    return (
        Session.objects.filter(group=group, starts_at__gte=now, status=Session.Status.SCHEDULED)
        .select_related("series")
        .order_by("starts_at", "pk")
        .first()
    )


def session_local_date(session: Session) -> dt.date:
    return session.starts_at.astimezone(zoneinfo.ZoneInfo(session.series.timezone)).date()


def group_cohort(*, group: SupportGroup, now: dt.datetime | None = None) -> dict | None:
    """For cohort groups: the cycle week of the next session and the next cycle's start."""
    if group.enrollment_mode != SupportGroup.EnrollmentMode.COHORT or not group.cycle_start:
        return None
    upcoming = next_session(group=group, now=now)
    local_date = session_local_date(upcoming) if upcoming else None
    progress = cohort_progress(group, local_date)
    if progress is None:  # pragma: no cover - guarded above
        return None
    return {**progress, "next_session_id": upcoming.pk if upcoming else None}
