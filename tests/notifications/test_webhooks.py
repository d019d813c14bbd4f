from __future__ import annotations

import datetime as dt
from xml.etree import ElementTree

import pytest
from django.utils import timezone
from twilio.request_validator import RequestValidator

from notifications.models import Channel, InboundMessage, Kind, OutboxMessage, Status
from sessions.models import Attendance, Member
from tests.factories import EnrollmentFactory, SessionFactory
from tests.fake_twilio import AUTH_TOKEN
from tests.notifications.helpers import session_with_member, texting_member

pytestmark = pytest.mark.django_db

SMS_PATH = "/webhooks/twilio/sms/"
STATUS_PATH = "/webhooks/twilio/status/"


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


def signed_post(client, path: str, data: dict, *, token: str = AUTH_TOKEN, query: str = "", signature=None):
    from django.conf import settings

    url = settings.PUBLIC_BASE_URL + path + (f"?{query}" if query else "")
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, data)
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature else {}
    return client.post(path + (f"?{query}" if query else ""), data, **headers)


_sid = iter(range(10**6))


def inbound(client, member_or_phone, body: str, **kwargs):
    phone = member_or_phone if isinstance(member_or_phone, str) else member_or_phone.phone
    data = {"MessageSid": f"SM{next(_sid):032d}", "From": phone, "To": "+12175550000", "Body": body}
    return signed_post(client, SMS_PATH, data, **kwargs)


def reply_text(response) -> str:
    root = ElementTree.fromstring(response.content)
    return " ".join(m.text or "" for m in root.iter("Message"))


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


# --- status callbacks -----------------------------------------------------------------------


def sent_row(member=None, **kwargs) -> OutboxMessage:
    member = member or texting_member()
    now = timezone.now()
    defaults = {
        "member": member,
        "channel": Channel.SMS,
        "kind": Kind.SMS_CONFIRM,
        "dedupe_key": "c",
        "status": Status.SENT,
        "provider_message_id": "SMabc",
        "due_at": now,
        "next_attempt_at": now,
        "send_started_at": now,
        "attempts": 1,
        "to": member.phone,
    }
    return OutboxMessage.objects.create(**{**defaults, **kwargs})


def status(client, sid: str, value: str, code: str = "", query: str = ""):
    data = {"MessageSid": sid, "MessageStatus": value}
    if code:
        data["ErrorCode"] = code
    return signed_post(client, STATUS_PATH, data, query=query)


def test_status_moves_forward_only_and_duplicates_change_nothing(client):
    row = sent_row()
    assert status(client, "SMabc", "delivered").status_code == 200
    row.refresh_from_db()
    assert row.status == Status.DELIVERED
    delivered_at = row.delivered_at
    status(client, "SMabc", "sent")  # late
    status(client, "SMabc", "delivered")  # duplicate
    status(client, "SMabc", "undelivered", "30003")
    row.refresh_from_db()
    assert row.status == Status.DELIVERED and row.delivered_at == delivered_at


def test_unknown_message_sid_gets_200(client):
    assert status(client, "SMunknown", "delivered").status_code == 200


def test_status_callback_with_bad_signature_changes_nothing(client):
    row = sent_row()
    response = signed_post(client, STATUS_PATH, {"MessageSid": "SMabc", "MessageStatus": "delivered"}, signature="x")
    assert response.status_code == 403
    row.refresh_from_db()
    assert row.status == Status.SENT


def test_30003_is_retried_once_then_fails(client):
    row = sent_row()
    status(client, "SMabc", "undelivered", "30003")
    row.refresh_from_db()
    assert row.status == Status.SCHEDULED and row.carrier_retries == 1 and row.provider_message_id == ""
    status(client, "SMabc", "undelivered", "30003")  # duplicate of the old message: ignored
    row.refresh_from_db()
    assert row.status == Status.SCHEDULED
    OutboxMessage.objects.filter(pk=row.pk).update(status=Status.SENT, provider_message_id="SMdef")
    status(client, "SMdef", "undelivered", "30003")
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.error_code == "30003"


@pytest.mark.parametrize("code", ["30005", "30006"])
def test_undeliverable_codes_mark_the_phone(client, code):
    row = sent_row()
    status(client, "SMabc", "undelivered", code)
    row.member.refresh_from_db()
    assert row.member.phone_undeliverable and row.member.phone_error_code == code


def test_21610_by_callback_opts_the_member_out(client):
    row = sent_row()
    status(client, "SMabc", "failed", "21610")
    row.member.refresh_from_db()
    assert row.member.sms_consent == Member.SmsConsent.OPTED_OUT


def test_callback_that_beats_our_sent_write_finds_the_row_by_its_url(client):
    row = sent_row(status=Status.SENDING, provider_message_id="")
    status(client, "SMearly", "sent", query=f"outbox={row.pk}&attempt=1")
    row.refresh_from_db()
    assert row.status == Status.SENT and row.provider_message_id == "SMearly"
    other = sent_row(member=texting_member(), status=Status.SENDING, provider_message_id="", dedupe_key="d")
    status(client, "SMold", "sent", query=f"outbox={other.pk}&attempt=7")  # another attempt's callback
    other.refresh_from_db()
    assert other.status == Status.SENDING
