from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command

from notifications import dispatch
from notifications.erasure import ERASED_REASON, scrub_erased_members
from notifications.inbound_sms import handle_inbound
from notifications.models import Channel, InboundMessage, OutboxMessage, Status
from notifications.transports import ConsoleSms
from sessions.services.members import member_erase
from tests.factories import EnrollmentFactory, SessionFactory
from tests.notifications.helpers import texting_member

pytestmark = pytest.mark.django_db

PHONE = "+12175550188"
EMAIL = "ana.erased@example.org"


def both_channels_member(**kwargs):
    return texting_member(email_reminders=True, email_consent=True, **kwargs)


@pytest.fixture
def story(run_dispatch, now):
    """A member who got reminders by text and email, texted the facilitators, and has
    more reminders scheduled; and a member who stays."""
    # A text from the number before it was on any member's record.
    handle_inbound(
        message_sid="SMorphan",
        from_number=PHONE,
        to_number="+15005550006",
        body="hi is this the group",
        now=now - dt.timedelta(days=1),
    )
    soon = SessionFactory(starts_at=now + dt.timedelta(hours=2))
    later = SessionFactory(series=soon.series, starts_at=now + dt.timedelta(hours=30))
    member = both_channels_member(phone=PHONE, email=EMAIL)
    stays = both_channels_member(phone="+12175550199", email="stays@example.org")
    for who in (member, stays):
        EnrollmentFactory(member=who, group=soon.group)
    run_dispatch(now)
    handle_inbound(message_sid="SMlate", from_number=PHONE, to_number="+15005550006", body="Running late, Ana", now=now)
    return {"member": member, "stays": stays, "soon": soon, "later": later}


def test_erasure_blanks_numbers_addresses_and_bodies_and_keeps_the_record(story, run_dispatch, now):
    member, stays = story["member"], story["stays"]
    sent_before = {
        row.pk: (row.status, row.sent_at, row.provider_message_id) for row in member.outbox.filter(status=Status.SENT)
    }
    assert {row.channel for row in member.outbox.filter(status=Status.SENT)} == {Channel.SMS, Channel.EMAIL}
    scheduled_before = set(member.outbox.filter(status=Status.SCHEDULED).values_list("pk", flat=True))
    assert scheduled_before  # the reminders for `later`
    texts_before, mails_before = len(ConsoleSms.sent), len(mail.outbox)

    member_erase(member=member, now=now + dt.timedelta(minutes=1))
    run_dispatch(now + dt.timedelta(minutes=2))

    rows = list(OutboxMessage.objects.filter(member=member))
    assert rows and all(r.to == "" and r.body == "" and r.subject == "" and r.error_message == "" for r in rows)
    # The record stays: what was sent, when, and the provider's id.
    assert {r.pk: (r.status, r.sent_at, r.provider_message_id) for r in rows if r.pk in sent_before} == sent_before
    assert {(r.status, r.error_code) for r in rows if r.pk in scheduled_before} == {(Status.SKIPPED, ERASED_REASON)}
    inbound = InboundMessage.objects.filter(provider_message_id__in=["SMorphan", "SMlate"])
    assert [(m.from_number, m.body, m.reply) for m in inbound] == [("", "", "")] * 2
    assert not OutboxMessage.objects.filter(to=PHONE).exists()
    assert not OutboxMessage.objects.filter(to=EMAIL).exists()
    # Nothing more went to them; the member who stays is untouched.
    assert len(ConsoleSms.sent) == texts_before and len(mail.outbox) == mails_before
    kept = OutboxMessage.objects.filter(member=stays, status=Status.SENT)
    assert kept.count() == 2 and all(r.to and r.body for r in kept)
    assert stays.outbox.filter(status=Status.SCHEDULED).exists()


def test_scrub_is_idempotent(story, now):
    member_erase(member=story["member"], now=now + dt.timedelta(minutes=1))
    first = scrub_erased_members(now=now + dt.timedelta(minutes=2))
    assert first.cancelled >= 1 and first.outbox_scrubbed >= 2 and first.inbound_scrubbed == 2
    stamps = dict(OutboxMessage.objects.values_list("pk", "updated_at"))
    second = scrub_erased_members(now=now + dt.timedelta(minutes=3))
    assert (second.cancelled, second.outbox_scrubbed, second.inbound_scrubbed) == (0, 0, 0)
    assert dict(OutboxMessage.objects.values_list("pk", "updated_at")) == stamps


def test_a_later_text_from_the_old_number_is_not_scrubbed(story, now):
    # The number may belong to someone else after the erasure: their texts are theirs.
    member_erase(member=story["member"], now=now + dt.timedelta(minutes=1))
    handle_inbound(
        message_sid="SMnew",
        from_number=PHONE,
        to_number="+15005550006",
        body="hello",
        now=now + dt.timedelta(minutes=5),
    )
    scrub_erased_members(now=now + dt.timedelta(minutes=6))
    new = InboundMessage.objects.get(provider_message_id="SMnew")
    assert (new.from_number, new.body, new.member) == (PHONE, "hello", None)


def test_the_management_command_scrubs_too(story, now, monkeypatch):
    monkeypatch.setattr(dispatch, "enqueue", lambda claimed: None)
    member_erase(member=story["member"], now=now + dt.timedelta(minutes=1))
    out = StringIO()
    call_command("dispatch_notifications", stdout=out)
    assert "scrubbed" in out.getvalue()
    assert not OutboxMessage.objects.filter(member=story["member"]).exclude(body="").exists()
    assert not InboundMessage.objects.filter(from_number=PHONE).exists()


def test_a_row_claimed_before_the_erasure_is_not_sent(
    run_dispatch, now, monkeypatch, django_capture_on_commit_callbacks
):
    session = SessionFactory(starts_at=now + dt.timedelta(hours=2))
    member = both_channels_member(phone=PHONE, email=EMAIL)
    EnrollmentFactory(member=member, group=session.group)
    queued = []
    monkeypatch.setattr(dispatch, "enqueue", queued.extend)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.dispatch_notifications(now=now)
    assert len(queued) == 2
    member_erase(member=member, now=now)
    assert dispatch.deliver_batch(claims=queued, now=now, sleep=lambda s: None) == ["skipped", "skipped"]
    assert ConsoleSms.sent == [] and mail.outbox == []
    claimed = OutboxMessage.objects.filter(pk__in=[pk for pk, _ in queued])
    assert set(claimed.values_list("status", "error_code", "to")) == {(Status.SKIPPED, ERASED_REASON, "")}


def test_an_erasure_while_the_task_prepares_stops_the_send(monkeypatch, now, django_capture_on_commit_callbacks):
    session = SessionFactory(starts_at=now + dt.timedelta(hours=2))
    member = texting_member(phone=PHONE)
    EnrollmentFactory(member=member, group=session.group)
    queued = []
    monkeypatch.setattr(dispatch, "enqueue", queued.extend)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch.dispatch_notifications(now=now)
    prepare = dispatch._prepare

    def prepare_then_erase(row, **kwargs):
        message = prepare(row, **kwargs)  # the task already holds the old number here
        member_erase(member=member, now=now)
        return message

    monkeypatch.setattr(dispatch, "_prepare", prepare_then_erase)
    assert dispatch.deliver_batch(claims=queued, now=now, sleep=lambda s: None) == ["skipped"]
    assert ConsoleSms.sent == []
    [(pk, _)] = queued
    row = OutboxMessage.objects.get(pk=pk)
    assert (row.status, row.to, row.body, row.send_started_at) == (Status.SKIPPED, "", "", None)


def test_a_row_still_sending_keeps_its_recipient_until_it_is_settled(story, now):
    member = story["member"]
    row = member.outbox.filter(status=Status.SENT, channel=Channel.SMS).first()
    OutboxMessage.objects.filter(pk=row.pk).update(status=Status.SENDING)
    member_erase(member=member, now=now + dt.timedelta(minutes=1))
    scrub_erased_members(now=now + dt.timedelta(minutes=2))
    row.refresh_from_db()
    assert row.to == PHONE  # reconciliation may still need to look it up at the provider
    OutboxMessage.objects.filter(pk=row.pk).update(status=Status.SENT)
    scrub_erased_members(now=now + dt.timedelta(minutes=3))
    row.refresh_from_db()
    assert (row.to, row.body) == ("", "")
