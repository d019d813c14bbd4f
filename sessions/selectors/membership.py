"""Reads for a member's own page: their groups, each with its next session and their RSVP."""

from __future__ import annotations

import datetime as dt

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from sessions.models import Attendance, ContactProof, Enrollment, Member, Session
from sessions.selectors.roster import enrollments_of_member
from sessions.selectors.schedule import scheduled_from


def member_groups_overview(*, member: Member, now: dt.datetime | None = None) -> list[Enrollment]:
    """Every enrollment of the member, each carrying `next_session` (the group's next scheduled
    session, or None) and `rsvp` (the member's answer for it, or None). Three queries whatever
    the number of groups."""
    now = now or timezone.now()
    upcoming = scheduled_from(now=now).filter(group=OuterRef("group_id"))
    rows = list(
        enrollments_of_member(member=member)
        .select_related("group__venue")
        .annotate(next_session_id=Subquery(upcoming.values("pk")[:1]))
    )
    session_ids = [row.next_session_id for row in rows if row.next_session_id]
    sessions = Session.objects.select_related("venue", "series__venue").in_bulk(session_ids)
    answers = {
        (enrollment_id, session_id): rsvp
        for enrollment_id, session_id, rsvp in Attendance.objects.filter(
            enrollment__in=[row.pk for row in rows], session_id__in=session_ids
        ).values_list("enrollment_id", "session_id", "rsvp")
    }
    for row in rows:
        row.next_session = sessions.get(row.next_session_id)
        row.rsvp = answers.get((row.pk, row.next_session_id))
    return rows


def confirmation_sent(*, member: Member, channel: str, destination: str | None, now: dt.datetime | None = None) -> bool:
    """Whether a confirmation to this exact destination is waiting for its owner."""
    if not destination:
        return False
    return ContactProof.objects.filter(
        member=member,
        channel=channel,
        destination=destination,
        proven_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=now or timezone.now(),
    ).exists()
