from __future__ import annotations

import datetime as dt
import email
from urllib.parse import parse_qs, urlparse

import pytest
from django.core import mail
from icalendar import Calendar

from notifications import dispatch
from notifications.models import Channel, Kind, OutboxMessage, Status
from notifications.transports import CONSOLE_WORDS, ConsoleSms, Email, OutgoingMessage, mask_recipient
from sessions.models import Member
from tests.notifications.helpers import emailing_member, session_with_member

pytestmark = pytest.mark.django_db


def reminder(member, offset=120, session=None) -> OutboxMessage:
    rows = OutboxMessage.objects.filter(member=member, kind=Kind.REMINDER, offset_minutes=offset, channel=Channel.SMS)
    return rows.get(session=session) if session else rows.get()


def test_due_reminder_is_sent_once_by_console_with_stop_line(run_dispatch, now):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    assert run_dispatch(now) == ["sent"]
    row = reminder(member)
    assert row.status == Status.SENT and row.attempts == 1 and row.provider_message_id.startswith("console-")
    assert [m.to for m in ConsoleSms.sent] == [member.phone]
    assert "Reply STOP to opt out" in ConsoleSms.sent[0].body
    # The 24 h reminder was already a day late when the member could first get it.
    assert reminder(member, 1440).status == Status.SKIPPED
    assert run_dispatch(now) == []
    assert run_dispatch(now + dt.timedelta(minutes=1)) == []
    assert len(ConsoleSms.sent) == 1


def test_only_the_first_text_to_a_number_carries_the_stop_line(run_dispatch, now):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=25))
    run_dispatch(now + dt.timedelta(hours=1))  # the 24 h reminder
    run_dispatch(now + dt.timedelta(hours=23))  # the 2 h reminder
    assert len(ConsoleSms.sent) == 2
    assert "Reply STOP" in ConsoleSms.sent[0].body
    assert "Reply STOP" not in ConsoleSms.sent[1].body


def test_reminder_goes_through_the_twilio_sdk_with_callback_and_validity(
    twilio_settings, fake_twilio, run_dispatch, now
):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    assert run_dispatch(now) == ["sent"]
    [message] = fake_twilio.sent_to(member.phone)
    row = reminder(member)
    assert row.provider_message_id == message["sid"]
    assert message["from"] == twilio_settings.TWILIO_FROM_NUMBER
    assert message["body"] == row.body
    callback = urlparse(message["_status_callback"])
    assert callback.path == "/webhooks/twilio/status/"
    assert parse_qs(callback.query)["outbox"] == [str(row.pk)]
    # ValidityPeriod: gone from Twilio's queue before the session starts.
    assert int(message["_validity_period"]) == 7200


def test_a_second_dispatcher_claims_nothing_already_claimed(run_dispatch, now):
    session_with_member(starts_at=now + dt.timedelta(hours=2))
    first = run_dispatch(now, send=False)
    second = run_dispatch(now, send=False)
    assert len(first) == 1 and second == []


def test_a_task_delivered_twice_sends_once(
    twilio_settings, fake_twilio, monkeypatch, now, django_capture_on_commit_callbacks
):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    queued = []
    monkeypatch.setattr(dispatch, "enqueue", queued.extend)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.dispatch_notifications(now=now)
    [(pk, token)] = queued
    assert dispatch.deliver(outbox_id=pk, claim_token=token, now=now) == "sent"
    assert dispatch.deliver(outbox_id=pk, claim_token=token, now=now) == "duplicate"
    assert len(fake_twilio.sent_to(member.phone)) == 1


def test_claim_is_queued_only_after_commit(monkeypatch, now, django_capture_on_commit_callbacks):
    session_with_member(starts_at=now + dt.timedelta(hours=2))
    queued = []
    monkeypatch.setattr(dispatch, "enqueue", queued.extend)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = dispatch.dispatch_notifications(now=now)
    assert len(result.claimed) == 1 and queued == [] and len(callbacks) == 1
    callbacks[0]()
    assert queued == result.claimed


def test_lost_task_is_reclaimed_after_the_lease_and_the_old_task_does_nothing(
    twilio_settings, fake_twilio, run_dispatch, now
):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    run_dispatch(now, send=False)  # claimed, but the task never runs
    row = reminder(member)
    old_token = row.claim_token
    assert row.status == Status.SENDING
    assert run_dispatch(now + dt.timedelta(minutes=1)) == []  # within the lease: left alone
    assert run_dispatch(now + dispatch.lease() + dt.timedelta(minutes=1)) == ["sent"]
    assert dispatch.deliver(outbox_id=row.pk, claim_token=old_token, now=now) == "duplicate"
    assert len(fake_twilio.sent_to(member.phone)) == 1


def _started_but_unrecorded(row: OutboxMessage, *, body: str, at: dt.datetime) -> None:
    """What a worker killed right after the provider call leaves behind."""
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=Status.SENDING, claim_token="dead", claimed_at=at, send_started_at=at, to=row.member.phone, body=body
    )


def test_killed_worker_after_twilio_accepted_is_reconciled_not_resent(twilio_settings, fake_twilio, run_dispatch, now):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=3))
    run_dispatch(now, send=False)
    row = reminder(member)
    body = "Reminder: Tuesday evening group, test body."
    message = fake_twilio.create({"To": member.phone, "Body": body, "From": "+12175550000"})
    _started_but_unrecorded(row, body=body, at=now)
    run_dispatch(now + dispatch.lease() + dt.timedelta(minutes=1))
    row.refresh_from_db()
    assert row.status == Status.SENT and row.provider_message_id == message["sid"]
    assert len(fake_twilio.sent_to(member.phone)) == 1


def test_killed_worker_before_twilio_got_it_is_sent_once_after_reconciliation(
    twilio_settings, fake_twilio, run_dispatch, now
):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=3))
    run_dispatch(now, send=False)
    row = reminder(member)
    _started_but_unrecorded(row, body="never arrived", at=now)
    later = now + dispatch.lease() + dt.timedelta(minutes=1)
    # Reconciled (Twilio has no such message), so claimed again and sent.
    assert run_dispatch(later) == ["sent"]
    assert len(fake_twilio.sent_to(member.phone)) == 1


def test_email_left_sending_fails_visibly_instead_of_resending(run_dispatch, now):
    member = emailing_member()
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2), member=member)
    run_dispatch(now, send=False)
    row = OutboxMessage.objects.get(member=member, kind=Kind.REMINDER, offset_minutes=120)
    OutboxMessage.objects.filter(pk=row.pk).update(send_started_at=now)
    run_dispatch(now + dispatch.lease() + dt.timedelta(minutes=1))
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.error_code == dispatch.ERROR_OUTCOME_UNKNOWN


def test_timeout_after_twilio_created_the_message_is_not_resent(twilio_settings, fake_twilio, run_dispatch, now):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    fake_twilio.fail_next(delay=1.0)
    assert run_dispatch(now) == ["sent"]
    [message] = fake_twilio.sent_to(member.phone)
    assert reminder(member).provider_message_id == message["sid"]


@pytest.mark.parametrize(("status", "code"), [(429, 20429), (500, None), (503, None)])
def test_transient_errors_retry_with_backoff(twilio_settings, fake_twilio, run_dispatch, now, status, code):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    fake_twilio.fail_next(status=status, code=code)
    assert run_dispatch(now) == ["retry"]
    row = reminder(member)
    assert row.status == Status.SCHEDULED and row.attempts == 1
    assert now + dt.timedelta(seconds=15) <= row.next_attempt_at <= now + dt.timedelta(seconds=45)
    assert run_dispatch(now + dt.timedelta(seconds=10)) == []
    assert run_dispatch(now + dt.timedelta(minutes=1)) == ["sent"]
    assert len(fake_twilio.sent_to(member.phone)) == 1


def test_retries_are_bounded(twilio_settings, fake_twilio, run_dispatch, now):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    fake_twilio.fail_next(10, status=500)
    moment = now
    for _ in range(dispatch.MAX_ATTEMPTS):
        run_dispatch(moment)
        moment += dt.timedelta(minutes=10)
    row = reminder(member)
    assert row.status == Status.FAILED and row.attempts == dispatch.MAX_ATTEMPTS
    assert row.error_message.startswith(dispatch.ERROR_RETRIES_EXHAUSTED)


def test_no_retry_past_the_session_start(twilio_settings, fake_twilio, run_dispatch, now):
    twilio_settings.NOTIFICATIONS_RETRY_BASE_SECONDS = 600  # the next try would be 5-15 min away
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(minutes=3))
    run_dispatch(now - dt.timedelta(minutes=5), send=False)
    # A reminder still waiting 3 minutes before its session (e.g. after an outage).
    row = reminder(member)
    OutboxMessage.objects.filter(pk=row.pk).update(status=Status.SCHEDULED, next_attempt_at=now, error_code="")
    fake_twilio.fail_next(status=429, code=20429)
    assert run_dispatch(now) == ["failed"]
    row.refresh_from_db()
    assert row.status == Status.FAILED and row.error_code == "20429"
    assert row.error_message.startswith(dispatch.ERROR_RETRIES_EXHAUSTED)


def test_21610_marks_the_member_opted_out_and_skips_their_other_texts(twilio_settings, fake_twilio, run_dispatch, now):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    later, *_ = session_with_member(starts_at=now + dt.timedelta(days=1, hours=1), member=member)
    fake_twilio.fail_next(status=400, code=21610)
    assert run_dispatch(now) == ["failed"]
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.OPTED_OUT
    assert member.sms_consent_source == Member.ConsentSource.PROVIDER
    assert reminder(member, session=session).error_code == "21610"
    assert not OutboxMessage.objects.filter(member=member, channel=Channel.SMS, status=Status.SCHEDULED).exists()


@pytest.mark.parametrize("code", [21211, 21614])
def test_invalid_number_is_marked_undeliverable(twilio_settings, fake_twilio, run_dispatch, now, code):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    fake_twilio.fail_next(status=400, code=code)
    assert run_dispatch(now) == ["failed"]
    member.refresh_from_db()
    assert member.phone_undeliverable and member.phone_error_code == str(code)


def test_unknown_error_fails_visibly(twilio_settings, fake_twilio, run_dispatch, now, caplog):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    fake_twilio.fail_next(status=400, code=21408, message="Permission to send an SMS has not been enabled")
    assert run_dispatch(now) == ["failed"]
    row = reminder(member)
    assert row.status == Status.FAILED and row.error_code == "21408"
    assert "Permission" in row.error_message
    assert any("21408" in record.getMessage() for record in caplog.records)


def test_rate_limit_caps_the_texts_claimed_per_run(settings, run_dispatch, now):
    settings.SMS_RATE_PER_SECOND = 0.05  # 3 per minute
    for _ in range(5):
        session_with_member(starts_at=now + dt.timedelta(hours=2))
    assert len(run_dispatch(now, send=False)) == 3


def test_email_reminder_carries_the_session_invite(run_dispatch, now):
    member = emailing_member()
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2), member=member)
    assert "sent" in run_dispatch(now)
    [message] = mail.outbox
    assert message.to == [member.email]
    parsed = email.message_from_bytes(message.message().as_bytes())
    parts = [p for p in parsed.walk() if p.get_content_type() == "text/calendar"]
    assert parts and parts[0].get_param("method") == "REQUEST"
    cal = Calendar.from_ical(parts[0].get_payload(decode=True))
    assert cal["METHOD"] == "REQUEST"


@pytest.mark.any_hour
def test_management_command_runs_the_periodic_job_once(monkeypatch, django_capture_on_commit_callbacks, settings):
    from io import StringIO

    from django.core.management import call_command
    from django.utils import timezone

    settings.SMS_QUIET_HOURS_START = settings.SMS_QUIET_HOURS_END = 0  # real "now": any hour
    session, member, _ = session_with_member(starts_at=timezone.now() + dt.timedelta(minutes=119))
    queued = []
    monkeypatch.setattr(dispatch, "enqueue", queued.extend)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("dispatch_notifications", stdout=out)
    assert "queued" in out.getvalue()
    assert [pk for pk, _ in queued] == [reminder(member).pk]


def test_celery_tasks_are_thin_and_named_for_the_beat_schedule(settings):
    from notifications import tasks

    assert tasks.dispatch_notifications.name == settings.CELERY_BEAT_SCHEDULE["dispatch-notifications"]["task"]
    assert tasks.send_outbox_message.name == "notifications.tasks.send_outbox_message"


def test_a_batch_sends_each_row_once_and_applies_the_policy_per_row(twilio_settings, fake_twilio, run_dispatch, now):
    members = [session_with_member(starts_at=now + dt.timedelta(hours=2))[1] for _ in range(3)]
    run_dispatch(now, send=False)
    claims = list(OutboxMessage.objects.filter(status=Status.SENDING).values_list("id", "claim_token"))
    fake_twilio.fail_next(status=400, code=21211, to=members[1].phone)
    # The same claim twice in one batch is one row: sent once.
    outcomes = dispatch.deliver_batch(claims=claims + claims[:1], now=now)
    assert sorted(outcomes[:3]) == ["failed", "sent", "sent"]
    assert dispatch.deliver_batch(claims=claims, now=now) == ["duplicate"] * 3
    assert sorted(len(fake_twilio.sent_to(m.phone)) for m in members) == [0, 1, 1]


def test_batches_are_used_only_without_a_send_rate(settings):
    settings.SMS_RATE_PER_SECOND = 0
    settings.NOTIFICATIONS_SEND_BATCH = 7
    assert dispatch.send_batch_size() == 7
    settings.SMS_RATE_PER_SECOND = 5
    assert dispatch.send_batch_size() == 1


def test_a_batch_that_runs_past_half_the_lease_gives_back_unsent_rows(
    twilio_settings, fake_twilio, run_dispatch, now, monkeypatch
):
    members = [session_with_member(starts_at=now + dt.timedelta(hours=2))[1] for _ in range(2)]
    run_dispatch(now, send=False)
    claims = list(OutboxMessage.objects.filter(status=Status.SENDING).values_list("id", "claim_token"))
    ticks = iter([0.0, 0.0, 10_000.0])  # the second send would start after half the lease
    monkeypatch.setattr(dispatch, "_monotonic", lambda: next(ticks))
    assert sorted(dispatch.deliver_batch(claims=claims, now=now)) == ["requeued", "sent"]
    assert sum(len(fake_twilio.sent_to(m.phone)) for m in members) == 1
    requeued = OutboxMessage.objects.get(status=Status.SCHEDULED, kind=Kind.REMINDER, offset_minutes=120)
    assert requeued.send_started_at is None and requeued.attempts == 0
    monkeypatch.undo()
    assert run_dispatch(now) == ["sent"]
    assert [len(fake_twilio.sent_to(m.phone)) for m in members] == [1, 1]


def test_console_sms_prints_one_short_line_per_text_and_keeps_the_body_in_the_outbox(run_dispatch, now, capsys):
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2))
    assert run_dispatch(now) == ["sent"]
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("[sms]")]
    assert len(printed) == 1
    line = printed[0]
    assert line.startswith(f"[sms] {mask_recipient(member.phone)}: Reminder: {session.group.sms_label}")
    assert member.phone not in line and member.phone[-2:] in line
    row = OutboxMessage.objects.get(member=member, channel="sms", status=Status.SENT)
    # The terminal shows the first words; the outbox keeps every word.
    assert len(row.body.split()) > CONSOLE_WORDS and line.endswith("…")
    assert row.body.startswith(f"Reminder: {session.group.sms_label}")


def test_console_email_backend_prints_one_line_not_the_mime_message(capsys, settings):
    settings.EMAIL_BACKEND = "notifications.transports.ConsoleEmailBackend"
    ics = b"BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    message = OutgoingMessage(
        to="member101@lantern.example",
        subject="Reminder: Tuesday evening group",
        body="Your group meets tomorrow at 7:00 PM at the library, room 2. Reply or reschedule any time.",
        calendar=ics,
    )
    Email().send(message)
    printed = capsys.readouterr().out.splitlines()
    assert printed == ["[email] m•••@lantern.example: Reminder: Tuesday evening group — Your group meets tomorrow …"]
