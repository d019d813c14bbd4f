"""A row never stays in flight: whatever goes wrong while building or sending a
message, the row ends `failed` with its reason, and the rest of a batch goes on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from notifications import dispatch, texts
from notifications.models import Channel, Kind, OutboxMessage, Status
from notifications.transports import ConsoleSms, header_safe
from tests.notifications.helpers import emailing_member, session_with_member

pytestmark = pytest.mark.django_db


def email_reminder(member) -> OutboxMessage:
    return OutboxMessage.objects.get(member=member, kind=Kind.REMINDER, channel=Channel.EMAIL, offset_minutes=120)


def sms_reminder(member) -> OutboxMessage:
    return OutboxMessage.objects.get(member=member, kind=Kind.REMINDER, channel=Channel.SMS, offset_minutes=120)


def test_a_newline_in_the_label_never_reaches_an_email_header(run_dispatch, now):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2), member=emailing_member())
    session.group.sms_label = "Tuesday\nBcc: everyone@example.org"
    session.group.save(update_fields=["sms_label"])
    assert run_dispatch(now) == ["sent"]
    [message] = mail.outbox
    assert message.subject.startswith("Reminder: Tuesday Bcc: everyone@example.org, ")
    raw = message.message().as_string()
    assert "\nBcc:" not in raw
    assert email_reminder(member).status == Status.SENT


def test_header_safe_puts_control_characters_on_one_line():
    assert header_safe("a\r\nb\tc\x00d  e") == "a b c d e"


def test_a_message_that_cannot_be_built_fails_with_its_reason(run_dispatch, now, monkeypatch):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2), member=emailing_member())

    def broken(**kwargs):
        raise ValueError("Content line can not contain unescaped new line characters.")

    monkeypatch.setattr(texts, "email_reminder", broken)
    assert run_dispatch(now) == ["failed"]
    row = email_reminder(member)
    assert row.status == Status.FAILED
    assert row.error_code == dispatch.ERROR_RENDER
    assert "unescaped new line" in row.error_message
    # Nothing left to claim or reconcile: the row is finished.
    assert run_dispatch(now + dt.timedelta(minutes=10)) == []
    assert email_reminder(member).status == Status.FAILED


def test_an_unexpected_send_error_fails_the_row_and_the_batch_goes_on(
    settings, monkeypatch, now, django_capture_on_commit_callbacks
):
    settings.NOTIFICATIONS_SEND_BATCH = 10
    first = session_with_member(starts_at=now + dt.timedelta(hours=2))[1]
    second = session_with_member(starts_at=now + dt.timedelta(hours=2))[1]
    real_send = ConsoleSms.send

    def send(self, message):
        if message.to == first.phone:
            raise ValueError("Header values can't contain newlines")
        return real_send(self, message)

    monkeypatch.setattr(ConsoleSms, "send", send)
    queued = []
    monkeypatch.setattr(dispatch, "enqueue", queued.extend)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.dispatch_notifications(now=now)
    outcomes = dispatch.deliver_batch(claims=queued, now=now, sleep=lambda s: None)
    assert sorted(outcomes) == ["failed", "sent"]
    failed, sent = sms_reminder(first), sms_reminder(second)
    assert failed.status == Status.FAILED and failed.error_code == dispatch.ERROR_SEND
    assert "ValueError" in failed.error_message and "newlines" in failed.error_message
    assert sent.status == Status.SENT and sent.provider_message_id.startswith("console-")
    assert not OutboxMessage.objects.filter(status=Status.SENDING).exists()


def test_an_unexpected_error_message_keeps_no_contact_data(run_dispatch, now, monkeypatch):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))

    def send(self, message):
        raise RuntimeError(f"could not text {message.to}")

    monkeypatch.setattr(ConsoleSms, "send", send)
    assert run_dispatch(now) == ["failed"]
    row = sms_reminder(member)
    assert row.status == Status.FAILED
    assert member.phone not in row.error_message and "[phone]" in row.error_message
