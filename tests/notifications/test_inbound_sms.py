from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation

from notifications.models import Channel, InboundMessage, Kind, OutboxMessage, Status
from notifications.transports import ConsoleSms
from sessions.models import Attendance, JoinRequest, Member
from tests.factories import EnrollmentFactory, SessionFactory, SupportGroupFactory
from tests.fake_twilio import AUTH_TOKEN
from tests.notifications.helpers import session_with_member, texting_member
from tests.notifications.twilio_webhooks import SMS_PATH, inbound, reply_text, signed_post

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


@pytest.mark.parametrize("signature", [None, "", "bad-signature"])
def test_bad_or_missing_signature_is_refused_and_changes_nothing(client, signature):
    member = texting_member()
    data = {"MessageSid": "SM1", "From": member.phone, "Body": "STOP"}
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    response = client.post(SMS_PATH, data, **headers)
    assert response.status_code == 403
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.CONFIRMED
    assert not InboundMessage.objects.exists()


def test_signature_with_another_token_is_refused(client):
    member = texting_member()
    response = inbound(client, member, "STOP", token="not-the-token")
    assert response.status_code == 403


def test_signature_is_checked_against_the_public_url(client, settings):
    # Behind a TLS proxy Django sees http://testserver; Twilio signed the https public URL.
    member = texting_member()
    settings.PUBLIC_BASE_URL = "https://lantern.example.org"
    assert inbound(client, member, "HELP").status_code == 200


@pytest.mark.parametrize(
    "word",
    [
        *("STOP", "stop", " Stop ", "stop all", "UNSUBSCRIBE", "cancel", "End", "QUIT", "revoke", "OptOut", "STOPALL"),
        *("ALTO", "alto", "Parar."),
    ],
)
def test_opt_out_keywords(client, word):
    session, member, _ = session_with_member(starts_at=timezone.now() + dt.timedelta(hours=20))
    OutboxMessage.objects.create(
        member=member,
        channel=Channel.SMS,
        kind=Kind.REMINDER,
        session=session,
        dedupe_key="k",
        due_at=timezone.now(),
        next_attempt_at=timezone.now(),
    )
    response = inbound(client, member, word)
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.OPTED_OUT
    assert member.sms_consent_source == Member.ConsentSource.SMS_KEYWORD
    assert OutboxMessage.objects.get().status == Status.SKIPPED


@pytest.mark.parametrize("word", ["START", "unstop", "yes"])
def test_opt_in_keywords(client, word):
    member = texting_member(sms_consent=Member.SmsConsent.OPTED_OUT)
    response = inbound(client, member, word)
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.CONFIRMED
    assert "STOP" in reply_text(response)


def test_yes_confirms_pending_consent_and_turns_reminders_on(client):
    member = texting_member(sms_consent=Member.SmsConsent.PENDING, sms_reminders=False)
    enrollment = EnrollmentFactory(member=member)
    response = inbound(client, member, "Yes")
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.CONFIRMED and member.sms_reminders
    assert enrollment.group.sms_label in reply_text(response)


@pytest.mark.parametrize("word", ["Sí", "si", "SI!", "¡Sí!"])
def test_spanish_yes_confirms_like_yes(client, word):
    member = texting_member(sms_consent=Member.SmsConsent.PENDING, sms_reminders=False)
    enrollment = EnrollmentFactory(member=member)
    response = inbound(client, member, word)
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.CONFIRMED and member.sms_reminders
    assert enrollment.group.sms_label in reply_text(response)


def test_a_sentence_starting_with_si_is_a_message_not_a_yes(client):
    member = texting_member(sms_consent=Member.SmsConsent.PENDING, sms_reminders=False)
    EnrollmentFactory(member=member)
    inbound(client, member, "si puedo")
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.PENDING


def test_help_gives_contact_and_988_for_us_numbers(client):
    member = texting_member()
    enrollment = EnrollmentFactory(member=member)
    text = reply_text(inbound(client, member, "help"))
    assert enrollment.group.organization.contact_phone in text
    assert "988" in text


def test_help_from_a_uk_number_has_no_988(client):
    member = texting_member(phone="+447700900123", timezone="Europe/London")
    EnrollmentFactory(member=member)
    text = reply_text(inbound(client, member, "INFO"))
    assert text and "988" not in text


@pytest.mark.parametrize(("body", "rsvp"), [("1", Attendance.Rsvp.YES), (" 2 ", Attendance.Rsvp.NO)])
def test_digits_rsvp_for_the_next_session(client, body, rsvp):
    member = texting_member()
    session, member, enrollment = session_with_member(starts_at=timezone.now() + dt.timedelta(hours=5), member=member)
    SessionFactory(series=session.series, starts_at=timezone.now() + dt.timedelta(days=7))
    text = reply_text(inbound(client, member, body))
    assert Attendance.objects.get(enrollment=enrollment).session == session
    assert Attendance.objects.get(enrollment=enrollment).rsvp == rsvp
    assert session.group.sms_label in text


def test_rsvp_without_an_upcoming_session_says_so(client):
    member = texting_member()
    EnrollmentFactory(member=member)
    assert "could not find" in reply_text(inbound(client, member, "1"))


def test_other_texts_are_stored_for_the_group_facilitators(client):
    member = texting_member()
    enrollment = EnrollmentFactory(member=member)
    response = inbound(client, member, "Running 10 minutes late, sorry")
    message = InboundMessage.objects.get()
    assert message.kind == InboundMessage.Kind.MESSAGE and message.group == enrollment.group
    assert message.member == member
    assert "facilitator" in reply_text(response)


def test_a_retried_inbound_webhook_is_handled_once(client):
    member = texting_member()
    session, member, enrollment = session_with_member(starts_at=timezone.now() + dt.timedelta(hours=5), member=member)
    data = {"MessageSid": "SMretried", "From": member.phone, "To": "+12175550000", "Body": "hello"}
    first = signed_post(client, SMS_PATH, data)
    second = signed_post(client, SMS_PATH, data)
    assert first.content == second.content
    assert InboundMessage.objects.count() == 1


# --- the language of a join made on a page ----------------------------------------------------

JOIN_FORM = {"display_name": "Ana", "phone": "(217) 555-0142", "reminders": ["sms"], "consent": "on"}


def join_on_page(client, group, language: str):
    response = client.post(f"/groups/{group.slug}/join/", JOIN_FORM, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 302
    return JoinRequest.objects.get(group=group, phone="+12175550142")


def test_a_join_on_a_spanish_page_is_confirmed_and_kept_in_spanish(client, run_dispatch, now):
    group = SupportGroupFactory(sms_label="Martes")
    join_request = join_on_page(client, group, "es")
    assert join_request.language == "es"
    run_dispatch(now)
    assert ConsoleSms.sent[-1].body.startswith("Lantern: responde YES para unirte a Martes")
    reply = reply_text(inbound(client, "+12175550142", "SÍ"))
    member = Member.objects.get(phone="+12175550142")
    assert member.language == "es" and member.phone_verified_at is not None
    assert reply.startswith("¡Gracias! Tu plaza en Martes esta confirmada.")
    assert translation.get_language() in ("en", "en-us")


def test_a_join_on_an_english_page_stays_english(client, run_dispatch, now):
    group = SupportGroupFactory(sms_label="Tuesday")
    join_request = join_on_page(client, group, "en")
    assert join_request.language == "en"
    run_dispatch(now)
    assert ConsoleSms.sent[-1].body.startswith("Lantern: reply YES to join Tuesday")
    reply = reply_text(inbound(client, "+12175550142", "YES"))
    assert Member.objects.get(phone="+12175550142").language == "en"
    assert reply.startswith("Thanks! You're confirmed for Tuesday.")


def test_a_proven_member_joining_on_a_spanish_page_keeps_the_language_they_chose(client, run_dispatch, now):
    member = texting_member(phone="+12175550142", phone_verified_at=now - dt.timedelta(days=3), language="en")
    group = SupportGroupFactory(sms_label="Martes", organization=member.organization)
    join_on_page(client, group, "es")
    run_dispatch(now)
    assert ConsoleSms.sent[-1].body.startswith("Lantern: reply YES to join Martes")
    reply = reply_text(inbound(client, member, "YES"))
    member.refresh_from_db()
    assert member.language == "en"
    assert reply.startswith("Thanks! You're confirmed for Martes.")


def test_yes_gives_the_record_it_proves_first_the_language_of_the_join_it_answers(client, run_dispatch, now):
    group = SupportGroupFactory(sms_label="Martes")
    join_on_page(client, group, "es")
    # Nothing on the record is proven yet, so another join may have changed its language since.
    Member.objects.filter(phone="+12175550142").update(language="en")
    run_dispatch(now)
    reply = reply_text(inbound(client, "+12175550142", "YES"))
    assert Member.objects.get(phone="+12175550142").language == "es"
    assert reply.startswith("¡Gracias! Tu plaza en Martes esta confirmada.")
