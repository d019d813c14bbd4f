"""Joining from a page: the form, the request page that says what happens next, the email link.

Every join is a request until the contact's owner proves it (docs/privacy.md): a reply YES to
our text, or Confirm pressed on the page the emailed link opens. These views call the same
services as the API (sessions/services/joining.py, sessions/services/proofs.py).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from rest_framework.throttling import ScopedRateThrottle

from sessions.api.access import group_by_slug
from sessions.api.public import client_address
from sessions.links import self_service_url
from sessions.models import Enrollment, SupportGroup
from sessions.pages.forms import JoinForm
from sessions.pages.messages import page_message_dict, translated
from sessions.pages.private import private_page
from sessions.services.joining import (
    STATUS_CANCELLED,
    STATUS_EXPIRED,
    JoinLimitReached,
    group_join,
    join_request_by_token,
    join_request_cancel,
    join_request_public_state,
)
from sessions.services.members import member_set_language
from sessions.services.proofs import (
    STATUS_CONFIRMED,
    ProofExpired,
    contact_proof_by_secret,
    email_confirm,
    email_confirmation_state,
)

TOO_MANY_TRIES = "Too many tries from this connection. Please wait a while and try again."


class _JoinScope:
    """The API's join throttle, so the page and the API share one limit per client."""

    throttle_scope = "join"


def join_allowed(request: HttpRequest) -> bool:
    return ScopedRateThrottle().allow_request(request, _JoinScope())


def _country(group: SupportGroup) -> str | None:
    return group.venue.country if group.venue_id else None


@require_http_methods(["GET", "POST"])
def join_page(request: HttpRequest, slug: str) -> HttpResponse:
    group = group_by_slug(slug)
    form = JoinForm(request.POST if request.method == "POST" else None)
    context = {"group": group, "form": form, "crisis_country": _country(group)}
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
            language=request.LANGUAGE_CODE,
        )
    except ValidationError as exc:
        for field, messages in page_message_dict(exc).items():
            form.add_error(field if field in form.fields else None, messages)
        return render(request, "join/form.html", context, status=400)
    except JoinLimitReached as exc:
        form.add_error(None, translated(exc.message))
        return render(request, "join/form.html", context, status=429)
    # Post/Redirect/Get: a reload does not send the request twice.
    return redirect("join-request-page", token=result.join_request.token)


def _join_request(token: str):
    join_request = join_request_by_token(token=token)
    if join_request is None:
        raise Http404
    return join_request


@private_page
@require_http_methods(["GET"])
def join_request_page(request: HttpRequest, token: str) -> HttpResponse:
    """What happens next. Shows the request as typed, never whether it was confirmed."""
    join_request = _join_request(token)
    state = join_request_public_state(join_request=join_request)
    group = join_request.group
    return render(
        request,
        "join/request.html",
        {
            "group": group,
            "state": state,
            "by_text": bool(join_request.phone),
            "waiting": state.status not in (STATUS_CANCELLED, STATUS_EXPIRED),
            "cancelled": state.status == STATUS_CANCELLED,
            "expired": state.status == STATUS_EXPIRED,
            "token": token,
            "crisis_country": _country(group),
        },
    )


@private_page
@require_POST
def join_request_cancel_page(request: HttpRequest, token: str) -> HttpResponse:
    join_request_cancel(join_request=_join_request(token))
    return redirect("join-request-page", token=token)


def _proof(secret: str):
    proof = contact_proof_by_secret(secret=secret)
    if proof is None:
        raise Http404
    return proof


@private_page
@require_http_methods(["GET", "POST"])
def email_confirmation_page(request: HttpRequest, secret: str) -> HttpResponse:
    """The emailed link: a page with one Confirm button. Opening it (GET) changes nothing,
    so mail scanners that follow links prove nothing."""
    proof = _proof(secret)
    group = proof.join_request.group if proof.join_request_id else None
    context = {"group": group, "secret": secret, "crisis_country": _country(group) if group else None}
    if request.method == "GET":
        state = email_confirmation_state(proof=proof)
        context.update(state=state, already=state.status == STATUS_CONFIRMED, expired=state.status == STATUS_EXPIRED)
        return render(request, "join/email_confirm.html", context)
    try:
        result = email_confirm(proof=proof)
    except ProofExpired:
        context.update(expired=True)
        return render(request, "join/email_confirm.html", context, status=410)
    if result.first_proof:
        # The person who just proved the address chose this page's language: texts and emails follow it.
        member_set_language(member=result.member, language=request.LANGUAGE_CODE)
    enrollment = result.enrollment
    context.update(
        enrollment=enrollment,
        active=enrollment is not None and enrollment.status == Enrollment.Status.ACTIVE,
        waitlisted=enrollment is not None and enrollment.status == Enrollment.Status.WAITLISTED,
        requested=enrollment is not None and enrollment.status == Enrollment.Status.REQUESTED,
        # Whoever pressed Confirm holds the emailed secret: they control this address.
        my_page=self_service_url(result.member),
    )
    return render(request, "join/email_confirmed.html", context)
