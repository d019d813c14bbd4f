"""Facilitator pages: home, roster, a group's sessions, attendance.

Each view looks the group up with the management API's `managed_group` (same
permission function, same refusal message), calls the same service or selector
as the API, and re-renders its form with the service's message on a refusal.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from sessions.api.access import managed_group, require_group
from sessions.facilitate.access import facilitate_page
from sessions.forms_facilitate import (
    AttendanceMarkForm,
    RosterAddForm,
    RosterChangeForm,
    RosterNotesForm,
    add_service_errors,
)
from sessions.models import Enrollment, Session
from sessions.permissions import can_lead_group, is_org_admin
from sessions.selectors import attendance as attendance_selectors
from sessions.selectors import facilitate as facilitate_selectors
from sessions.selectors import roster as roster_selectors
from sessions.selectors import schedule as schedule_selectors
from sessions.services import attendance as attendance_services
from sessions.services import audit as audit_services
from sessions.services import enrollment as enrollment_services
from sessions.services import members as member_services

Status = Enrollment.Status
# The group's sessions page: this far back (to take late attendance) and ahead.
SESSIONS_PAST_DAYS = 35
SESSIONS_AHEAD_DAYS = 70


@facilitate_page
def home(request):
    overview = facilitate_selectors.groups_overview(user=request.user)
    return render(
        request,
        "sessions/facilitate/home.html",
        {
            "overview": overview,
            "is_organizer": facilitate_selectors.administers_any_organization(request.user),
        },
    )


# --- Roster -----------------------------------------------------------------------------


def _roster_page(request, group, *, add_form=None, action_form=None, status: int = 200):
    rows = audit_services.roster_view(group=group, actor=request.user)
    sections = {value: [] for value in Status.values}
    for row in rows:
        sections[row["status"]].append(row)
    waitlist = sections[Status.WAITLISTED]
    return render(
        request,
        "sessions/facilitate/roster.html",
        {
            "group": group,
            "requested": sections[Status.REQUESTED],
            "waitlisted": waitlist,
            "waitlist_length": len(waitlist),
            "active": sections[Status.ACTIVE],
            "past": sections[Status.LEFT] + sections[Status.DECLINED] + sections[Status.REMOVED],
            "add_form": add_form or RosterAddForm(),
            "action_form": action_form,
            "can_lead": can_lead_group(request.user, group),
            # Each row links to roster/<id>/ and posts to roster/<id>/change/ (see urls.py): built
            # from one reverse() here, not two or three per row, which a long roster would feel.
            "roster_url": reverse("facilitate:roster", args=[group.pk]),
        },
        status=status,
    )


@facilitate_page
@require_http_methods(["GET", "POST"])
def roster(request, group_id: int):
    """The roster; POST adds someone met in person (the API's POST …/roster/)."""
    group = managed_group(request, group_id)
    if request.method != "POST":
        return _roster_page(request, group)
    form = RosterAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = member_services.roster_add_in_person(
                group=group,
                actor=request.user,
                display_name=data["display_name"],
                phone=data["phone"] or None,
                email=data["email"] or None,
                sms_reminders=data["sms_reminders"],
                email_reminders=data["email_reminders"],
                notes=data["notes"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if result.created:
                messages.success(request, _("%(name)s is on the roster.") % {"name": result.member.display_name})
            else:
                messages.info(request, _("%(name)s was already on the roster.") % {"name": result.member.display_name})
            return redirect("facilitate:roster", group_id=group.pk)
    return _roster_page(request, group, add_form=form, status=400)


def _enrollment(request, group_id: int, enrollment_id: int):
    group = managed_group(request, group_id)
    enrollment = roster_selectors.roster_entry(group=group, enrollment_id=enrollment_id)
    if enrollment is None:
        raise Http404
    enrollment.group = group
    return group, enrollment


@facilitate_page
@require_POST
def roster_change(request, group_id: int, enrollment_id: int):
    """One tap: approve, decline, remove, waitlist, or move on the waitlist."""
    group, enrollment = _enrollment(request, group_id, enrollment_id)
    form = RosterChangeForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            enrollment_services.enrollment_change(
                enrollment=enrollment,
                actor=request.user,
                action=data["action"],
                waitlist_position=data.get("waitlist_position"),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _(CHANGE_DONE[data["action"]]) % {"name": enrollment.member.display_name})
            return redirect(reverse("facilitate:roster", args=[group.pk]) + f"#e{enrollment.pk}")
    return _roster_page(request, group, action_form=form, status=400)


CHANGE_DONE = {
    "approve": gettext_noop("%(name)s is approved."),
    "decline": gettext_noop("%(name)s's request is declined."),
    "remove": gettext_noop("%(name)s is off the roster."),
    "waitlist": gettext_noop("%(name)s is on the waitlist."),
    "move": gettext_noop("%(name)s moved on the waitlist."),
}


@facilitate_page
@require_http_methods(["GET", "POST"])
def roster_entry(request, group_id: int, enrollment_id: int):
    """One person: contacts, their join note, and the facilitators' private notes."""
    group, enrollment = _enrollment(request, group_id, enrollment_id)
    status = 200
    if request.method == "POST":
        form = RosterNotesForm(request.POST)
        if form.is_valid():
            try:
                enrollment_services.enrollment_change(
                    enrollment=enrollment, actor=request.user, notes=form.cleaned_data["notes"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Note saved."))
                return redirect("facilitate:roster-entry", group_id=group.pk, enrollment_id=enrollment.pk)
        status = 400
    else:
        form = RosterNotesForm(initial={"notes": enrollment.notes})
    row = audit_services.roster_entry_view(group=group, enrollment=enrollment, actor=request.user)
    return render(
        request, "sessions/facilitate/roster_entry.html", {"group": group, "row": row, "form": form}, status=status
    )


# --- Sessions and attendance ------------------------------------------------------------


@facilitate_page
def group_sessions(request, group_id: int):
    group = managed_group(request, group_id)
    now = dj_timezone.now()
    sessions = list(
        schedule_selectors.sessions_for_group(
            group=group,
            start=now - dt.timedelta(days=SESSIONS_PAST_DAYS),
            end=now + dt.timedelta(days=SESSIONS_AHEAD_DAYS),
        )
    )
    for session in sessions:
        session.local_start = session.starts_at.astimezone(session.local_zone)
    past = [s for s in sessions if s.starts_at <= now]
    past.reverse()
    upcoming = [s for s in sessions if s.starts_at > now]
    return render(
        request,
        "sessions/facilitate/group_sessions.html",
        {
            "group": group,
            "upcoming": upcoming,
            "past": past,
            "can_lead": can_lead_group(request.user, group),
            "is_admin": is_org_admin(request.user, group.organization),
        },
    )


def _session(request, session_id: int) -> Session:
    session = get_object_or_404(
        Session.objects.select_related("group", "group__organization", "group__venue", "series", "venue"),
        pk=session_id,
    )
    require_group(request, session.group)
    return session


def session_context(session: Session, *, now: dt.datetime) -> dict:
    """What every page about one session shows: its time on its own clock, its place."""
    zone = session.local_zone
    return {
        "session": session,
        "group": session.group,
        "local_start": session.starts_at.astimezone(zone),
        "local_end": session.ends_at.astimezone(zone),
        "venue": session.effective_venue,
        "started": session.starts_at <= now,
        "cancelled": session.status == Session.Status.CANCELLED,
    }


def _attendance_page(request, session: Session, *, form=None, status: int = 200):
    now = dj_timezone.now()
    # Audited as GET /api/manage/sessions/{id}/attendance/ is.
    attendance_services.attendance_audit(
        actor=request.user, group=session.group, action="attendance.view", target=session
    )
    roster = attendance_selectors.session_roster(session=session)
    context = session_context(session, now=now)
    counts = {"present": 0, "absent": 0, "excused": 0, "unmarked": 0, "yes": 0, "no": 0}
    for entry in roster:
        counts[entry.attendance or "unmarked"] += 1
        if entry.rsvp in ("yes", "no"):
            counts[entry.rsvp] += 1
    counts["unanswered"] = len(roster) - counts["yes"] - counts["no"]
    context.update(
        {
            "roster": roster,
            "counts": counts,
            "form": form,
            "can_mark": context["started"] and not context["cancelled"],
            "not_started_message": attendance_services.ATTENDANCE_NOT_STARTED,
            "cancelled_message": attendance_services.ATTENDANCE_CANCELLED,
        }
    )
    return render(request, "sessions/facilitate/session.html", context, status=status)


@facilitate_page
@require_http_methods(["GET", "POST"])
def session_detail(request, session_id: int):
    """A session: RSVPs before it, attendance once it started (one tap per person)."""
    session = _session(request, session_id)
    if request.method != "POST":
        return _attendance_page(request, session)
    form = AttendanceMarkForm(request.POST)
    if form.is_valid():
        enrollment_id = form.cleaned_data["enrollment"]
        try:
            attendance_services.attendance_mark(
                session=session, marks=[(enrollment_id, form.mark_value())], actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(reverse("facilitate:session", args=[session.pk]) + f"#e{enrollment_id}")
    return _attendance_page(request, session, form=form, status=400)
