"""Facilitator pages that involve telling members: changing a session (with who will be
told, by which channel and when, before confirming), writing to the group, the inbox
of members' replies, and the follow-up list with a ready check-in text.

These live in notifications because they read notification rules; sessions' pages
link here by URL name only, so sessions still never imports notifications.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from notifications import broadcasts, inbox, texts
from notifications.models import Broadcast, Channel, Kind, OutboxMessage
from notifications.planner import plan_session_changes
from sessions.api.access import managed_group, require_group
from sessions.facilitate.access import facilitate_page
from sessions.facilitate.views import session_context
from sessions.forms_facilitate import (
    BroadcastForm,
    SessionCancelForm,
    SessionMoveForm,
    SessionVenueForm,
    add_service_errors,
)
from sessions.models import Session, Venue
from sessions.permissions import venues_managed_by
from sessions.selectors import attendance as attendance_selectors
from sessions.services import attendance as attendance_services
from sessions.services import schedule as schedule_services

INBOX_SHOWN = 100


# --- Changing a session -----------------------------------------------------------------


@dataclass(frozen=True)
class Notice:
    name: str
    channel: str
    due_at: dt.datetime  # in the group's zone, for display


class _Rehearsal(Exception):
    def __init__(self, notices: list[Notice]):
        self.notices = notices


def rehearse_session_change(*, session: Session, actor, change: dict, now: dt.datetime) -> list[Notice]:
    """Who will be told of `change`, by which channel and when: the change is made and the
    planner run inside a savepoint that is then rolled back, so the answer is the planner's
    own (quiet hours, consent, urgency) and the service's own refusals surface unchanged."""
    zone = zoneinfo.ZoneInfo(session.series.timezone)
    try:
        with transaction.atomic():
            changed = schedule_services.session_change(session=session, actor=actor, now=now, **change)
            plan_session_changes(now=now)
            rows = (
                OutboxMessage.objects.filter(
                    session=changed,
                    sequence=changed.sequence,
                    kind__in=[Kind.SESSION_CANCELLED, Kind.SESSION_CHANGED],
                )
                .select_related("member")
                .order_by("member__display_name", "channel")
            )
            notices = [Notice(row.member.display_name, row.channel, row.due_at.astimezone(zone)) for row in rows]
            raise _Rehearsal(notices)
    except _Rehearsal as rehearsal:
        return rehearsal.notices


def _summary(notices: list[Notice], *, now: dt.datetime) -> list[dict]:
    """Notices grouped by channel and time: "Text, now: 6 people"."""
    groups: dict[tuple[str, dt.datetime], list[str]] = {}
    for notice in notices:
        groups.setdefault((notice.channel, notice.due_at), []).append(notice.name)
    return [
        {
            "channel": channel,
            "due_at": due_at,
            "now": due_at <= now + dt.timedelta(minutes=2),
            "names": names,
        }
        for (channel, due_at), names in sorted(groups.items(), key=lambda item: (item[0][1], item[0][0]))
    ]


def _session_for_change(request, session_id: int) -> Session:
    session = get_object_or_404(
        Session.objects.select_related("group", "group__organization", "group__venue", "series", "venue"),
        pk=session_id,
    )
    require_group(request, session.group)
    return session


def _change_page(request, session_id: int, *, kind: str):
    """GET: the form. POST: the preview (what changes, who is told). POST with confirm: do it."""
    session = _session_for_change(request, session_id)
    now = dj_timezone.now()
    venues = venues_managed_by(request.user) | Venue.objects.filter(organization_id=session.group.organization_id)
    venues = venues.distinct().order_by("name")
    form_class = {"cancel": SessionCancelForm, "move": SessionMoveForm, "venue": SessionVenueForm}[kind]
    form_kwargs = {"venues": venues} if kind == "venue" else {}
    context = session_context(session, now=now)
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, **form_kwargs)
        if form.is_valid():
            change = _change_from(form, kind=kind, session=session)
            try:
                if request.POST.get("confirm") == "yes":
                    schedule_services.session_change(session=session, actor=request.user, now=now, **change)
                    messages.success(request, _(CHANGE_DONE[kind]))
                    return redirect("facilitate:session", session_id=session.pk)
                notices = rehearse_session_change(session=session, actor=request.user, change=change, now=now)
            except ValidationError as exc:
                add_service_errors(form, exc, fields=FORM_FIELDS[kind])
                status = 400
            else:
                context.update({"confirming": True, "summary": _summary(notices, now=now), "notices": notices})
                context.update(_proposed(change, session=session))
        else:
            status = 400
    else:
        initial = {}
        if kind == "move":
            local = context["local_start"]
            initial = {"date": local.date(), "time": local.time().replace(second=0, microsecond=0)}
        elif kind == "venue":
            initial = {"venue": session.venue_id, "note": session.note}
        form = form_class(initial=initial, **form_kwargs)
    context.update({"form": form, "kind": kind, "zone": session.series.timezone})
    return render(request, "notifications/facilitate/session_change.html", context, status=status)


CHANGE_DONE = {
    "cancel": gettext_noop("The session is cancelled. Members will be told."),
    "move": gettext_noop("The session is moved. Members will be told."),
    "venue": gettext_noop("The venue is changed. Members will be told."),
}
# Service keys that name a field of each form under another name.
FORM_FIELDS = {
    "cancel": {"session": None},
    "move": {"starts_at": "time", "ends_at": "time"},
    "venue": {},
}


def _change_from(form, *, kind: str, session: Session) -> dict:
    data = form.cleaned_data
    if kind == "cancel":
        return {"status": Session.Status.CANCELLED, "note": data["note"]}
    if kind == "move":
        # The date and time are on the series' clock; the offset is the zone's, never typed.
        starts_at = schedule_services.local_to_utc(
            dt.datetime.combine(data["date"], data["time"]), session.series.timezone
        )
        return {"starts_at": starts_at}
    return {"venue": data["venue"], "note": data["note"]}


def _proposed(change: dict, *, session: Session) -> dict:
    zone = zoneinfo.ZoneInfo(session.series.timezone)
    proposed = {}
    if "starts_at" in change:
        proposed["new_start"] = change["starts_at"].astimezone(zone)
    if "venue" in change:
        proposed["new_venue"] = change["venue"]
    return proposed


@facilitate_page
@require_http_methods(["GET", "POST"])
def session_cancel(request, session_id: int):
    return _change_page(request, session_id, kind="cancel")


@facilitate_page
@require_http_methods(["GET", "POST"])
def session_move(request, session_id: int):
    return _change_page(request, session_id, kind="move")


@facilitate_page
@require_http_methods(["GET", "POST"])
def session_venue(request, session_id: int):
    return _change_page(request, session_id, kind="venue")


# --- Messages ---------------------------------------------------------------------------


@facilitate_page
@require_http_methods(["GET", "POST"])
def group_messages(request, group_id: int):
    """Write to the active members. POST previews; POST with confirm sends (the API's broadcast_send)."""
    group = managed_group(request, group_id)
    status = 200
    preview = None
    if request.method == "POST":
        form = BroadcastForm(request.POST)
        if form.is_valid():
            body = form.cleaned_data["body"]
            try:
                if request.POST.get("confirm") == "yes":
                    broadcast = broadcasts.broadcast_send(group=group, author=request.user, body=body)
                    messages.success(
                        request,
                        _("Message sent to %(count)s people (%(sms)s texts, %(email)s emails).")
                        % {"count": broadcast.recipients, "sms": broadcast.sms_count, "email": broadcast.email_count},
                    )
                    return redirect("facilitate:messages", group_id=group.pk)
                preview = broadcasts.broadcast_preview(group=group, body=body)
            except ValidationError as exc:
                add_service_errors(form, exc)
                status = 400
        else:
            status = 400
    else:
        form = BroadcastForm()
    recent = Broadcast.objects.filter(group=group).select_related("author")[:10]
    return render(
        request,
        "notifications/facilitate/messages.html",
        {
            "group": group,
            "form": form,
            "preview": preview,
            "recent": recent,
            "max_characters": texts.BROADCAST_MAX_SEPTETS,
            "label": texts.label_of(group),
        },
        status=status,
    )


@facilitate_page
@require_POST
def message_count(request, group_id: int):
    """The live count for the message box (JSON): the same functions as the preview and the send."""
    group = managed_group(request, group_id)
    body = request.POST.get("body", "")[:2000]
    text = broadcasts.broadcast_text(group=group, body=body)
    error = ""
    try:
        broadcasts.broadcast_check(body)
    except ValidationError as exc:
        error = " ".join(exc.message_dict.get("body", exc.messages))
    return JsonResponse({**text, "error": error, "max_characters": texts.BROADCAST_MAX_SEPTETS})


@facilitate_page
def group_inbox(request, group_id: int):
    group = managed_group(request, group_id)
    items = list(inbox.group_inbox(group=group)[:INBOX_SHOWN])
    return render(request, "notifications/facilitate/inbox.html", {"group": group, "items": items})


@facilitate_page
@require_POST
def inbox_handled(request, group_id: int, message_id: int):
    group = managed_group(request, group_id)
    handled = request.POST.get("handled", "yes") == "yes"
    message = get_object_or_404(inbox.group_inbox(group=group), pk=message_id)
    inbox.inbound_mark_handled(message=message, group=group, actor=request.user, handled=handled)
    return redirect(reverse("facilitate:inbox", args=[group.pk]) + f"#m{message.pk}")


@facilitate_page
@require_http_methods(["GET", "POST"])
def follow_up(request, group_id: int):
    """Active members who missed their last two sessions, each with a check-in text to send."""
    group = managed_group(request, group_id)
    rows = attendance_selectors.follow_up_list(group=group)
    if request.method == "POST":
        wanted = request.POST.get("enrollment", "")
        row = next((r for r in rows if str(r.enrollment_id) == wanted), None)
        if row is None:
            messages.error(request, _(NOT_ON_LIST))
        else:
            broadcast = broadcasts.broadcast_send(
                group=group,
                author=request.user,
                body=texts.check_in_text(display_name=row.display_name),
                enrollment_ids=[row.enrollment_id],
            )
            if broadcast.recipients:
                messages.success(request, _("Check-in sent to %(name)s.") % {"name": row.display_name})
            else:
                messages.error(request, _(NO_CHANNEL) % {"name": row.display_name})
        return redirect("facilitate:follow-up", group_id=group.pk)
    # Audited as GET /api/manage/groups/{id}/follow-up/ is.
    attendance_services.attendance_audit(
        actor=request.user,
        group=group,
        action="attendance.follow_up.view",
        target=group,
        details={"members": len(rows)},
    )
    items = [{"row": row, "text": texts.check_in_text(display_name=row.display_name)} for row in rows]
    zone = zoneinfo.ZoneInfo(group.timezone)
    for item in items:
        last = item["row"].last_attended_at
        item["last_local"] = last.astimezone(zone) if last else None
    return render(
        request,
        "notifications/facilitate/follow_up.html",
        {"group": group, "items": items, "label": texts.label_of(group), "sms": Channel.SMS},
    )


NOT_ON_LIST = gettext_noop("This person is no longer on the follow-up list.")
NO_CHANNEL = gettext_noop("%(name)s has no text or email reminders on, so nothing was sent.")
