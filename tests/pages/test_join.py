"""Joining from the page: the form, the request page, the emailed Confirm page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from sessions.models import ContactProof, Enrollment, JoinRequest, Member
from sessions.services.joining import JOIN_CAP_NUMBER
from sessions.services.proofs import phone_confirm
from tests.factories import EnrollmentFactory, MemberFactory
from tests.pages.helpers import make_group

pytestmark = pytest.mark.django_db

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
VALID = {"display_name": "Ana", "phone": "(217) 555-0142", "reminders": ["sms"], "note": "first time", "consent": "on"}


def test_join_form_has_labelled_fields_and_plain_consent(client: Client):
    group = make_group(name="Hope Circle")
    html = client.get(f"/groups/{group.slug}/join/").content.decode()
    for field in ("display_name", "phone", "email", "note", "consent"):
        assert f'for="id_{field}"' in html, field
    assert '<legend class="fieldset__legend">How should we remind you before each meeting?' in html
    assert "Only the people who run the group can see them." in html
    assert 'autocomplete="given-name"' in html and 'type="tel"' in html


def test_a_valid_join_records_a_request_and_redirects_to_what_happens_next(client: Client):
    group = make_group()
    response = client.post(f"/groups/{group.slug}/join/", VALID)
    join_request = JoinRequest.objects.get(group=group)
    assert response.status_code == 302
    assert response["Location"] == f"/join-requests/{join_request.token}/"
    assert (join_request.display_name, join_request.phone, join_request.note) == ("Ana", "+12175550142", "first time")
    assert join_request.sms_reminders is True
    page = client.get(response["Location"])
    html = page.content.decode()
    assert "Check your phone" in html and "Reply <strong>YES</strong>" in html
    assert "••••••••••42" in html and "+12175550142" not in html
    assert "If there is a free seat, it is yours." in html
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "same-origin"


def test_approval_group_says_a_leader_says_yes(client: Client):
    group = make_group(enrollment_mode="approval")
    response = client.post(f"/groups/{group.slug}/join/", VALID)
    assert "A group leader looks at your request and says yes." in client.get(response["Location"]).content.decode()


def test_errors_are_next_to_their_field_and_in_the_summary(client: Client):
    group = make_group()
    response = client.post(f"/groups/{group.slug}/join/", {"display_name": "", "reminders": ["email"]})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<title>Error: Join" in html
    assert '<a href="#id_display_name">Enter your first name.</a>' in html
    assert '<a href="#id_phone">Give a phone number or an email address so the group can reach you.</a>' in html
    assert '<a href="#id_email">To get emails, give an email address.</a>' in html
    assert '<a href="#id_consent">Tick the box to say you agree, or you cannot join.</a>' in html
    assert (
        'id="id_display_name-error"' in html and 'aria-describedby="id_display_name-hint id_display_name-error"' in html
    )
    assert not JoinRequest.objects.exists()


def test_a_bad_phone_comes_back_on_the_phone_field(client: Client):
    group = make_group()
    response = client.post(f"/groups/{group.slug}/join/", {**VALID, "phone": "12"})
    assert response.status_code == 400
    assert '<a href="#id_phone">Enter a phone number we can text, like (217) 555-0134.</a>' in response.content.decode()
    assert not JoinRequest.objects.exists()


def test_the_daily_cap_is_a_429_with_the_reason(client: Client, settings):
    settings.SEND_CAP_PER_DESTINATION = 0
    group = make_group()
    response = client.post(f"/groups/{group.slug}/join/", VALID)
    assert response.status_code == 429
    assert JOIN_CAP_NUMBER in response.content.decode()
    assert not JoinRequest.objects.exists()


@pytest.mark.parametrize(
    ("phone", "spanish"),
    [
        # A toll-free number cannot receive texts.
        ("(800) 555-0100", "Este número no puede recibir textos de Lantern. Dé un número de celular"),
        # A French mobile where this deployment texts only the US: the list is filled into the translation.
        ("+33 6 12 34 56 78", "Lantern solo envía textos a números de US. Dé un número de uno de esos países."),
    ],
)
def test_a_phone_the_service_refuses_is_explained_in_spanish_on_a_spanish_page(
    client: Client, settings, phone, spanish
):
    settings.SMS_ALLOWED_COUNTRIES = ["US"]
    group = make_group()
    response = client.post(f"/groups/{group.slug}/join/", {**VALID, "phone": phone}, HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert response.status_code == 400
    assert f'<a href="#id_phone">{spanish}' in html
    assert "Lantern sends texts only" not in html and "cannot receive text messages" not in html
    assert not JoinRequest.objects.exists()


def test_the_daily_cap_is_explained_in_spanish_on_a_spanish_page(client: Client, settings):
    settings.SEND_CAP_PER_DESTINATION = 0
    group = make_group()
    response = client.post(f"/groups/{group.slug}/join/", VALID, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 429
    assert "Ya enviamos varios textos de confirmación a este número hoy." in response.content.decode()
    assert JOIN_CAP_NUMBER not in response.content.decode()


def test_a_known_members_number_gets_the_same_answer_and_changes_nothing(client: Client):
    group = make_group()
    owner = MemberFactory(organization=group.organization, phone="+12175550142", display_name="Owner")
    EnrollmentFactory(member=owner, group=group)
    response = client.post(f"/groups/{group.slug}/join/", {**VALID, "display_name": "Mallory"})
    html = client.get(response["Location"]).content.decode()
    assert "Check your phone" in html
    for secret in ("Owner", owner.token, "You have a place"):
        assert secret not in html
    owner.refresh_from_db()
    assert owner.display_name == "Owner"


def test_the_request_page_never_says_whether_it_was_confirmed(client: Client):
    group = make_group()
    response = client.post(f"/groups/{group.slug}/join/", VALID)
    before = client.get(response["Location"]).content.decode()
    phone_confirm(member=Member.objects.get(phone="+12175550142"))
    assert Enrollment.objects.filter(group=group, status="active").exists()
    after = client.get(response["Location"]).content.decode()
    assert CSRF.sub("", before) == CSRF.sub("", after)


def test_cancel_from_the_request_page(client: Client):
    group = make_group()
    response = client.post(f"/groups/{group.slug}/join/", VALID)
    token = JoinRequest.objects.get().token
    assert client.get(f"/join-requests/{token}/cancel/").status_code == 405
    cancelled = client.post(f"/join-requests/{token}/cancel/")
    assert cancelled.status_code == 302 and cancelled["Location"] == response["Location"]
    assert "Request cancelled" in client.get(response["Location"]).content.decode()
    assert ContactProof.objects.get().cancelled_at is not None


def test_unknown_request_handle_is_404(client: Client):
    assert client.get("/join-requests/nope/").status_code == 404


def _email_join(client: Client, group) -> ContactProof:
    client.post(
        f"/groups/{group.slug}/join/",
        {"display_name": "Ruth", "email": "ruth@example.org", "reminders": ["email"], "consent": "on"},
    )
    return ContactProof.objects.get(channel="email")


def test_opening_the_emailed_link_changes_nothing_and_offers_one_button(client: Client):
    group = make_group(name="Hope Circle")
    proof = _email_join(client, group)
    page = client.get(f"/email-confirmations/{proof.secret}/")
    html = page.content.decode()
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    assert "Press the button to confirm r•••@e••• and your request to join Hope Circle." in html
    assert f'<form method="post" action="/email-confirmations/{proof.secret}/">' in html
    proof.refresh_from_db()
    assert proof.proven_at is None and not Enrollment.objects.exists()


def test_pressing_confirm_enrols_and_links_to_the_members_page(client: Client):
    group = make_group(name="Hope Circle")
    proof = _email_join(client, group)
    response = client.post(f"/email-confirmations/{proof.secret}/")
    html = response.content.decode()
    member = Member.objects.get(email="ruth@example.org")
    assert response.status_code == 200
    assert "You have a place in Hope Circle." in html
    assert f'href="https://lantern.test/me/{member.token}/"' in html
    assert Enrollment.objects.get(member=member).status == "active"
    assert member.email_verified_at is not None and member.email_reminders


def test_confirming_in_spanish_makes_spanish_the_members_language(client: Client):
    group = make_group()
    proof = _email_join(client, group)
    html = client.post(f"/email-confirmations/{proof.secret}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Está confirmado" in html
    assert Member.objects.get(email="ruth@example.org").language == "es"


def test_a_full_group_puts_the_confirmed_joiner_on_the_waitlist(client: Client):
    group = make_group(capacity=1)
    EnrollmentFactory(group=group)
    proof = _email_join(client, group)
    html = client.post(f"/email-confirmations/{proof.secret}/").content.decode()
    assert "You are number 1 on the waitlist." in html


def test_an_expired_link_is_410_and_changes_nothing(client: Client):
    group = make_group()
    proof = _email_join(client, group)
    ContactProof.objects.filter(pk=proof.pk).update(
        requested_at=timezone.now() - dt.timedelta(days=3), expires_at=timezone.now() - dt.timedelta(days=1)
    )
    assert "This link has expired" in client.get(f"/email-confirmations/{proof.secret}/").content.decode()
    response = client.post(f"/email-confirmations/{proof.secret}/")
    assert response.status_code == 410 and not Enrollment.objects.exists()


def test_join_page_shares_the_apis_throttle(client: Client, monkeypatch):
    from django.core.cache import cache
    from rest_framework.test import APIClient
    from rest_framework.throttling import ScopedRateThrottle

    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"join": "1/hour"})
    cache.clear()
    group = make_group()
    api = APIClient().post(f"/api/groups/{group.slug}/join/", {"display_name": "A", "phone": "2175550144"})
    assert api.status_code == 202
    second = client.post(f"/groups/{group.slug}/join/", {**VALID, "phone": "(217) 555-0143"})
    assert second.status_code == 429
    assert "Too many tries from this connection." in second.content.decode()
