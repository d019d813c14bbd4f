"""The services' refusals in the page's language (sessions.pages.messages).

Every sentence a service module defines is either shown by some page, and then has a
Spanish translation, or is listed below with the reason no page shows it. A new message
added without either fails here. A message with values takes them as ValidationError
params, so the page translates it before the values go in.
"""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.core.validators import MaxLengthValidator
from django.utils import translation

from sessions import validators
from sessions.api import access, manage
from sessions.pages.messages import SERVICE_MESSAGES, page_message_dict, page_messages, translated
from sessions.services import (
    attendance,
    enrollment,
    groups,
    joining,
    members,
    organizations,
    places,
    proofs,
    schedule,
    schedule_patterns,
    send_caps,
    venues,
)

MODULES = (
    validators,
    attendance,
    enrollment,
    groups,
    joining,
    members,
    organizations,
    places,
    proofs,
    schedule,
    schedule_patterns,
    send_caps,
    venues,
)

NOT_SHOWN_BY_A_PAGE = {
    # What the API says after a join or about a request; the pages have their own words.
    joining.MESSAGE_JOIN_REQUESTED_SMS,
    joining.MESSAGE_JOIN_REQUESTED_EMAIL,
    joining.MESSAGE_REQUEST_PRIVATE,
    joining.MESSAGE_REQUEST_EXPIRED,
    proofs.CONFIRM_HOW,
    # Stored data, not a refusal.
    members.ERASED_NAME,
    schedule.SERIES_ENDED_NOTE,
    # The finder says "we could not find" in its own words (sessions.pages.finder).
    places.PLACE_NOT_FOUND,
    places.PLACE_EMPTY,
    places.COORDINATES_OUT_OF_RANGE,
    # Recurrence rules and date-times as the API takes them: the pages build both from a pattern.
    schedule.RRULE_EMPTY,
    schedule.RRULE_MALFORMED,
    schedule.RRULE_DUPLICATE_PART,
    schedule.RRULE_DTSTART_PART,
    schedule.RRULE_TIME_PARTS,
    schedule.RRULE_UNSUPPORTED_PART,
    schedule.RRULE_FREQ_REQUIRED,
    schedule.RRULE_FREQ_INVALID,
    schedule.RRULE_COUNT_AND_UNTIL,
    schedule.RRULE_COUNT_INVALID,
    schedule.RRULE_INTERVAL_INVALID,
    schedule.RRULE_BYDAY_INVALID,
    schedule.RRULE_BYDAY_ORDINAL_FREQ,
    schedule.RRULE_BYDAY_ORDINAL_RANGE,
    schedule.RRULE_BYMONTHDAY_INVALID,
    schedule.RRULE_BYMONTHDAY_WEEKLY,
    schedule.RRULE_BYMONTH_INVALID,
    schedule.RRULE_WKST_INVALID,
    schedule.RRULE_UNTIL_INVALID,
    schedule.RRULE_INVALID,
    schedule.DTSTART_HAS_OFFSET,
    schedule.SESSION_NAIVE_TIME,
    schedule.SESSION_STATUS_INVALID,
    schedule.SERIES_FIELD_UNKNOWN,
    enrollment.UNKNOWN_ACTION,
}


# The values a page can be given, as the services raise them, and the Spanish each reads as.
WITH_VALUES = {
    validators.INVALID_TIMEZONE: (
        {"value": "Mars/Olympus"},
        "Zona horaria desconocida 'Mars/Olympus': use un nombre IANA como America/Chicago.",
    ),
    validators.PHONE_COUNTRY_NOT_ALLOWED: (
        {"countries": "CA, US"},
        "Lantern solo envía textos a números de CA, US. Dé un número de uno de esos países.",
    ),
    attendance.ATTENDANCE_UNKNOWN_ENROLLMENT: ({"id": 42}, "La inscripción 42 no está en la lista de este grupo."),
    attendance.ATTENDANCE_DUPLICATE_ENROLLMENT: ({"id": 42}, "La inscripción 42 aparece más de una vez."),
    enrollment.CANNOT_APPROVE: (
        {"status": "active"},
        "Solo se puede aprobar una solicitud o a alguien en lista de espera; esta inscripción está en «active».",
    ),
    enrollment.CANNOT_DECLINE: (
        {"status": "left"},
        "Solo se puede rechazar una solicitud, a alguien en lista de espera o a un miembro activo; "
        "esta inscripción está en «left».",
    ),
    enrollment.CANNOT_REMOVE: (
        {"status": "declined"},
        "Solo se puede quitar una solicitud, a alguien en lista de espera o a un miembro activo; "
        "esta inscripción está en «declined».",
    ),
    enrollment.CANNOT_WAITLIST: (
        {"status": "waitlisted"},
        "Solo se puede poner en lista de espera una solicitud o a un miembro activo; "
        "esta inscripción está en «waitlisted».",
    ),
    enrollment.CANNOT_MOVE: (
        {"status": "active"},
        "Solo se puede mover en la lista de espera a quien está en ella; esta inscripción está en «active».",
    ),
    enrollment.BAD_POSITION: ({"count": 3}, "El lugar en la lista de espera debe estar entre 1 y 3."),
    groups.NOT_A_FACILITATOR: ({"username": "nobody"}, "'nobody' no facilita este grupo."),
    organizations.USER_NOT_FOUND: ({"username": "ghost"}, "No hay ningún usuario con el nombre 'ghost'."),
    organizations.NOT_AN_ADMIN: ({"username": "ghost"}, "'ghost' no administra esta organización."),
    schedule.RRULE_TOO_MANY: (
        {"count": 365, "max": 120},
        "Esta regla da 365 sesiones en su primer año; el límite es 120.",
    ),
    schedule_patterns.DATE_INVALID: (
        {"value": "12/03/2027"},
        "'12/03/2027' no es una fecha; escríbala como 2026-03-12.",
    ),
    schedule_patterns.TOO_MANY_DATES: ({"max": 60}, "Dé como mucho 60 fechas a la vez."),
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)([sr])")


def _sentences() -> list[str]:
    found = {
        value
        for module in MODULES
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and " " in value
    }
    return sorted(found - NOT_SHOWN_BY_A_PAGE)


def _raised(message: str) -> ValidationError:
    """The message as a service raises it, keyed by a field, with made-up values."""
    params = {name: f"<{name}-7>" for name, _ in _PLACEHOLDER.findall(message)}
    return ValidationError({"field": ValidationError(message, params=params or None)})


@pytest.mark.parametrize("message", _sentences())
def test_every_service_message_a_page_can_show_reads_in_spanish(message):
    exc = _raised(message)
    with translation.override("es"):
        (spanish,) = page_messages(exc)
    assert spanish != exc.messages[0]
    # The values survive the translation, a repr value with its quotes.
    for name, conversion in _PLACEHOLDER.findall(message):
        value = f"<{name}-7>"
        assert (repr(value) if conversion == "r" else value) in spanish


@pytest.mark.parametrize("message", _sentences())
def test_an_english_page_shows_the_apis_words_unless_it_has_plainer_ones(message):
    exc = _raised(message)
    with translation.override("en"):
        assert page_messages(exc) == [str(SERVICE_MESSAGES.get(message, exc.messages[0]))]


@pytest.mark.parametrize("message", _sentences())
def test_a_message_a_page_can_show_takes_its_values_as_params(message):
    # A message filled in before it is raised cannot be looked up in the catalog:
    # str.format fields would reach the page in English.
    assert not re.search(r"\{\w*(![rsa])?\}", message)
    if _PLACEHOLDER.search(message):
        assert message in WITH_VALUES


@pytest.mark.parametrize("message", sorted(WITH_VALUES))
def test_each_message_with_values_reads_in_spanish_with_them(message):
    params, spanish = WITH_VALUES[message]
    exc = ValidationError({"field": [ValidationError(message, params=params)]})
    with translation.override("es"):
        assert page_message_dict(exc) == {"field": [spanish]}
    # The API's English is the message filled in with the same values.
    assert exc.message_dict == {"field": [message % params]}


@pytest.mark.parametrize(
    "refusal",
    [
        access.NOT_YOUR_ORGANIZATION,
        access.NOT_YOUR_GROUP,
        manage.NOT_LEAD,
        manage.ADMINS_ONLY,
        manage.SUPERUSERS_ONLY,
    ],
)
def test_the_apis_permission_refusals_the_facilitator_pages_show_read_in_spanish(refusal):
    with translation.override("es"):
        assert translated(refusal) != refusal


def test_a_refusal_that_names_no_field_is_shown_at_the_top():
    exc = ValidationError(validators.INVALID_TIMEZONE, params={"value": "Mars/Olympus"}, code="invalid_timezone")
    with translation.override("es"):
        assert page_message_dict(exc) == {NON_FIELD_ERRORS: [WITH_VALUES[validators.INVALID_TIMEZONE][1]]}
        assert page_messages(exc) == [WITH_VALUES[validators.INVALID_TIMEZONE][1]]


def test_djangos_own_messages_are_shown_in_the_pages_language():
    with pytest.raises(ValidationError) as info:
        MaxLengthValidator(3)("Lantern")
    with translation.override("es"):
        shown = page_messages(info.value)
        assert shown == info.value.messages
    assert shown != info.value.messages and "3" in shown[0]


def test_a_message_that_is_no_constant_is_shown_as_it_is():
    with translation.override("es"):
        assert translated("Something a model said.") == "Something a model said."
        assert translated("") == ""
        assert page_messages(ValidationError("Something a model said.")) == ["Something a model said."]


def _refusal(call) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        call()
    return raised.value


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("call", "field", "message"),
    [
        (lambda: validators.validate_timezone("Mars/Olympus"), NON_FIELD_ERRORS, validators.INVALID_TIMEZONE),
        (lambda: schedule_patterns.parse_dates("12/03/2027"), "dates", schedule_patterns.DATE_INVALID),
        (
            lambda: schedule_patterns.parse_dates(",".join(f"2027-01-{d:02d}" for d in range(1, 32)) * 3),
            "dates",
            schedule_patterns.TOO_MANY_DATES,
        ),
        (
            # Through members.normalize_contacts, which passes the validator's errors on.
            lambda: members.normalize_contacts(phone="+33 6 12 34 56 78", email=None, default_region="US"),
            "phone",
            validators.PHONE_COUNTRY_NOT_ALLOWED,
        ),
    ],
    ids=["timezone", "date", "too-many-dates", "phone-country"],
)
def test_the_services_really_raise_their_values_as_params(call, field, message):
    """A service that filled its message in itself would show English on a Spanish page."""
    exc = _refusal(call)
    with translation.override("es"):
        shown = page_message_dict(exc)[field]
    assert len(shown) == 1 and shown[0] != message
    english = exc.message_dict[field][0] if hasattr(exc, "error_dict") else exc.messages[0]
    assert shown[0] != english  # translated, not the API's English
    assert "%(" not in shown[0]  # and filled in
    example_params, spanish = WITH_VALUES[message]
    if all(str(value) in english for value in example_params.values()):
        assert shown == [spanish]
