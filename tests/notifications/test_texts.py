from __future__ import annotations

import datetime as dt
import re
import string

import pytest

from notifications import gsm, texts
from notifications.rendering import SMS_TEMPLATES
from sessions.models import SupportGroup
from tests.factories import MemberFactory, OrganizationFactory, SessionFactory, SupportGroupFactory

LONG_LABEL = "Thursday evening women's circle (room 2)"[:40]
LONG_ORG = "St. Bartholomew's Interfaith Community Hospice & Palliative Care Association"
LONG_URL = "https://us06web.zoom.us/j/81234567890?pwd=Q0ZxYlRhSXhVbGJ5N2JTeXh1dWpZZz09"
TOPIC_WORDS = ("grief", "griev", "bereave", "suicide", "loss", "death", "died", "widow", "mourn", "overdose")


def long_values() -> dict:
    return {
        "label": LONG_LABEL,
        "when": "Wed Sep 30, 12:30 PM AKDT",
        "join": texts.SMS_JOIN.format(url=LONG_URL),
        "place": "12345 North Martin Luther King Jr Boulevard, Rancho Santa Margarita",
        "next": texts.SMS_NEXT.format(when="Wed Sep 30, 12:30 PM AKDT"),
        "link": "https://lantern.example.org/api/me/" + "x" * 43 + "/",
        "text": "x" * texts.BROADCAST_MAX_SEPTETS,
        "org": LONG_ORG[: texts.ORG_NAME_MAX],
        "contact": "+12175550100",
        "crisis": texts.REPLY_HELP_CRISIS_US,
    }


@pytest.mark.parametrize("name", sorted(SMS_TEMPLATES))
def test_every_template_fits_two_gsm_segments_with_long_values_and_the_stop_line(name):
    rendered = texts.sms(SMS_TEMPLATES[name].format(**long_values()), first_to_number=True)
    assert gsm.is_gsm7(rendered)
    assert gsm.segments(rendered) <= 2, (name, gsm.septets(rendered))


def test_help_reply_fits_with_the_longest_organization_name():
    values = {
        **long_values(),
        "org": gsm.truncate(LONG_ORG, texts.ORG_NAME_MAX),
        "contact": "care@" + "x" * 40 + ".org",
    }
    rendered = texts.sms(texts.REPLY_HELP.format(**values))
    assert gsm.segments(rendered) <= 2


@pytest.mark.parametrize("name", sorted(SMS_TEMPLATES))
def test_no_template_names_a_topic(name):
    template = SMS_TEMPLATES[name].lower()
    assert not [word for word in TOPIC_WORDS if word in template]


def test_notification_texts_never_carry_the_group_topic_or_name():
    # Only the HELP reply, which the member asked for, names the Lifeline.
    placeholders = {name for _, name, _, _ in string.Formatter().parse(texts.SMS_REMINDER) if name}
    assert "label" in placeholders and not placeholders & {"name", "topic", "group"}
    for name, template in SMS_TEMPLATES.items():
        fields = {f for _, f, _, _ in string.Formatter().parse(template) if f}
        assert not fields & {"name", "topic", "group", "description"}, name


@pytest.mark.django_db
def test_rendered_reminder_uses_label_and_member_time_zone():
    group = SupportGroupFactory(
        name="Suicide Loss Survivors", topic=SupportGroup.Topic.SUICIDE_LOSS, sms_label="Tue group"
    )
    session = SessionFactory(series__group=group, starts_at=dt.datetime(2026, 7, 7, 0, 0, tzinfo=dt.UTC))
    member = MemberFactory(timezone="America/New_York")
    body = texts.sms(texts.sms_reminder(session=session, member=member))
    assert "Tue group" in body and "Mon Jul 6, 8:00 PM EDT" in body
    assert not re.search("|".join(TOPIC_WORDS), body, re.IGNORECASE)


@pytest.mark.django_db
def test_help_reply_mentions_988_for_us_numbers_only():
    org = OrganizationFactory(name=LONG_ORG)
    group = SupportGroupFactory(organization=org)
    us = texts.reply_help(group=group, us_number=True)
    uk = texts.reply_help(group=group, us_number=False)
    assert "988" in us and "988" not in uk
    assert org.contact_phone in us
    assert gsm.segments(us) <= 2 and gsm.is_gsm7(us)


def test_curly_quotes_and_dashes_become_gsm():
    text = gsm.normalize("It\u2019s \u201cfine\u201d \u2014 see you\u2026 Zo\u00eb 🙂")
    assert text == 'It\'s "fine" - see you... Zoe ?'
    assert gsm.is_gsm7(text)


def test_segment_counting():
    assert gsm.segments("a" * 160) == 1
    assert gsm.segments("a" * 161) == 2
    assert gsm.segments("a" * 306) == 2
    assert gsm.segments("a" * 307) == 3
    assert gsm.segments("{" * 80) == 1 and gsm.segments("{" * 81) == 2  # extension characters cost two
    assert gsm.segments("\u00e7" * 70) == 1 and gsm.segments("\u0142" * 71) == 2  # UCS-2


def test_truncate_marks_the_cut():
    assert gsm.truncate("abcdef", 5) == "ab..."
    assert gsm.truncate("abc", 5) == "abc"
