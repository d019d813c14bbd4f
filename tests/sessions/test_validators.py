from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings

from sessions.validators import (
    INVALID_PHONE,
    PHONE_CANNOT_TEXT,
    PHONE_COUNTRY_NOT_ALLOWED,
    normalize_sms_phone,
    sms_allowed_countries,
)
from tests.factories import VenueFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "region", "e164"),
    [
        ("(217) 555-0142", "US", "+12175550142"),  # fictional 555-01xx: fixed-line-or-mobile
        ("+1 613 555 0123", "US", "+16135550123"),  # Canada
        ("07400 123456", "GB", "+447400123456"),  # UK mobile
    ],
)
def test_mobile_numbers_in_allowed_countries_are_accepted(typed, region, e164):
    assert normalize_sms_phone(typed, default_region=region) == e164


@pytest.mark.parametrize(
    "number",
    ["+449090123456", "+448712345678", "+18005551234", "+445612345678", "+442079460000"],
    ids=["premium-rate", "shared-cost", "toll-free", "voip", "uk-landline"],
)
def test_numbers_that_cannot_receive_texts_are_refused(number):
    with pytest.raises(ValidationError) as info:
        normalize_sms_phone(number)
    assert info.value.messages == [PHONE_CANNOT_TEXT]


@pytest.mark.parametrize(
    "number",
    ["+881612345678", "+18765551234", "+447911123456", "+4917612345678"],
    ids=["satellite", "jamaica-shares-plus-1", "guernsey-shares-plus-44", "germany"],
)
def test_mobiles_outside_the_allowed_countries_are_refused(number):
    with pytest.raises(ValidationError) as info:
        normalize_sms_phone(number)
    assert info.value.messages == [PHONE_COUNTRY_NOT_ALLOWED % {"countries": "CA, GB, US"}]


def test_invalid_numbers_keep_their_message():
    with pytest.raises(ValidationError) as info:
        normalize_sms_phone("12")
    assert info.value.messages == [INVALID_PHONE]


def test_allowed_countries_default_to_the_venues_then_to_us_ca_gb():
    assert sms_allowed_countries() == {"US", "CA", "GB"}
    VenueFactory(country="IE", city="Dublin", latitude=53.35, longitude=-6.26, timezone="Europe/Dublin")
    assert sms_allowed_countries() == {"IE"}
    assert normalize_sms_phone("085 123 4567", default_region="IE") == "+353851234567"
    with pytest.raises(ValidationError):
        normalize_sms_phone("+12175550142")


@override_settings(SMS_ALLOWED_COUNTRIES=["US", "DE"])
def test_the_setting_names_the_countries():
    assert normalize_sms_phone("+4917612345678") == "+4917612345678"
    with pytest.raises(ValidationError):
        normalize_sms_phone("+16135550123")
