"""A member's own pages under /me/{token}/: groups and next sessions, RSVP, reminders,
contacts, calendar, leave, a new link, erase.

The token in the path is the credential, as in the API (sessions/api/me.py): unknown, rotated,
erased and unproven members are all 404. Each action is a POST form that redirects back
(Post/Redirect/Get); a GET never changes anything. Every response is no-store and keeps the
URL from other sites (`private_page`).
"""

from __future__ import annotations

import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sessions.api.public import client_address
from sessions.models import Enrollment, Member, Session, SupportGroup
from sessions.pages.forms import ContactForm, EraseForm, RemindersForm, RsvpForm
from sessions.pages.messages import page_message_dict, page_messages, translated
from sessions.pages.present import local_time, phone_for_display
from sessions.pages.private import private_page
from sessions.selectors.membership import confirmation_sent, member_groups_overview
from sessions.selectors.roster import member_enrollment_in_group
from sessions.services import members as member_services
from sessions.services.attendance import attendance_rsvp
from sessions.services.enrollment import ON_ROSTER, enrollment_leave
from sessions.services.send_caps import SendCapReached


def _member(token: str) -> Member:
    member = member_services.member_for_self_service(token=token)
    if member is None:
        raise Http404
    return member


def _status_text(enrollment: Enrollment) -> str:
    Status = Enrollment.Status
    if enrollment.status == Status.ACTIVE:
        return _("You have a place")
    if enrollment.status == Status.WAITLISTED:
        return _("On the waitlist: number %(n)s") % {"n": enrollment.waitlist_position}
    if enrollment.status == Status.REQUESTED:
        return _("Waiting for a group leader to say yes")
    if enrollment.status == Status.LEFT:
        return _("You left this group")
    return _("Not in this group now")


def _overview(member: Member) -> list[dict]:
    zone = zoneinfo.ZoneInfo(member.timezone)
    rows = []
    for enrollment in member_groups_overview(member=member):
        group = enrollment.group
        session = enrollment.next_session
        active = enrollment.status == Enrollment.Status.ACTIVE
        rows.append(
            {
                "enrollment": enrollment,
                "group": group,
                "status": _status_text(enrollment),
                "on_roster": enrollment.status in ON_ROSTER,
                "active": active,
                "next": local_time(session.starts_at, zone) if session else "",
                "session": session,
                "rsvp": enrollment.rsvp,
                # Meeting links go to proven (this page needs proof) and active members only.
                "meeting_link": group.conference_url
                if active and group.format != SupportGroup.Format.IN_PERSON
                else "",
            }
        )
    return rows


def _calendar_urls(member: Member) -> dict:
    path = reverse("member-calendar", args=[member.token])
    host = settings.PUBLIC_BASE_URL.split("://", 1)[1]
    return {"ics_url": path, "webcal_url": f"webcal://{host}{path}"}


def _home(request: HttpRequest, member: Member, *, status: int = 200, **forms) -> HttpResponse:
    reminders = []
    if member.sms_reminders:
        reminders.append("sms")
    if member.email_reminders:
        reminders.append("email")
    context = {
        "member": member,
        "token": member.token,
        "groups": _overview(member),
        "reminders_form": forms.get("reminders_form")
        or RemindersForm(initial={"reminders": reminders, "language": member.language}),
        "contact_form": forms.get("contact_form")
        or ContactForm(initial={"phone": phone_for_display(member.phone), "email": member.email or ""}),
        "form": forms.get("reminders_form") or forms.get("contact_form"),
        "phone_waiting": member.phone is not None and member.phone_verified_at is None,
        "email_waiting": member.email is not None and member.email_verified_at is None,
        "zone": member.timezone,
        **_calendar_urls(member),
    }
    return render(request, "me/home.html", context, status=status)


@private_page
@require_GET
def me_home(request: HttpRequest, token: str) -> HttpResponse:
    return _home(request, _member(token))


def _back(member: Member, anchor: str = "") -> HttpResponse:
    return redirect(reverse("me-home", args=[member.token]) + (f"#{anchor}" if anchor else ""))


@private_page
@require_POST
def me_rsvp(request: HttpRequest, token: str) -> HttpResponse:
    member = _member(token)
    form = RsvpForm(request.POST)
    if not form.is_valid():
        raise Http404
    session = Session.objects.select_related("group").filter(pk=form.cleaned_data["session"]).first()
    enrollment = (
        Enrollment.objects.filter(member=member, group_id=session.group_id).first() if session is not None else None
    )
    if enrollment is None:
        # Not this member's group: the same answer as a session that does not exist.
        raise Http404
    try:
        attendance_rsvp(session=session, enrollment=enrollment, rsvp=form.cleaned_data["rsvp"])
    except ValidationError as exc:
        for message in page_messages(exc):
            messages.error(request, message)
        return _back(member, "groups")
    if form.cleaned_data["rsvp"] == "yes":
        messages.success(request, _("Thank you. The group leader knows you plan to come."))
    else:
        messages.success(request, _("Thank you. The group leader knows you can't make it."))
    return _back(member, "groups")


@private_page
@require_POST
def me_reminders(request: HttpRequest, token: str) -> HttpResponse:
    member = _member(token)
    form = RemindersForm(request.POST)
    if form.is_valid():
        chosen = form.cleaned_data["reminders"]
        try:
            member_services.member_update(
                member=member,
                client=client_address(request),
                sms_reminders="sms" in chosen,
                email_reminders="email" in chosen,
            )
            member_services.member_set_language(member=member, language=form.cleaned_data["language"])
        except ValidationError as exc:
            for errors in page_message_dict(exc).values():
                form.add_error("reminders", errors)
        except SendCapReached as exc:
            # Texts switched on send a "reply YES" text, which the daily caps count: nothing was saved.
            form.add_error("reminders", translated(exc.message))
            return _home(request, member, status=429, reminders_form=form)
    if form.errors:
        return _home(request, member, status=400, reminders_form=form)
    messages.success(request, _("Your reminder choices are saved."))
    return _back(member, "reminders")


@private_page
@require_POST
def me_contact(request: HttpRequest, token: str) -> HttpResponse:
    member = _member(token)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            updated = member_services.member_update(
                member=member,
                client=client_address(request),
                phone=form.cleaned_data["phone"] or None,
                email=form.cleaned_data["email"] or None,
            )
        except ValidationError as exc:
            for field, errors in page_message_dict(exc).items():
                form.add_error(field if field in form.fields else None, errors)
        except SendCapReached as exc:
            # A daily cap on confirmations: nothing was saved.
            form.add_error(None, translated(exc.message))
            return _home(request, member, status=429, contact_form=form)
    if form.errors:
        return _home(request, member, status=400, contact_form=form)
    if not updated.is_proven:
        # The only proven contact changed: this link works again once the new one is confirmed.
        return render(
            request,
            "me/contact_changed.html",
            {
                "member": updated,
                "by_text": confirmation_sent(member=updated, channel="sms", destination=updated.phone),
                "by_email": confirmation_sent(member=updated, channel="email", destination=updated.email),
            },
        )
    _say_contact_saved(request, before=member, after=updated)
    return _back(member, "contact")


def _say_contact_saved(request: HttpRequest, *, before, after) -> None:
    """What changed, and which new contact was sent a confirmation to answer."""
    if after.phone == before.phone and after.email == before.email:
        messages.success(request, _("Nothing changed."))
    else:
        messages.success(request, _("Your contact details are saved."))
    if after.phone != before.phone and confirmation_sent(member=after, channel="sms", destination=after.phone):
        messages.success(request, _("We texted your new number. Reply YES to that text to confirm it."))
    if after.email != before.email and confirmation_sent(member=after, channel="email", destination=after.email):
        messages.success(request, _("We emailed your new address. Open the link in it and press Confirm."))


@private_page
@require_POST
def me_confirm_email(request: HttpRequest, token: str) -> HttpResponse:
    member = _member(token)
    member_services.member_request_email_proof(member=member)
    messages.success(
        request, _("If your email address still needs confirming, we sent it a link. Open it and press Confirm.")
    )
    return _back(member, "contact")


@private_page
@require_http_methods(["GET", "POST"])
def me_leave(request: HttpRequest, token: str, group_slug: str) -> HttpResponse:
    member = _member(token)
    enrollment = member_enrollment_in_group(member=member, group_slug=group_slug)
    if enrollment is None:
        raise Http404
    if request.method == "POST":
        if enrollment.status in ON_ROSTER:
            enrollment_leave(enrollment=enrollment)
        messages.success(request, _("You left %(name)s.") % {"name": enrollment.group.name})
        return _back(member, "groups")
    return render(request, "me/leave.html", {"member": member, "token": token, "enrollment": enrollment})


@private_page
@require_POST
def me_rotate(request: HttpRequest, token: str) -> HttpResponse:
    member = member_services.member_rotate_token(member=_member(token))
    messages.success(
        request,
        _("This is your new link. The old one no longer works. Bookmark this page, or find it in our next message."),
    )
    return _back(member)


@private_page
@require_http_methods(["GET", "POST"])
def me_erase(request: HttpRequest, token: str) -> HttpResponse:
    member = _member(token)
    form = EraseForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        member_services.member_erase(member=member)
        return redirect("erased")
    status = 400 if form.errors else 200
    return render(request, "me/erase.html", {"member": member, "token": token, "form": form}, status=status)


@require_GET
def erased(request: HttpRequest) -> HttpResponse:
    return render(request, "me/erased.html")
