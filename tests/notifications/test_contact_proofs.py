"""The confirmations that prove a contact: the only messages an unproven contact gets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from rest_framework.test import APIClient

from notifications import gsm
from notifications.inbound_sms import handle_inbound
from notifications.models import Channel, Kind, OutboxMessage, Status
from notifications.planner import plan_notifications
from notifications.texts import (
    EMAIL_CONFIRM_SUBJECT,
    REPLY_JOIN_CONFIRMED,
    SMS_CONFIRM_JOIN,
    sms,
    sms_confirm,
)
from notifications.transports import ConsoleSms
from sessions.models import ContactProof, Enrollment, JoinRequest, Member
from tests.factories import EnrollmentFactory, MemberFactory, SessionFactory, SupportGroupFactory
from tests.notifications.helpers import texting_member

pytestmark = pytest.mark.django_db

_sid = iter(range(10**6))


def join_form(group, **body):
    body.setdefault("display_name", "Someone")
    return APIClient().post(f"/api/groups/{group.slug}/join/", body, format="json")


def proof_rows():
    return OutboxMessage.objects.filter(kind__in=[Kind.SMS_CONFIRM, Kind.EMAIL_CONFIRM])


def text_from(phone: str, body: str, now: dt.datetime) -> str:
    return handle_inbound(message_sid=f"SM{next(_sid):032d}", from_number=phone, to_number="+1", body=body, now=now)


@pytest.fixture
def topic_group():
    return SupportGroupFactory(name="Suicide Loss Survivors", slug="suicide-loss-survivors", sms_label="Thursday group")


def test_a_join_by_phone_gets_one_neutral_text_and_yes_enrols_and_replies_with_the_page(run_dispatch, now, topic_group):
    response = join_form(topic_group, display_name="Ana", phone="217-555-0142", sms_reminders=True, note="hi")
    assert response.status_code == 202
    member = Member.objects.get(phone="+12175550142")
    assert run_dispatch(now) == ["sent"]
    body = ConsoleSms.sent[-1].body
    assert body.startswith("Lantern: reply YES to join Thursday group")
    for private in ("Suicide", "suicide", "survivors", topic_group.slug, member.token):
        assert private not in body
    assert plan_notifications(now=now).created == 0 and run_dispatch(now + dt.timedelta(minutes=1)) == []

    reply = text_from("+12175550142", "yes", now + dt.timedelta(minutes=2))
    member.refresh_from_db()
    # The page goes to the number that just proved itself, and only there.
    assert f"/me/{member.token}/" in reply
    assert reply.startswith("Thanks! You're confirmed for Thursday group.")
    assert member.phone_verified_at is not None and member.sms_consent == "confirmed" and member.sms_reminders
    enrollment = Enrollment.objects.get(member=member, group=topic_group)
    assert (enrollment.status, enrollment.join_note) == ("active", "hi")
    assert APIClient().get(f"/api/me/{member.token}/").status_code == 200


def test_an_email_join_gets_one_neutral_email_without_token_name_or_calendar(run_dispatch, now, topic_group):
    topic_group.format = "online"
    topic_group.conference_url = "https://meet.example.org/secret-room"
    topic_group.save()
    assert join_form(topic_group, display_name="Mallory", email="ruth@example.org", email_reminders=True).status_code
    member = Member.objects.get(email="ruth@example.org")
    run_dispatch(now)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    proof = ContactProof.objects.get(member=member)
    assert message.to == ["ruth@example.org"] and message.subject == EMAIL_CONFIRM_SUBJECT
    assert f"/email-confirmations/{proof.secret}/" in message.body
    for private in (member.token, "Mallory", "Suicide", "secret-room", topic_group.slug):
        assert private not in message.body and private not in message.subject
    assert not message.attachments and not getattr(message, "alternatives", [])


@pytest.mark.parametrize(("language", "subject"), [("es", "Confirma tu dirección de correo"), ("en", None)])
def test_the_confirmation_email_of_a_join_is_in_the_join_pages_language(client, run_dispatch, now, language, subject):
    group = SupportGroupFactory()
    form = {"display_name": "Ruth", "email": "ruth@example.org", "reminders": ["email"], "consent": "on"}
    assert client.post(f"/groups/{group.slug}/join/", form, HTTP_ACCEPT_LANGUAGE=language).status_code == 302
    run_dispatch(now)
    [message] = mail.outbox
    assert message.subject == (subject or EMAIL_CONFIRM_SUBJECT)
    assert Member.objects.get(email="ruth@example.org").language == language


def test_an_unproven_email_receives_nothing_that_names_the_group(run_dispatch, now):
    """Email had no double opt-in: a join with anyone's address got invites with the meeting link."""
    group = SupportGroupFactory(format="online", venue=None, timezone="America/Chicago")
    group.conference_url = "https://meet.example.org/private-room"
    group.save()
    SessionFactory(series__group=group, starts_at=now + dt.timedelta(hours=20))
    join_form(group, email="someone@example.org", email_reminders=True)
    member = Member.objects.get(email="someone@example.org")
    # Even once on the roster (a facilitator added them), an unproven address gets nothing more.
    EnrollmentFactory(member=member, group=group)
    Member.objects.filter(pk=member.pk).update(email_consent=True, email_reminders=True)
    for minutes in (0, 30, 60):
        run_dispatch(now + dt.timedelta(minutes=minutes))
    assert [m.subject for m in mail.outbox] == [EMAIL_CONFIRM_SUBJECT]
    assert all("private-room" not in m.body for m in mail.outbox)


def test_a_yes_confirms_only_the_request_its_text_was_about(run_dispatch, now):
    member = texting_member(phone="+12175550160")
    first, second = (
        SupportGroupFactory(organization=member.organization),
        SupportGroupFactory(organization=member.organization),
    )
    join_form(first, phone="+12175550160")
    run_dispatch(now)
    join_form(second, phone="+12175550160")
    run_dispatch(now + dt.timedelta(minutes=1))
    assert ConsoleSms.sent[-1].body.startswith("Lantern: reply YES to join")
    text_from("+12175550160", "YES", now + dt.timedelta(minutes=2))
    assert list(Enrollment.objects.filter(member=member).values_list("group_id", flat=True)) == [second.pk]
    assert JoinRequest.objects.get(group=first).confirmed_at is None


def test_no_text_to_an_opted_out_number_and_a_stray_yes_confirms_nothing(run_dispatch, now):
    member = MemberFactory(phone="+12175550143", sms_consent="opted_out")
    join_form(SupportGroupFactory(organization=member.organization), phone="+12175550143")
    assert run_dispatch(now) == []
    assert not proof_rows().exists() and ConsoleSms.sent == []
    # A YES that answers no text we sent turns texts back on (START) but joins nothing.
    text_from("+12175550143", "YES", now + dt.timedelta(minutes=1))
    assert not Enrollment.objects.filter(member=member).exists()


def test_a_confirmation_cancelled_through_the_handle_is_not_sent_and_no_longer_works(run_dispatch, now):
    group = SupportGroupFactory()
    handle = join_form(group, phone="+12175550147").json()["request_token"]
    assert APIClient().delete(f"/api/join-requests/{handle}/").json()["status"] == "cancelled"
    assert run_dispatch(now) == []
    assert text_from("+12175550147", "YES", now) != ""
    assert not Enrollment.objects.exists()
    assert Member.objects.get(phone="+12175550147").phone_verified_at is None


def test_a_planned_confirmation_is_dropped_when_the_request_is_cancelled(run_dispatch, now):
    group = SupportGroupFactory()
    handle = join_form(group, phone="+12175550148").json()["request_token"]
    plan_notifications(now=now)
    assert proof_rows().get().status == Status.SCHEDULED
    APIClient().post(f"/api/join-requests/{handle}/cancel/")
    assert run_dispatch(now) == []
    row = proof_rows().get()
    assert (row.status, row.error_code) == (Status.SKIPPED, "proof_settled")


def test_confirmation_texts_fit_two_segments_with_long_values(settings):
    settings.PUBLIC_BASE_URL = "https://lantern.a-rather-long-organization-domain.example.org"
    group = SupportGroupFactory(sms_label="W" * 40, slug="s" * 120)
    member = MemberFactory(phone="+12175550149")
    for text in (
        sms(sms_confirm(group=group, join=True), first_to_number=True),
        sms(REPLY_JOIN_CONFIRMED.format(label="W" * 40, link=f"{settings.PUBLIC_BASE_URL}/me/{member.token}/")),
    ):
        assert gsm.is_gsm7(text)
        assert gsm.segments(text) <= 2
        assert "s" * 120 not in text
    assert "{" not in SMS_CONFIRM_JOIN.format(label="L")
    assert Channel.SMS == "sms"
