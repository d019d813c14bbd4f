"""Reads for the facilitators' home page: my groups, each with its next session's
RSVPs and its join requests. Three queries whatever the number of groups and members."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone as dj_timezone

from sessions.models import Attendance, Enrollment, Session, SupportGroup
from sessions.permissions import groups_managed_by, organizations_administered_by
from sessions.selectors.schedule import scheduled_from


@dataclass(frozen=True)
class GroupOverview:
    group: SupportGroup
    active: int
    pending: int
    waitlisted: int
    next_session: Session | None
    next_local: dt.datetime | None  # the next session's start on the series' clock
    coming: int  # RSVP yes
    not_coming: int  # RSVP no
    unanswered: int  # active members without a yes or no


def groups_overview(*, user, now: dt.datetime | None = None) -> list[GroupOverview]:
    now = now or dj_timezone.now()
    Status = Enrollment.Status
    groups = list(
        SupportGroup.objects.filter(pk__in=groups_managed_by(user).values("pk"))
        .select_related("organization")
        .annotate(
            active_count=Count("enrollments", filter=Q(enrollments__status=Status.ACTIVE)),
            pending_count=Count("enrollments", filter=Q(enrollments__status=Status.REQUESTED)),
            waitlisted_count=Count("enrollments", filter=Q(enrollments__status=Status.WAITLISTED)),
            next_session_id=Subquery(scheduled_from(now=now).filter(group=OuterRef("pk")).values("pk")[:1]),
        )
        .order_by("name", "pk")
    )
    session_ids = [g.next_session_id for g in groups if g.next_session_id]
    sessions = {s.pk: s for s in Session.objects.filter(pk__in=session_ids).select_related("series", "venue")}
    answers: dict[tuple[int, str], int] = {}
    for row in (
        Attendance.objects.filter(session_id__in=session_ids, enrollment__status=Status.ACTIVE)
        .values("session_id", "rsvp")
        .annotate(n=Count("pk"))
    ):
        answers[(row["session_id"], row["rsvp"])] = row["n"]
    result = []
    for group in groups:
        session = sessions.get(group.next_session_id)
        coming = answers.get((group.next_session_id, Attendance.Rsvp.YES), 0)
        not_coming = answers.get((group.next_session_id, Attendance.Rsvp.NO), 0)
        result.append(
            GroupOverview(
                group=group,
                active=group.active_count,
                pending=group.pending_count,
                waitlisted=group.waitlisted_count,
                next_session=session,
                next_local=session.starts_at.astimezone(session.local_zone) if session else None,
                coming=coming,
                not_coming=not_coming,
                unanswered=max(0, group.active_count - coming - not_coming) if session else 0,
            )
        )
    return result


def administers_any_organization(user) -> bool:
    return organizations_administered_by(user).exists()
