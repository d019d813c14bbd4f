"""Cancel, move or re-venue one session, seeing first who will be told, how and when.

The check page rehearses the change (sessions.facilitate.rehearsal): `session_change`
(the API's service) runs in a savepoint, the notifications app's answer to "who will be
told" is read through sessions.hooks (SESSION_CHANGE_NOTICES, the function the API's
change answer uses), and the savepoint is rolled back.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods

from sessions import hooks
from sessions.api.access import require_group
from sessions.facilitate.access import facilitate_page
from sessions.facilitate.rehearsal import notice_context, rehearse
from sessions.facilitate.views import session_context
from sessions.forms_facilitate import SessionCancelForm, SessionMoveForm, SessionVenueForm, add_service_errors
from sessions.models import Session, Venue
from sessions.services import schedule as schedule_services

CHANGE_DONE = {
    "cancel": gettext_noop("The session is cancelled. Members will be told."),
    "move": gettext_noop("The session is moved. Members will be told."),
    "venue": gettext_noop("The venue is changed. Members will be told."),
}
FORMS = {"cancel": SessionCancelForm, "move": SessionMoveForm, "venue": SessionVenueForm}
# Service keys that name a field of each form under another name.
FORM_FIELDS = {"cancel": {}, "move": {"starts_at": "time", "ends_at": "time"}, "venue": {}}


def rehearse_session_change(*, session: Session, actor, change: dict, now: dt.datetime) -> dict:
    """The notices `change` would send (hooks.session_change_notices' answer), changing nothing."""
    return rehearse(
        change=lambda: schedule_services.session_change(session=session, actor=actor, now=now, **change),
        notices=lambda changed: hooks.session_change_notices(session=changed, now=now),
    )


def _session(request, session_id: int) -> Session:
    session = get_object_or_404(
        Session.objects.select_related("group", "group__organization", "group__venue", "series", "venue"),
        pk=session_id,
    )
    require_group(request, session.group)
    return session


def _change_from(form, *, kind: str, session: Session) -> dict:
    data = form.cleaned_data
    if kind == "cancel":
        return {"status": Session.Status.CANCELLED, "note": data["note"]}
    if kind == "move":
        # The date and time are on the series' clock; the offset is the zone's, never typed.
        local = dt.datetime.combine(data["date"], data["time"])
        return {"starts_at": schedule_services.local_to_utc(local, session.local_zone.key)}
    return {"venue": data["venue"], "note": data["note"]}


def _change_page(request, session_id: int, *, kind: str):
    """GET: the form. POST: the check (what changes, who is told). POST with confirm: do it."""
    session = _session(request, session_id)
    now = dj_timezone.now()
    venues = Venue.objects.filter(organization_id=session.group.organization_id).order_by("name", "pk")
    form_kwargs = {"venues": venues} if kind == "venue" else {}
    context = session_context(session, now=now)
    status = 200
    if request.method == "POST":
        form = FORMS[kind](request.POST, **form_kwargs)
        if form.is_valid():
            change = _change_from(form, kind=kind, session=session)
            try:
                if request.POST.get("confirm") == "yes":
                    schedule_services.session_change(session=session, actor=request.user, now=now, **change)
                    messages.success(request, _(CHANGE_DONE[kind]))
                    return redirect("facilitate:session", session_id=session.pk)
                answer = rehearse_session_change(session=session, actor=request.user, change=change, now=now)
            except ValidationError as exc:
                add_service_errors(form, exc, fields=FORM_FIELDS[kind])
                status = 400
            else:
                zone = session.local_zone
                context.update(
                    {
                        "confirming": True,
                        **notice_context(answer),
                        "new_start": change["starts_at"].astimezone(zone) if "starts_at" in change else None,
                        "new_venue": change.get("venue"),
                    }
                )
        else:
            status = 400
    else:
        initial = {}
        if kind == "move":
            local = context["local_start"]
            initial = {"date": local.date(), "time": local.time().replace(second=0, microsecond=0)}
        elif kind == "venue":
            initial = {"venue": session.venue_id, "note": session.note}
        form = FORMS[kind](initial=initial, **form_kwargs)
    context.update({"form": form, "kind": kind, "zone": session.local_zone.key})
    return render(request, "sessions/facilitate/session_change.html", context, status=status)


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
