"""The services' refusals in the page's language (sessions.pages.messages).

Every sentence a service module defines is either shown by some page, and then has a
Spanish translation, or is listed below with the reason no page shows it. A new message
added without either fails here.
"""

from __future__ import annotations

import string

import pytest
from django.utils import translation

from sessions import validators
from sessions.api import access, manage
from sessions.pages.messages import FILLED_IN, SERVICE_MESSAGES, translated
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


def _sentences() -> list[str]:
    found = {
        value
        for module in MODULES
        for name, value in vars(module).items()
        if name.isupper() and isinstance(value, str) and " " in value
    }
    return sorted(found - NOT_SHOWN_BY_A_PAGE)


def _fill(template: str) -> str:
    names = {name for _, name, _, _ in string.Formatter().parse(template) if name}
    return template.format(**{name: f"<{name}-7>" for name in names})


@pytest.mark.parametrize("message", _sentences())
def test_every_service_message_a_page_can_show_reads_in_spanish(message):
    shown = _fill(message)
    with translation.override("es"):
        spanish = translated(shown)
    assert spanish != shown
    # The values the service filled in survive the translation.
    for _, name, _, _ in string.Formatter().parse(message):
        if name:
            assert f"<{name}-7>" in spanish


@pytest.mark.parametrize("message", _sentences())
def test_an_english_page_shows_the_apis_words_unless_it_has_plainer_ones(message):
    shown = _fill(message)
    with translation.override("en"):
        assert translated(shown) == str(SERVICE_MESSAGES.get(message, shown))


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


def test_every_message_with_values_is_matched_to_its_constant():
    with_values = {message for message in _sentences() if "{" in message}
    assert with_values == set(FILLED_IN)


def test_a_repr_value_keeps_its_quotes_once():
    with translation.override("es"):
        spanish = translated(validators.INVALID_TIMEZONE.format(value="Mars/Olympus"))
    assert spanish == "Zona horaria desconocida 'Mars/Olympus': use un nombre IANA como America/Chicago."


def test_a_message_that_is_no_constant_is_shown_as_it_is():
    with translation.override("es"):
        assert translated("Something a model said.") == "Something a model said."
        assert translated("") == ""
