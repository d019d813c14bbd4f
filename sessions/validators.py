"""Field validators shared by models, serializers and services."""

from __future__ import annotations

import unicodedata
import zoneinfo

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_noop

INVALID_TIMEZONE = gettext_noop("Unknown time zone %(value)r: use an IANA name such as America/Chicago.")
INVALID_PHONE = "Enter a valid phone number, for example +1 217 555 0134."
PHONE_CANNOT_TEXT = gettext_noop(
    "This number cannot receive text messages from Lantern. Give a mobile number "
    "(premium-rate, toll-free, shared-cost, satellite, pager and internet-only numbers are not accepted)."
)
PHONE_COUNTRY_NOT_ALLOWED = gettext_noop(
    "Lantern sends texts only to numbers in %(countries)s. Give a number from one of them."
)
# When the deployment names no countries and has no venues yet.
DEFAULT_SMS_COUNTRIES = ("US", "CA", "GB")
# The number types that can receive an SMS. Anything else (premium rate, shared cost,
# toll free, VoIP, personal, pager, UAN, voicemail, landline, unknown) could cost money
# to text, or is how "SMS pumping" fraud earns it.
_TEXTABLE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})
INVALID_LATITUDE = gettext_noop("Latitude must be between -90 and 90.")
INVALID_LONGITUDE = gettext_noop("Longitude must be between -180 and 180.")
NOT_ONE_LINE = gettext_noop("Use one line of text: no line breaks, tabs or other control characters.")
INVALID_OFFSETS = gettext_noop("Reminder offsets must be a list of 1 to 5 whole minutes between 5 and 20160 (14 days).")

_AVAILABLE_TIMEZONES = frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _AVAILABLE_TIMEZONES:
        raise ValidationError(INVALID_TIMEZONE, params={"value": value}, code="invalid_timezone")


def validate_latitude(value: float | None) -> None:
    if value is not None and not -90 <= float(value) <= 90:
        raise ValidationError(INVALID_LATITUDE, code="invalid_latitude")


def validate_longitude(value: float | None) -> None:
    if value is not None and not -180 <= float(value) <= 180:
        raise ValidationError(INVALID_LONGITUDE, code="invalid_longitude")


def normalize_phone(raw: str, *, default_region: str | None = "US") -> str:
    """Parse a human-typed number into E.164, or raise ValidationError."""
    try:
        parsed = phonenumbers.parse(raw, default_region)
    except phonenumbers.NumberParseException:
        raise ValidationError(INVALID_PHONE, code="invalid_phone") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(INVALID_PHONE, code="invalid_phone")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def sms_allowed_countries() -> frozenset[str]:
    """ISO codes whose numbers may be given for texts: SMS_ALLOWED_COUNTRIES, else the
    countries of this deployment's venues, else US, CA and GB."""
    configured = settings.SMS_ALLOWED_COUNTRIES
    if configured:
        return frozenset(code.upper() for code in configured)
    from sessions.models import Venue  # imported here: the models import this module

    venue_countries = {c.upper() for c in Venue.objects.values_list("country", flat=True).distinct() if c}
    return frozenset(venue_countries or DEFAULT_SMS_COUNTRIES)


def normalize_sms_phone(raw: str, *, default_region: str | None = "US") -> str:
    """A number someone typed for Lantern to text, in E.164, or ValidationError.

    The one check for every phone a member or facilitator gives (join, self-service
    change, in-person add): a valid number, of a type that receives SMS (mobile, or
    where the numbering plan cannot tell, fixed-line-or-mobile), in an allowed country.
    The country is the number's own region, not its calling code: +1 also covers
    Caribbean countries and +44 the Channel Islands.
    """
    e164 = normalize_phone(raw, default_region=default_region)
    parsed = phonenumbers.parse(e164, None)
    if phonenumbers.number_type(parsed) not in _TEXTABLE_TYPES:
        raise ValidationError(PHONE_CANNOT_TEXT, code="phone_cannot_text")
    allowed = sms_allowed_countries()
    if phonenumbers.region_code_for_number(parsed) not in allowed:
        raise ValidationError(
            PHONE_COUNTRY_NOT_ALLOWED,
            params={"countries": ", ".join(sorted(allowed))},
            code="phone_country_not_allowed",
        )
    return e164


def validate_e164(value: str) -> None:
    if not value.startswith("+") or normalize_phone(value, default_region=None) != value:
        raise ValidationError(INVALID_PHONE, code="invalid_phone")


def validate_reminder_offsets(value) -> None:
    if not isinstance(value, list) or not 1 <= len(value) <= 5:
        raise ValidationError(INVALID_OFFSETS, code="invalid_offsets")
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 5 <= item <= 20160:
            raise ValidationError(INVALID_OFFSETS, code="invalid_offsets")
    if len(set(value)) != len(value):
        raise ValidationError(INVALID_OFFSETS, code="invalid_offsets")


def validate_single_line(value: str) -> None:
    """Names and labels end up in email subjects, calendar titles and texts: one line,
    no control characters (a newline in a header could add headers of its own)."""
    if any(unicodedata.category(char) == "Cc" for char in value):
        raise ValidationError(NOT_ONE_LINE, code="not_one_line")
