"""Organizer pages: groups, facilitators, schedules, venues and the audit log.

The same checks as the management API: creating a group or a venue and reading the
audit log are for organization admins (`require_org_admin`), editing a group and
its facilitators for its lead or an admin (`can_lead_group`, the API's NOT_LEAD
message), schedules for anyone who manages the group, as in the API.

Changing or ending a series is checked first, as a session change is: the service is
rehearsed (sessions.facilitate.rehearsal) and the page shows who will be told, by
which channel and when (sessions.hooks.series_change_notices); only the POST with
confirm changes anything.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from sessions import hooks
from sessions.api.access import administered_organization, managed_group, require_group, require_org_admin
from sessions.api.manage import NOT_LEAD
from sessions.facilitate.access import facilitate_page, forbidden
from sessions.facilitate.rehearsal import notice_context, rehearse
from sessions.forms_facilitate import (
    AuditFilterForm,
    FacilitatorForm,
    GroupForm,
    ScheduleForm,
    VenueForm,
    add_service_errors,
)
from sessions.models import SessionSeries, SupportGroup, Venue
from sessions.pages.messages import page_messages
from sessions.permissions import can_lead_group, organizations_administered_by, venues_managed_by
from sessions.selectors import roster as roster_selectors
from sessions.selectors import schedule as schedule_selectors
from sessions.services import groups as group_services
from sessions.services import schedule as schedule_services
from sessions.services import schedule_patterns as patterns
from sessions.services.venues import venue_create as venue_create_service
from sessions.services.venues import venue_update

NOT_AN_ORGANIZER = "Only organization administrators can create groups and venues."
AUDIT_PAGE_SIZE = 50


def _org_venues(organization_ids) -> object:
    return Venue.objects.filter(organization_id__in=organization_ids).order_by("name", "pk")


# --- Groups -----------------------------------------------------------------------------


@facilitate_page
@require_http_methods(["GET", "POST"])
def group_create(request):
    organizations = organizations_administered_by(request.user).order_by("name")
    if not organizations.exists():
        return forbidden(request, NOT_AN_ORGANIZER)
    venues = _org_venues(organizations.values("pk"))
    status = 200
    if request.method == "POST":
        form = GroupForm(request.POST, organizations=organizations, venues=venues)
        if form.is_valid():
            organization = require_org_admin(request, form.cleaned_data["organization"])
            try:
                group = group_services.group_create(
                    organization=organization, actor=request.user, **form.service_fields()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The group is created. Now give it a schedule."))
                return redirect("facilitate:schedule-new", group_id=group.pk)
        status = 400
    else:
        form = GroupForm(organizations=organizations, venues=venues, initial={"organization": organizations.first()})
    return render(request, "sessions/facilitate/group_form.html", {"form": form, "group": None}, status=status)


@facilitate_page
@require_http_methods(["GET", "POST"])
def group_edit(request, group_id: int):
    group = managed_group(request, group_id, may=can_lead_group, message=NOT_LEAD)
    venues = _org_venues([group.organization_id])
    status = 200
    if request.method == "POST":
        form = GroupForm(request.POST, instance=group, venues=venues)
        if form.is_valid():
            try:
                group_services.group_update(group=group, actor=request.user, **form.service_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Saved."))
                return redirect("facilitate:group-edit", group_id=group.pk)
        status = 400
    else:
        form = GroupForm(instance=group, venues=venues)
    return render(request, "sessions/facilitate/group_form.html", {"form": form, "group": group}, status=status)


@facilitate_page
@require_http_methods(["GET", "POST"])
def facilitators(request, group_id: int):
    """Who facilitates: list for every manager (as the API's GET); add or change a role for leads and admins."""
    group = managed_group(request, group_id)
    status = 200
    form = FacilitatorForm()
    if request.method == "POST":
        require_group(request, group, may=can_lead_group, message=NOT_LEAD)
        form = FacilitatorForm(request.POST)
        if form.is_valid():
            try:
                group_services.facilitator_add(group=group, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("%(username)s is a facilitator.") % form.cleaned_data)
                return redirect("facilitate:facilitators", group_id=group.pk)
        status = 400
    return render(
        request,
        "sessions/facilitate/facilitators.html",
        {
            "group": group,
            "facilitators": group.facilitators.select_related("user").order_by("role", "user__username"),
            "form": form,
            "can_lead": can_lead_group(request.user, group),
        },
        status=status,
    )


@facilitate_page
@require_POST
def facilitator_remove(request, group_id: int, username: str):
    group = managed_group(request, group_id, may=can_lead_group, message=NOT_LEAD)
    try:
        group_services.facilitator_remove(group=group, username=username, actor=request.user)
    except ValidationError as exc:
        for message in page_messages(exc):
            messages.error(request, message)
    else:
        messages.success(request, _("%(username)s no longer facilitates this group.") % {"username": username})
    return redirect("facilitate:facilitators", group_id=group.pk)


# --- Schedules --------------------------------------------------------------------------


def _described(series: SessionSeries) -> SessionSeries:
    """The series with what its name on a page is made of ("Every week on Tuesday, 7:00 PM")."""
    series.pattern = patterns.pattern_from_rrule(series.rrule)
    series.local_start = schedule_services.series_local_dtstart(series)
    return series


@facilitate_page
def schedule(request, group_id: int):
    group = managed_group(request, group_id)
    series = list(schedule_selectors.series_for_group(group=group))
    now = dj_timezone.now()
    for item in map(_described, series):
        item.next_dates = patterns.series_preview(item, count=3, now=now) if item.active else ()
    return render(request, "sessions/facilitate/schedule.html", {"group": group, "series": series})


def _schedule_form_page(request, *, group, form, series=None, plan=None, notices=None, status=200):
    # The clock the times are typed on: the series' own when editing one, the group's for a new one.
    zone = series.local_zone if series is not None else group.local_zone
    return render(
        request,
        "sessions/facilitate/schedule_form.html",
        {"group": group, "form": form, "series": series, "plan": plan, "zone": zone.key, **(notices or {})},
        status=status,
    )


@facilitate_page
@require_http_methods(["GET", "POST"])
def schedule_new(request, group_id: int):
    """The picker: POST shows the next 8 dates; POST with confirm saves."""
    group = managed_group(request, group_id)
    venues = _org_venues([group.organization_id])
    if request.method != "POST":
        form = ScheduleForm(venues=venues, initial={"pattern": patterns.WEEKLY, "duration_minutes": 90})
        return _schedule_form_page(request, group=group, form=form)
    form = ScheduleForm(request.POST, venues=venues)
    if not form.is_valid():
        return _schedule_form_page(request, group=group, form=form, status=400)
    try:
        pattern = form.chosen_pattern()
        plan = patterns.schedule_plan(pattern=pattern, timezone=group.local_zone.key, now=dj_timezone.now())
        if pattern.kind == patterns.CYCLE:
            # A cycle sets the group's cycle start and length: a group edit.
            require_group(request, group, may=can_lead_group, message=NOT_LEAD)
        if request.POST.get("confirm") == "yes":
            patterns.schedule_create(
                group=group,
                plan=plan,
                duration_minutes=form.cleaned_data["duration_minutes"],
                venue=form.cleaned_data["venue"],
                actor=request.user,
            )
            messages.success(request, _("The schedule is saved."))
            return redirect("facilitate:schedule", group_id=group.pk)
    except ValidationError as exc:
        add_service_errors(form, exc, fields=ScheduleForm.SERVICE_FIELDS)
        return _schedule_form_page(request, group=group, form=form, status=400)
    return _schedule_form_page(request, group=group, form=form, plan=plan)


def _series(request, series_id: int) -> SessionSeries:
    series = get_object_or_404(
        SessionSeries.objects.select_related("group", "group__organization", "venue"), pk=series_id
    )
    require_group(request, series.group)
    return series


@facilitate_page
@require_http_methods(["GET", "POST"])
def series_edit(request, series_id: int):
    """Change a series' pattern, time, length or venue; future unchanged sessions follow (series_update)."""
    series = _series(request, series_id)
    group = series.group
    venues = _org_venues([group.organization_id])
    if request.method != "POST":
        local = schedule_services.series_local_dtstart(series)
        initial = {
            "first_date": local.date(),
            "start_time": local.time(),
            "duration_minutes": series.duration_minutes,
            "venue": series.venue_id,
            **{k: v for k, v in patterns.pattern_from_rrule(series.rrule).items() if k != "kind"},
        }
        kind = patterns.pattern_from_rrule(series.rrule)["kind"]
        initial["pattern"] = kind if kind != patterns.CUSTOM else ""
        form = ScheduleForm(venues=venues, allow_dates=False, initial=initial)
        return _schedule_form_page(request, group=group, form=form, series=series)
    form = ScheduleForm(request.POST, venues=venues, allow_dates=False)
    if not form.is_valid():
        return _schedule_form_page(request, group=group, form=form, series=series, status=400)
    now = dj_timezone.now()
    try:
        plan = patterns.schedule_plan(pattern=form.chosen_pattern(), timezone=series.local_zone.key, now=now)
        change = partial(
            patterns.series_change_from_pattern,
            series=series,
            plan=plan,
            duration_minutes=form.cleaned_data["duration_minutes"],
            venue=form.cleaned_data["venue"],
            actor=request.user,
            now=now,
        )
        before = series.sequence
        if request.POST.get("confirm") == "yes":
            if change().sequence == before:
                messages.success(request, _("Nothing changed: the series already has this schedule."))
            else:
                messages.success(request, _("The series is changed. Future sessions follow it."))
            return redirect("facilitate:schedule", group_id=group.pk)
        answer = rehearse(
            change=change,
            notices=lambda changed: hooks.series_edit_notices(series=changed, sequence_before=before, now=now),
        )
    except ValidationError as exc:
        add_service_errors(form, exc, fields=ScheduleForm.SERVICE_FIELDS)
        return _schedule_form_page(request, group=group, form=form, series=series, status=400)
    notices = {**notice_context(answer), "unchanged": answer.get("unchanged", False)}
    return _schedule_form_page(request, group=group, form=form, series=series, plan=plan, notices=notices)


def _rehearse_series_end(series: SessionSeries, *, actor, now: dt.datetime) -> dict:
    """Who ending `series` would tell, and how many sessions it would cancel, changing nothing."""

    def notices(cancelled: int) -> dict:
        return {**hooks.series_change_notices(series=series, now=now), "cancelled": cancelled}

    return rehearse(change=partial(schedule_services.series_end, series=series, actor=actor, now=now), notices=notices)


@facilitate_page
@require_POST
def series_end(request, series_id: int):
    """POST: the check (how many sessions are cancelled, who is told). POST with confirm: end it."""
    series = _series(request, series_id)
    now = dj_timezone.now()
    try:
        if request.POST.get("confirm") != "yes":
            answer = _rehearse_series_end(series, actor=request.user, now=now)
            context = {"series": _described(series), "group": series.group, "cancelled": answer["cancelled"]}
            return render(request, "sessions/facilitate/series_end.html", {**context, **notice_context(answer)})
        cancelled = schedule_services.series_end(series=series, actor=request.user, now=now)
    except ValidationError as exc:
        for message in page_messages(exc):
            messages.error(request, message)
    else:
        messages.success(
            request,
            ngettext(
                "The series has ended; %(count)s future session is cancelled.",
                "The series has ended; %(count)s future sessions are cancelled.",
                cancelled,
            )
            % {"count": cancelled},
        )
    return redirect("facilitate:schedule", group_id=series.group_id)


# --- Venues -----------------------------------------------------------------------------


@facilitate_page
def venues(request):
    organizations = organizations_administered_by(request.user)
    if not organizations.exists():
        return forbidden(request, NOT_AN_ORGANIZER)
    rows = venues_managed_by(request.user).select_related("organization").order_by("name", "pk")
    return render(request, "sessions/facilitate/venues.html", {"venues": rows})


@facilitate_page
@require_http_methods(["GET", "POST"])
def venue_create(request):
    organizations = organizations_administered_by(request.user).order_by("name")
    if not organizations.exists():
        return forbidden(request, NOT_AN_ORGANIZER)
    status = 200
    if request.method == "POST":
        form = VenueForm(request.POST, organizations=organizations)
        if form.is_valid():
            organization = require_org_admin(request, form.cleaned_data["organization"])
            try:
                venue = venue_create_service(organization=organization, actor=request.user, **form.venue_fields())
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The venue is saved."))
                return redirect("facilitate:venue-edit", venue_id=venue.pk)
        status = 400
    else:
        form = VenueForm(organizations=organizations, initial={"organization": organizations.first(), "country": "US"})
    return render(request, "sessions/facilitate/venue_form.html", {"form": form, "venue": None}, status=status)


@facilitate_page
@require_http_methods(["GET", "POST"])
def venue_edit(request, venue_id: int):
    venue = get_object_or_404(Venue.objects.select_related("organization"), pk=venue_id)
    require_org_admin(request, venue.organization)
    status = 200
    if request.method == "POST":
        form = VenueForm(request.POST, editing=True)
        if form.is_valid():
            changed = {k: v for k, v in form.venue_fields().items() if getattr(venue, k) != v}
            try:
                venue = venue_update(venue=venue, actor=request.user, **changed)
            except ValidationError as exc:
                venue.refresh_from_db()
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The venue is saved."))
                return redirect("facilitate:venue-edit", venue_id=venue.pk)
        status = 400
    else:
        form = VenueForm(editing=True, initial={name: getattr(venue, name) for name in VenueForm.FIELDS})
        if not venue.location_approximate:
            form.initial.update(latitude=venue.latitude, longitude=venue.longitude)
    return render(request, "sessions/facilitate/venue_form.html", {"form": form, "venue": venue}, status=status)


# --- The audit log ----------------------------------------------------------------------


@facilitate_page
def audit_log(request, organization_id: int):
    """The organization's audit log, newest first, by group and action (the API's selector)."""
    organization = administered_organization(request, organization_id)
    groups = SupportGroup.objects.filter(organization=organization).order_by("name")
    form = AuditFilterForm(request.GET or None, groups=groups)
    group_id, action = None, None
    if form.is_bound and form.is_valid():
        group_id = form.cleaned_data["group"].pk if form.cleaned_data["group"] else None
        action = form.cleaned_data["action"] or None
    entries = roster_selectors.audit_log_for_organization(organization=organization, group_id=group_id, action=action)
    page = Paginator(entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    first_group = groups.select_related("venue").first()
    zone = first_group.local_zone if first_group is not None else zoneinfo.ZoneInfo("UTC")
    for entry in page:
        entry.local_time = entry.created_at.astimezone(zone)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "sessions/facilitate/audit.html",
        {"organization": organization, "form": form, "page": page, "query": query.urlencode(), "zone": zone.key},
    )
