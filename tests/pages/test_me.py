"""A member's own pages: groups, RSVP, reminders, contacts, calendar, leave, new link, erase."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import Client

from sessions.log_redaction import redact_tokens
from sessions.models import Attendance, ContactProof, Enrollment, Member
from tests.factories import EnrollmentFactory, MemberFactory
from tests.pages.helpers import make_group

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    return MemberFactory(display_name="Ana", phone="+12175550142", timezone="America/New_York")


def home(client: Client, member: Member) -> str:
    response = client.get(f"/me/{member.token}/")
    assert response.status_code == 200
    return response.content.decode()


def test_my_page_lists_my_groups_with_the_next_meeting_in_my_time_zone(client: Client, member):
    start = dt.datetime(2030, 1, 8, 1, 0, tzinfo=dt.UTC)  # 7 PM in Chicago, 8 PM in New York
    group = make_group(name="Hope Circle", organization=member.organization, start=start)
    EnrollmentFactory(member=member, group=group)
    html = home(client, member)
    assert "Hello, Ana" in html and "Hope Circle" in html and "You have a place" in html
    assert "Mon Jan 7, 8:00 PM EST" in html
    assert "Times are in your time zone (America/New_York)." in html


def test_my_page_is_private_no_store_and_same_origin_referrer(client: Client, member):
    response = client.get(f"/me/{member.token}/")
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("token", ["not-a-token", "x" * 65])
def test_unknown_token_is_404(client: Client, token):
    assert client.get(f"/me/{token}/").status_code == 404


def test_an_unproven_members_token_is_404(client: Client):
    member = MemberFactory(phone_verified_at=None)
    assert client.get(f"/me/{member.token}/").status_code == 404


def test_rsvp_yes_then_no_is_one_row(client: Client, member):
    group = make_group(organization=member.organization)
    enrollment = EnrollmentFactory(member=member, group=group)
    session = group.sessions.order_by("starts_at").first()
    response = client.post(f"/me/{member.token}/rsvp/", {"session": session.pk, "rsvp": "yes"})
    assert response.status_code == 302 and response["Location"] == f"/me/{member.token}/#groups"
    assert "The group leader knows you plan to come." in home(client, member)
    client.post(f"/me/{member.token}/rsvp/", {"session": session.pk, "rsvp": "no"})
    assert Attendance.objects.get(enrollment=enrollment).rsvp == "no"
    assert 'value="no" class="button" aria-describedby' in home(client, member)


def test_rsvp_for_another_groups_session_is_404(client: Client, member):
    other = make_group()
    session = other.sessions.first()
    assert client.post(f"/me/{member.token}/rsvp/", {"session": session.pk, "rsvp": "yes"}).status_code == 404
    assert not Attendance.objects.exists()


def test_a_get_never_changes_anything(client: Client, member):
    group = make_group(organization=member.organization)
    EnrollmentFactory(member=member, group=group)
    token = member.token
    for url in ("rsvp/", "reminders/", "contact/", "rotate/", "confirm-email/"):
        assert client.get(f"/me/{token}/{url}").status_code == 405, url
    assert client.get(f"/me/{token}/groups/{group.slug}/leave/").status_code == 200
    assert client.get(f"/me/{token}/erase/").status_code == 200
    member.refresh_from_db()
    assert member.token == token and member.erased_at is None
    assert Enrollment.objects.get(member=member).status == "active"


def test_reminder_choices_and_language_are_saved(client: Client, member):
    html = home(client, member)
    assert 'value="en" id="id_language_0" checked><label for="id_language_0" lang="en">English</label>' in html
    response = client.post(f"/me/{member.token}/reminders/", {"reminders": [], "language": "es"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.sms_reminders is False and member.language == "es"


def test_an_unknown_language_is_refused_on_the_field(client: Client, member):
    response = client.post(f"/me/{member.token}/reminders/", {"reminders": ["sms"], "language": "xx"})
    assert response.status_code == 400 and 'href="#id_language_0"' in response.content.decode()
    member.refresh_from_db()
    assert member.language == "en"


def test_email_reminders_without_an_address_is_an_error_on_the_field(client: Client, member):
    response = client.post(f"/me/{member.token}/reminders/", {"reminders": ["email"], "language": "en"})
    assert response.status_code == 400
    assert '<a href="#id_reminders_0">To get emails, give an email address.</a>' in response.content.decode()


def test_a_new_phone_must_be_proved_again_and_the_link_waits_for_it(client: Client, member):
    Member.objects.filter(pk=member.pk).update(sms_reminders=True, sms_consent="confirmed")
    response = client.post(f"/me/{member.token}/contact/", {"phone": "(217) 555-0199", "email": ""})
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.phone == "+12175550199" and member.phone_verified_at is None
    assert ContactProof.objects.filter(member=member, channel="sms", destination="+12175550199").exists()
    html = response.content.decode()
    assert "We texted your new number. Reply YES to that text to confirm it." in html
    assert "Until you do, the link to your page does not work." in html
    assert client.get(f"/me/{member.token}/").status_code == 404


def test_a_second_contact_is_saved_unconfirmed_and_the_page_says_so(client: Client, member):
    client.post(f"/me/{member.token}/contact/", {"phone": "(217) 555-0142", "email": "ana@example.org"})
    member.refresh_from_db()
    assert member.email == "ana@example.org" and member.email_verified_at is None
    html = home(client, member)
    assert "Your contact details are saved." in html
    assert "We emailed your new address. Open the link in it and press Confirm." in html
    assert "Your email address is not confirmed yet." in html


def test_saving_the_same_contacts_says_nothing_changed_and_sends_nothing(client: Client, member):
    proofs = ContactProof.objects.count()
    client.post(f"/me/{member.token}/contact/", {"phone": "(217) 555-0142", "email": ""})
    html = home(client, member)
    assert "Nothing changed." in html
    assert "Your contact details are saved." not in html and "We texted your new number" not in html
    assert ContactProof.objects.count() == proofs


def test_a_new_number_past_the_daily_cap_is_refused_in_the_pages_language(client: Client, member, settings):
    settings.SEND_CAP_PER_DESTINATION = 0
    Member.objects.filter(pk=member.pk).update(sms_reminders=True, sms_consent="confirmed")
    response = client.post(
        f"/me/{member.token}/contact/", {"phone": "(217) 555-0199", "email": ""}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 429
    assert "Ya enviamos varios mensajes a este teléfono o correo hoy. Intente mañana." in response.content.decode()
    member.refresh_from_db()
    assert member.phone == "+12175550142" and not ContactProof.objects.filter(member=member).exists()


def test_a_new_number_counts_against_the_callers_daily_cap_too(client: Client, member, settings):
    settings.SEND_CAP_PER_CLIENT = 0
    Member.objects.filter(pk=member.pk).update(sms_reminders=True, sms_consent="confirmed")
    response = client.post(f"/me/{member.token}/contact/", {"phone": "(217) 555-0199", "email": ""})
    assert response.status_code == 429
    member.refresh_from_db()
    assert member.phone == "+12175550142" and not ContactProof.objects.filter(member=member).exists()


def test_switching_texts_on_past_the_daily_cap_is_refused_and_saves_nothing(client: Client, member, settings):
    settings.SEND_CAP_PER_DESTINATION = 0
    Member.objects.filter(pk=member.pk).update(sms_reminders=False, sms_consent="none", email_reminders=False)
    response = client.post(f"/me/{member.token}/reminders/", {"reminders": ["sms"], "language": "en"})
    assert response.status_code == 429
    member.refresh_from_db()
    assert not member.sms_reminders and not ContactProof.objects.filter(member=member).exists()


def test_a_number_lantern_cannot_text_is_refused_in_spanish(client: Client, member):
    response = client.post(
        f"/me/{member.token}/contact/", {"phone": "(800) 555-0100", "email": ""}, HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 400
    assert "Este número no puede recibir textos de Lantern." in response.content.decode()


def test_removing_both_contacts_is_refused_on_the_form(client: Client, member):
    response = client.post(f"/me/{member.token}/contact/", {"phone": "", "email": ""})
    assert response.status_code == 400
    assert "Keep a phone number or an email address so we can reach you" in response.content.decode()
    member.refresh_from_db()
    assert member.phone == "+12175550142"


def test_leave_asks_first_then_leaves(client: Client, member):
    group = make_group(name="Hope Circle", organization=member.organization)
    EnrollmentFactory(member=member, group=group)
    page = client.get(f"/me/{member.token}/groups/{group.slug}/leave/").content.decode()
    assert "Leave Hope Circle?" in page and "Yes, leave this group" in page
    response = client.post(f"/me/{member.token}/groups/{group.slug}/leave/")
    assert response.status_code == 302
    assert Enrollment.objects.get(member=member).status == "left"
    assert "You left Hope Circle." in home(client, member)


def test_calendar_links_are_the_private_feed(client: Client, member):
    html = home(client, member)
    assert f'href="webcal://lantern.test/api/me/{member.token}/calendar.ics"' in html
    assert f'href="/api/me/{member.token}/calendar.ics" download' in html


def test_a_new_link_kills_the_old_one(client: Client, member):
    old = member.token
    response = client.post(f"/me/{old}/rotate/")
    member.refresh_from_db()
    assert member.token != old and response["Location"] == f"/me/{member.token}/"
    assert "This is your new link. The old one no longer works." in home(client, member)
    assert client.get(f"/me/{old}/").status_code == 404


def test_erase_needs_the_box_ticked_then_erases(client: Client, member):
    group = make_group(organization=member.organization)
    EnrollmentFactory(member=member, group=group)
    refused = client.post(f"/me/{member.token}/erase/", {})
    assert refused.status_code == 400
    assert '<a href="#id_confirm">Tick the box to confirm, or go back to your page.</a>' in refused.content.decode()
    assert Member.objects.get(pk=member.pk).erased_at is None
    response = client.post(f"/me/{member.token}/erase/", {"confirm": "on"})
    assert response.status_code == 302 and response["Location"] == "/erased/"
    erased = Member.objects.get(pk=member.pk)
    assert erased.erased_at is not None and erased.phone is None
    assert Enrollment.objects.get(member=member).status == "left"
    assert client.get(f"/me/{member.token}/").status_code == 404
    assert "Your details are deleted" in client.get("/erased/").content.decode()


def test_meeting_link_only_for_active_members(client: Client, member):
    active_group = make_group(
        format="online", organization=member.organization, conference_url="https://meet.example/a"
    )
    waiting_group = make_group(
        format="online", organization=member.organization, conference_url="https://meet.example/w"
    )
    EnrollmentFactory(member=member, group=active_group)
    EnrollmentFactory(member=member, group=waiting_group, status="waitlisted", waitlist_position=1)
    html = home(client, member)
    assert "https://meet.example/a" in html and "https://meet.example/w" not in html


def test_my_page_costs_the_same_queries_for_1_or_4_groups(client: Client, member, django_assert_max_num_queries):
    EnrollmentFactory(member=member, group=make_group(organization=member.organization))
    with django_assert_max_num_queries(12) as one:
        client.get(f"/me/{member.token}/")
    for _ in range(3):
        EnrollmentFactory(member=member, group=make_group(organization=member.organization))
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(f"/me/{member.token}/")


def test_page_paths_with_secrets_are_redacted_in_logs(caplog):
    for path in ("/me/abc123/", "/join-requests/abc123/", "/email-confirmations/abc123/", "/api/me/abc123/"):
        assert "abc123" not in redact_tokens(f"Not Found: {path}")
    logging.getLogger("django.request").warning("Not Found: %s", "/me/secret-token/rsvp/")
    assert "secret-token" not in caplog.text
