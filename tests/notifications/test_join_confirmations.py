"""The one link sent when someone used a known member's phone or email on a join form."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from rest_framework.test import APIClient

from notifications import gsm
from notifications.models import Channel, Kind, OutboxMessage, Status
from notifications.planner import plan_notifications
from notifications.texts import SMS_JOIN_CONFIRMATION, sms, sms_join_confirmation
from notifications.transports import ConsoleSms
from sessions.models import Enrollment, JoinConfirmation
from tests.factories import EnrollmentFactory, MemberFactory, SupportGroupFactory
from tests.notifications.helpers import emailing_member, texting_member

pytestmark = pytest.mark.django_db


def join_form(group, **body) -> int:
    body.setdefault("display_name", "Someone")
    return APIClient().post(f"/api/groups/{group.slug}/join/", body, format="json").status_code


def confirmation_rows():
    return OutboxMessage.objects.filter(kind=Kind.JOIN_CONFIRMATION)


@pytest.fixture
def topic_group():
    return SupportGroupFactory(name="Suicide Loss Survivors", slug="suicide-loss-survivors", sms_label="Thursday group")


def test_a_texting_member_gets_one_neutral_text_and_planning_again_sends_nothing(run_dispatch, now, topic_group):
    member = texting_member(phone="+12175550142")
    JoinConfirmation.objects.create(member=member, group=topic_group, requested_at=now - dt.timedelta(minutes=5))
    outcomes = run_dispatch(now)
    row = confirmation_rows().get()
    assert (row.channel, row.status, outcomes) == (Channel.SMS, Status.SENT, ["sent"])
    body = ConsoleSms.sent[-1].body
    assert "Thursday group" in body
    assert f"/api/me/{member.token}/confirm/{row.detail}/" in body
    for private in ("Suicide", "suicide", "survivors", topic_group.slug):
        assert private not in body
    assert plan_notifications(now=now).created == 0
    assert run_dispatch(now + dt.timedelta(minutes=1)) == []
    assert confirmation_rows().count() == 1 and len(ConsoleSms.sent) == 1
    # Nobody was enrolled by the message.
    assert not Enrollment.objects.filter(member=member, group=topic_group).exists()


def test_an_emailing_member_gets_the_link_by_email(run_dispatch, now, topic_group):
    member = emailing_member(email="ruth@example.org", display_name="Ruth")
    JoinConfirmation.objects.create(member=member, group=topic_group, requested_at=now)
    run_dispatch(now)
    assert confirmation_rows().get().channel == Channel.EMAIL
    message = mail.outbox[-1]
    assert message.to == ["ruth@example.org"]
    assert f"/api/me/{member.token}/groups/{topic_group.slug}/join/" in message.body
    assert message.body.startswith("Hello Ruth,")


@pytest.mark.parametrize("consent", ["opted_out", "pending", "none"])
def test_no_message_to_a_number_that_has_not_said_yes_and_no_email_consent(run_dispatch, now, consent):
    member = MemberFactory(phone="+12175550143", email="x@example.org", sms_consent=consent, email_consent=False)
    JoinConfirmation.objects.create(member=member, group=SupportGroupFactory(), requested_at=now)
    assert run_dispatch(now) == []
    assert not confirmation_rows().exists()


def test_an_opted_out_number_with_email_consent_gets_email_only(run_dispatch, now):
    member = MemberFactory(phone="+12175550144", email="y@example.org", sms_consent="opted_out", email_consent=True)
    JoinConfirmation.objects.create(member=member, group=SupportGroupFactory(), requested_at=now)
    run_dispatch(now)
    assert list(confirmation_rows().values_list("channel", flat=True)) == [Channel.EMAIL]
    assert ConsoleSms.sent == []


def test_one_message_per_confirmation_even_if_consent_changes_between_runs(now):
    member = texting_member(phone="+12175550145", email="z@example.org", email_consent=True)
    JoinConfirmation.objects.create(member=member, group=SupportGroupFactory(), requested_at=now)
    plan_notifications(now=now)
    member.sms_consent = "opted_out"
    member.save(update_fields=["sms_consent"])
    plan_notifications(now=now + dt.timedelta(minutes=1))
    assert confirmation_rows().count() == 1


def test_confirmed_or_stale_requests_send_nothing(now):
    member = texting_member(phone="+12175550146")
    JoinConfirmation.objects.create(member=member, group=SupportGroupFactory(), requested_at=now, confirmed_at=now)
    JoinConfirmation.objects.create(member=member, group=SupportGroupFactory(), requested_at=now - dt.timedelta(days=3))
    plan_notifications(now=now)
    assert not confirmation_rows().exists()


def test_the_text_waits_for_the_morning_in_quiet_hours(now):
    member = texting_member(phone="+12175550147", timezone="America/Chicago")
    night = now.replace(hour=6)  # midnight in Chicago
    JoinConfirmation.objects.create(member=member, group=SupportGroupFactory(), requested_at=night)
    plan_notifications(now=night)
    assert confirmation_rows().get().due_at > night


def test_a_waiting_text_is_dropped_once_the_member_has_joined(run_dispatch, now):
    member = texting_member(phone="+12175550150", timezone="America/Chicago")
    night = now.replace(hour=6)  # midnight in Chicago: the text waits for the morning
    group = SupportGroupFactory()
    JoinConfirmation.objects.create(member=member, group=group, requested_at=night)
    plan_notifications(now=night)
    assert confirmation_rows().get().status == Status.SCHEDULED
    assert APIClient().post(f"/api/me/{member.token}/groups/{group.slug}/join/").status_code == 201
    run_dispatch(night + dt.timedelta(minutes=5))
    row = confirmation_rows().get()
    assert (row.status, row.error_code) == (Status.SKIPPED, "confirmed")
    assert ConsoleSms.sent == []


def test_from_join_form_to_enrolled_through_the_link(run_dispatch, now):
    group = SupportGroupFactory(capacity=1)
    EnrollmentFactory(group=group)
    member = texting_member(phone="+12175550148")
    assert join_form(group, phone="217-555-0148", note="hi") == 202
    assert not Enrollment.objects.filter(member=member, group=group).exists()
    confirmation = JoinConfirmation.objects.get(member=member, group=group)
    # The request is dated by the real clock; date it at the test's daytime `now` (no quiet hours).
    JoinConfirmation.objects.filter(pk=confirmation.pk).update(requested_at=now)
    run_dispatch(now)
    assert len(ConsoleSms.sent) == 1
    link = f"/api/me/{member.token}/confirm/{confirmation.pk}/"
    assert link in ConsoleSms.sent[0].body
    client = APIClient()
    assert client.get(link).json()["confirm"] == "POST to this URL"
    response = client.post(link)
    assert response.status_code == 201
    # Capacity rules apply: the group was full.
    assert response.json()["status"] == "waitlisted" and response.json()["waitlist_position"] == 1
    enrollment = Enrollment.objects.get(member=member, group=group)
    assert enrollment.join_note == "hi"
    confirmation.refresh_from_db()
    assert confirmation.confirmed_at is not None
    assert client.post(link).status_code == 200


def test_join_confirmation_text_fits_two_segments_with_long_values(settings):
    settings.PUBLIC_BASE_URL = "https://lantern.a-rather-long-organization-domain.example.org"
    group = SupportGroupFactory(sms_label="W" * 40, slug="s" * 120)
    member = MemberFactory(phone="+12175550149")
    text = sms(sms_join_confirmation(group=group, member=member, confirmation_id=2**31), first_to_number=True)
    assert gsm.is_gsm7(text)
    assert gsm.segments(text) <= 2
    assert "{" not in SMS_JOIN_CONFIRMATION.format(label="L", link="U")
    # The text names the neutral label and the short per-confirmation link, never the slug (it may name the topic).
    assert "W" * 40 in text
    assert f"/api/me/{member.token}/confirm/{2**31}/" in text
    assert "s" * 120 not in text
