"""`/groups/{slug}/join/`: the join form, then a page that says what happens next."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from rest_framework.throttling import ScopedRateThrottle

from sessions.api.access import group_by_slug
from sessions.api.public import client_address
from sessions.pages.forms import JoinForm
from sessions.services.joining import JoinLimitReached, group_join

TOO_MANY_TRIES = "Too many tries from this connection. Please wait a while and try again."


class _JoinScope:
    """The API's join throttle, so the page and the API share one limit per client."""

    throttle_scope = "join"


def join_allowed(request: HttpRequest) -> bool:
    return ScopedRateThrottle().allow_request(request, _JoinScope())


def join_page(request: HttpRequest, slug: str) -> HttpResponse:
    group = group_by_slug(slug)
    form = JoinForm(request.POST or None)
    context = {"group": group, "form": form, "crisis_country": group.venue.country if group.venue_id else None}
    if request.method != "POST" or not form.is_valid():
        return render(request, "join/form.html", context, status=400 if form.errors else 200)
    if not join_allowed(request):
        form.add_error(None, _(TOO_MANY_TRIES))
        return render(request, "join/form.html", context, status=429)
    data = form.cleaned_data
    try:
        result = group_join(
            group=group,
            display_name=data["display_name"],
            phone=data.get("phone") or None,
            email=data.get("email") or None,
            sms_reminders="sms" in data["reminders"],
            email_reminders="email" in data["reminders"],
            time_zone=data.get("time_zone") or None,
            note=data.get("note", ""),
            client=client_address(request),
        )
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
        return render(request, "join/form.html", context, status=400)
    except JoinLimitReached as exc:
        form.add_error(None, exc.message)
        return render(request, "join/form.html", context, status=429)
    context["result"] = result
    return render(request, "join/sent.html", context)
