"""Reads for the public group page. No member data ever leaves through here."""

from __future__ import annotations

import datetime as dt

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from sessions.models import Facilitator, SessionSeries, SupportGroup
from sessions.selectors.schedule import sessions_upcoming
from sessions.selectors.search import with_next_session_and_seats

PUBLIC_SESSIONS_SHOWN = 6


def group_public_get(*, slug: str, now: dt.datetime | None = None) -> SupportGroup | None:
    """A group by slug, listed or not: an unlisted group is private to those given its link.

    Carries `upcoming` (the next sessions, cancelled ones included so people
    see them), `facilitator_first_names` and `active_count`.
    """
    now = now or timezone.now()
    groups = SupportGroup.objects.filter(slug=slug).select_related("organization", "venue")
    group = with_next_session_and_seats(groups, now=now).first()
    if group is None:
        return None
    # The same sessions the public schedule lists: an ended series' cancellations are not news.
    group.upcoming = list(sessions_upcoming(group=group, now=now, limit=PUBLIC_SESSIONS_SHOWN))
    group.facilitator_first_names = [
        name
        for name in Facilitator.objects.filter(group=group)
        .order_by("role", "created_at")
        .values_list("user__first_name", flat=True)
        if name
    ]
    return group


def groups_with_weekly_series() -> QuerySet[SupportGroup]:
    """Listed groups and their active weekly series, for the Meeting Guide feed."""
    weekly = SessionSeries.objects.filter(active=True, rrule__contains="FREQ=WEEKLY").select_related("venue")
    return (
        SupportGroup.objects.filter(listed=True, series__active=True, series__rrule__contains="FREQ=WEEKLY")
        .distinct()
        .select_related("organization", "venue")
        .prefetch_related(Prefetch("series", queryset=weekly, to_attr="weekly_series"))
        .order_by("slug")
    )
