"""Field validators shared by models, serializers and services."""

from __future__ import annotations

import unicodedata
import zoneinfo

import phonenumbers
from django.core.exceptions import ValidationError

INVALID_TIMEZONE = "Unknown time zone {value!r}: use an IANA name such as America/Chicago."
INVALID_PHONE = "Enter a valid phone number, for example +1 217 555 0134."
INVALID_LATITUDE = "Latitude must be between -90 and 90."
INVALID_LONGITUDE = "Longitude must be between -180 and 180."
NOT_ONE_LINE = "Use one line of text: no line breaks, tabs or other control characters."
INVALID_OFFSETS = "Reminder offsets must be a list of 1 to 5 whole minutes between 5 and 20160 (14 days)."

_AVAILABLE_TIMEZONES = frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _AVAILABLE_TIMEZONES:
        raise ValidationError(INVALID_TIMEZONE.format(value=value), code="invalid_timezone")


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
