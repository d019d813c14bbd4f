from __future__ import annotations

import pytest

from notifications.models import OutboxMessage, Status
from sessions.models import Member
from tests.fake_twilio import AUTH_TOKEN
from tests.notifications.helpers import sent_row, texting_member
from tests.notifications.twilio_webhooks import STATUS_PATH, signed_post, status

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _token(settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN


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
