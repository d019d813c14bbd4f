"""Facilitator pages about messages: writing to the group (with a live count and a
preview exactly as it will arrive), the inbox of members' replies, and the follow-up
list with a ready check-in text.

These live in notifications because they send and read texts; sessions' pages link
here by URL name only, so sessions still never imports notifications.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_http_methods, require_POST

from notifications import broadcasts, inbox, texts
from notifications.models import Broadcast, Channel
from sessions.api.access import managed_group
from sessions.facilitate.access import facilitate_page
from sessions.forms_facilitate import (
    BroadcastForm,
    add_service_errors,
)
from sessions.selectors import attendance as attendance_selectors
from sessions.services import attendance as attendance_services

INBOX_SHOWN = 100


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


def _check_in(row) -> str:
    return texts.check_in_text(display_name=row.display_name, language=row.language)


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
                body=_check_in(row),
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
    items = [{"row": row, "text": _check_in(row)} for row in rows]
    zone = group.local_zone
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
