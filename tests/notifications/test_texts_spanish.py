"""Texts and emails in the member's language: Spanish, with English for everything else."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from django.utils.translation import trans_real

from notifications import gsm, texts
from notifications.planner import plan_notifications
from notifications.rendering import SMS_TEMPLATES
from notifications.transports import ConsoleSms
from sessions.models import Session
from sessions.services.schedule import session_change
from tests.factories import EnrollmentFactory, SupportGroupFactory
from tests.fake_twilio import AUTH_TOKEN
from tests.notifications.helpers import session_with_member, texting_member
from tests.notifications.test_texts import LONG_ORG, LONG_URL, TOPIC_WORDS, long_values
from tests.notifications.twilio_webhooks import inbound, reply_text

# The longest date each language writes ("mié 30 sep, 12:30 AKDT" is shorter than the English).
LONGEST_WHEN = {"en": "Wed Sep 30, 12:30 PM AKDT", "es": "mié 30 sep, 12:30 AKDT"}


@pytest.fixture(scope="module", autouse=True)
def compiled_catalogues():
    # The .mo files are build products (make messages); compile them so this module
    # tests the catalogue in the tree, then drop any catalogue Django loaded before.
    call_command("compilemessages", locale=["es"], ignore_patterns=[".venv", "var"], verbosity=0)
    trans_real._translations = {}
    trans_real._default = None
    yield


def worst_case(language: str) -> dict:
    with translation.override(language):
        when = LONGEST_WHEN[language]
        return {
            **long_values(),
            "when": when,
            "join": translation.gettext(texts.SMS_JOIN).format(url=LONG_URL),
            "next": translation.gettext(texts.SMS_NEXT).format(when=when),
        }


def test_spanish_dates_are_short_and_keep_the_zone():
    moment = dt.datetime(2026, 12, 9, 1, 0, tzinfo=dt.UTC)
    with translation.override("es"):
        assert texts.local_when(moment, "America/Chicago") == "mar 8 dic, 19:00 CST"
        assert texts.local_when(moment + dt.timedelta(days=4), "Europe/Madrid") == "dom 13 dic, 02:00 CET"
        assert texts.local_when(moment, "America/Anchorage") == "mar 8 dic, 16:00 AKST"
        assert texts.utc_when(moment) == "mié 9 dic, 01:00 UTC"
    assert texts.local_when(moment, "America/Chicago") == "Tue Dec 8, 7:00 PM CST"
    assert texts.utc_when(moment) == "Wed Dec 9, 01:00 UTC"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("name", sorted(SMS_TEMPLATES))
def test_every_template_in_every_language_fits_two_gsm_segments(name, language):
    values = worst_case(language)
    with translation.override(language):
        template = translation.gettext(SMS_TEMPLATES[name])
        rendered = texts.sms(template.format(**values), first_to_number=True)
    assert gsm.is_gsm7(rendered), (name, language, rendered)
    assert gsm.segments(rendered) <= 2, (name, language, gsm.septets(rendered))
    assert not re.search("|".join(TOPIC_WORDS), template, re.IGNORECASE)


def test_the_spanish_catalogue_translates_every_member_text():
    with translation.override("es"):
        for name in (
            "reminder",
            "session_cancelled",
            "session_moved",
            "series_ended",
            "seat_offered",
            "sms_confirm",
            "sms_confirm_join",
        ):
            assert translation.gettext(SMS_TEMPLATES[name]) != SMS_TEMPLATES[name], name
        assert translation.gettext(texts.STOP_FOOTER) != texts.STOP_FOOTER
    # The broadcast budget assumes no footer is longer than the English one.
    for language in texts.MESSAGE_LANGUAGES:
        with translation.override(language):
            assert gsm.septets(gsm.normalize(translation.gettext(texts.STOP_FOOTER))) <= len(texts.STOP_FOOTER)


@pytest.mark.parametrize(
    ("language", "expected"), [("es", "es"), ("es-MX", "es"), ("en", "en"), ("fr", "en"), ("", "en"), ("xx-YY", "en")]
)
def test_language_of_falls_back_to_english(language, expected):
    assert texts.language_of(SimpleNamespace(language=language)) == expected
    assert texts.language_of(None) == "en"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "greeting", "phrase"),
    [
        ("es", "Recordatorio: Jueves, ", "Responde 1 si vienes, 2 si no."),
        ("en", "Reminder: Jueves, ", "Reply 1 if you can come, 2 if not."),
        ("fr", "Reminder: Jueves, ", "Reply 1 if you can come, 2 if not."),
    ],
)
def test_reminder_is_sent_in_the_members_language(run_dispatch, now, language, greeting, phrase):
    group = SupportGroupFactory(sms_label="Jueves")
    member = texting_member(language=language, email="m@example.org", email_consent=True, email_reminders=True)
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=2), member=member, group=group)
    run_dispatch(now)
    [sms] = [m.body for m in ConsoleSms.sent]
    assert sms.startswith(greeting) and phrase in sms
    assert gsm.is_gsm7(sms)
    when = texts.local_when(session.starts_at, member.timezone)
    if language == "es":
        with translation.override("es"):
            when = texts.local_when(session.starts_at, member.timezone)
        assert re.search(r"\d{2}:\d{2} C[DS]T", when) and "M " not in when
        assert "Baja: responde STOP." in sms
    else:
        assert "Reply STOP to opt out." in sms
    assert gsm.normalize(when) in sms
    [email] = [m for m in mail.outbox if m.to == ["m@example.org"]]
    if language == "es":
        assert email.subject == f"Recordatorio: Jueves, {when}"
        assert email.body.startswith(f"Hola, {member.display_name}:")
        assert "Gestiona tus recordatorios o deja el grupo:" in email.body
    else:
        assert email.subject == f"Reminder: Jueves, {when}"
        assert email.body.startswith(f"Hello {member.display_name},")
    # Nothing leaks the override: the next render outside dispatch is English again.
    assert translation.get_language() in ("en", "en-us")


@pytest.mark.django_db
def test_cancellation_is_sent_in_spanish(run_dispatch, now):
    member = texting_member(language="es", email="c@example.org", email_consent=True, email_reminders=True)
    session, member, _ = session_with_member(starts_at=now + dt.timedelta(hours=28), member=member)
    plan_notifications(now=now)
    session_change(session=session, status=Session.Status.CANCELLED, note="Facilitator is unwell", now=now)
    run_dispatch(now)
    label = texts.label_of(session.group)
    [sms] = [m.body for m in ConsoleSms.sent]
    assert sms.startswith(f"{label} del ") and "se cancela. Esperamos verte la proxima vez." in sms
    assert gsm.is_gsm7(sms) and gsm.segments(sms) <= 2
    [email] = [m for m in mail.outbox if m.to == ["c@example.org"]]
    assert email.subject.startswith("Cancelada: ")
    assert "se cancela." in email.body and "De parte de quien facilita el grupo: Facilitator is unwell" in email.body


@pytest.mark.django_db
def test_confirmation_texts_render_in_spanish_and_stay_english_otherwise():
    group = SupportGroupFactory(sms_label="Martes")
    with translation.override("es"):
        confirm = texts.sms(texts.sms_confirm(group=group), first_to_number=True)
        join = texts.sms(texts.sms_confirm(group=group, join=True), first_to_number=True)
        email = texts.email_contact_confirmation(
            group=group, secret="s3cret", expires_at=dt.datetime(2026, 12, 9, 1, 0, tzinfo=dt.UTC)
        )
    assert join.startswith("Lantern: responde YES para unirte a Martes y recibir sus mensajes.")
    assert confirm.startswith("Lantern: responde YES para recibir recordatorios de Martes.")
    assert "STOP" in confirm and "Baja:" not in confirm  # the text names STOP already: no second footer
    assert email.subject == "Confirma tu dirección de correo"
    assert "El enlace funciona hasta el mié 9 dic, 01:00 UTC." in email.body
    english = texts.email_contact_confirmation(
        group=group, secret="s3cret", expires_at=dt.datetime(2026, 12, 9, 1, 0, tzinfo=dt.UTC)
    )
    assert english.subject == "Please confirm your email address"
    assert "The link works until Wed Dec 9, 01:00 UTC." in english.body
    assert texts.sms(texts.sms_confirm(group=group)).startswith("Lantern: reply YES to get text reminders for Martes.")


@pytest.mark.parametrize("language", ["en", "es"])
def test_help_reply_fits_in_every_language_with_the_longest_organization(language):
    with translation.override(language):
        values = {
            **worst_case(language),
            "org": gsm.truncate(LONG_ORG, texts.ORG_NAME_MAX),
            "contact": "care@" + "x" * 40 + ".org",
            "crisis": translation.gettext(texts.REPLY_HELP_CRISIS_US),
        }
        for template in (texts.REPLY_HELP, texts.REPLY_HELP_UNKNOWN):
            rendered = texts.sms(translation.gettext(template).format(**values))
            assert gsm.is_gsm7(rendered) and gsm.segments(rendered) <= 2, (language, rendered)


@pytest.mark.django_db
def test_replies_to_inbound_texts_are_in_the_members_language(client, settings):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    spanish = texting_member(language="es")
    EnrollmentFactory(member=spanish, group__sms_label="Jueves")
    english = texting_member(language="en")
    EnrollmentFactory(member=english, group__sms_label="Thursday")
    assert reply_text(inbound(client, spanish, "hola")).startswith("Gracias, tu mensaje ha llegado")
    assert reply_text(inbound(client, english, "hello")).startswith("Thanks, your message was passed")
    help_es = reply_text(inbound(client, spanish, "AYUDA"))
    assert help_es.startswith("Recordatorios de Lantern para Jueves.") and "En crisis? Llama" in help_es
    assert gsm.is_gsm7(help_es)
    assert reply_text(inbound(client, english, "HELP")).startswith("Lantern reminders for Thursday.")
    # An unknown number gets English.
    assert reply_text(inbound(client, "+12175559999", "YES")).startswith("Lantern sends reminders")
    assert translation.get_language() in ("en", "en-us")


@pytest.mark.parametrize("name", ["Ana", ""])
def test_the_follow_up_check_in_is_written_in_the_members_language(name):
    english = texts.check_in_text(display_name=name, language="en")
    spanish = texts.check_in_text(display_name=name, language="es-MX")
    assert spanish != english and spanish.startswith("Hola")
    assert texts.check_in_text(display_name=name, language="fr") == english
    for text in (english, spanish):
        assert gsm.is_gsm7(text) and gsm.segments(text) <= 2
        assert name in text
        assert not re.search("|".join(TOPIC_WORDS), text, re.IGNORECASE)
