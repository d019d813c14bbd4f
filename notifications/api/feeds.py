"""The .ics subscription feeds. Plain Django views: calendar clients send no
Accept header DRF would negotiate on, and they want text/calendar bytes."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe

from notifications.calendar import group_calendar, member_calendar
from sessions.models import SupportGroup
from sessions.selectors.roster import member_by_token

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _ics(body: bytes, *, filename: str, private: bool) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    if private:
        # The URL is the secret: keep it out of shared caches and referrers.
        response["Cache-Control"] = "private, no-cache"
        response["Referrer-Policy"] = "no-referrer"
        response["X-Robots-Tag"] = "noindex"
    else:
        response["Cache-Control"] = "public, max-age=300"
    return response


@require_safe
def group_feed(request: HttpRequest, slug: str) -> HttpResponse:
    """GET /api/groups/{slug}/calendar.ics — the public schedule."""
    group = get_object_or_404(SupportGroup.objects.select_related("organization", "venue"), slug=slug)
    return _ics(group_calendar(group=group), filename=f"{group.slug}.ics", private=False)


@require_safe
def member_feed(request: HttpRequest, token: str) -> HttpResponse:
    """GET /api/me/{token}/calendar.ics — 404 for an unknown, rotated or erased member."""
    # The same lookup as the self-service API, so a rotated, erased or malformed
    # token is dead here exactly as it is there.
    member = member_by_token(token=token)
    if member is None:
        raise Http404("No such calendar.")
    return _ics(member_calendar(member=member), filename="lantern.ics", private=True)
