from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from notifications.models import InboundMessage
from sessions.models import Member
from tests.factories import EnrollmentFactory
from tests.fake_twilio import AUTH_TOKEN
from tests.notifications.helpers import texting_member
from tests.notifications.twilio_webhooks import inbound, reply_text

pytestmark = pytest.mark.django_db


def simulate(*args: str) -> str:
    out = io.StringIO()
    call_command("simulate_sms", *args, stdout=out)
    return out.getvalue().strip()


def test_yes_from_the_demo_confirms_a_pending_member_like_a_real_text():
    member = texting_member(sms_consent=Member.SmsConsent.PENDING, sms_reminders=False)
    enrollment = EnrollmentFactory(member=member)
    printed = simulate(member.phone, "YES")
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.CONFIRMED and member.sms_reminders
    assert printed.startswith(f"Reply to {member.phone}: ") and enrollment.group.sms_label in printed
    recorded = InboundMessage.objects.get()
    assert recorded.kind == InboundMessage.Kind.OPT_IN and recorded.member == member and recorded.body == "YES"


def test_a_national_number_and_several_words_are_taken_as_typed():
    member = texting_member()
    enrollment = EnrollmentFactory(member=member)
    simulate(member.phone.removeprefix("+1"), "Running", "late")
    message = InboundMessage.objects.get()
    assert message.body == "Running late" and message.group == enrollment.group


def test_stop_opts_out_and_prints_that_there_is_no_reply():
    member = texting_member()
    assert simulate(member.phone, "stop") == "(no reply)"
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.OPTED_OUT


def test_the_command_answers_what_the_twilio_webhook_answers(client, settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    member = texting_member()
    EnrollmentFactory(member=member)
    by_command = simulate(member.phone, "HELP")
    by_webhook = reply_text(inbound(client, member, "HELP"))
    assert by_command == f"Reply to {member.phone}: {by_webhook}"
    assert InboundMessage.objects.count() == 2


def test_a_bad_number_is_refused_naming_the_argument():
    with pytest.raises(CommandError, match="from_number"):
        simulate("12", "YES")
    assert not InboundMessage.objects.exists()
