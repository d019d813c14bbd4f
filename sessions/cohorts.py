"""Cohort groups run fixed cycles ("week 4 of 13"); shared by search and schedules."""

from __future__ import annotations

import datetime as dt

from sessions.models import SupportGroup


def runs_cycles(group: SupportGroup) -> bool:
    """A cohort group with a cycle configured: the only groups with a cohort progress."""
    return group.enrollment_mode == SupportGroup.EnrollmentMode.COHORT and bool(group.cycle_start)


def cohort_progress(group: SupportGroup, session_local_date: dt.date | None) -> dict | None:
    """Which week of the cycle a session falls in, and when the next cycle starts.

    Returns None for groups that do not run cycles (see runs_cycles).
    Cycles repeat back to back from `cycle_start` every `cycle_weeks` weeks.
    """
    if not runs_cycles(group):
        return None
    weeks = group.cycle_weeks or 13
    if session_local_date is None or session_local_date < group.cycle_start:
        return {"week": None, "weeks": weeks, "next_cycle_start": group.cycle_start}
    days_in = (session_local_date - group.cycle_start).days
    cycle_index, day_of_cycle = divmod(days_in, weeks * 7)
    next_cycle = group.cycle_start + dt.timedelta(weeks=weeks * (cycle_index + 1))
    return {"week": day_of_cycle // 7 + 1, "weeks": weeks, "next_cycle_start": next_cycle}
