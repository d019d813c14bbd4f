"""Template filters of the facilitator pages."""

from __future__ import annotations

import phonenumbers
from django import template

register = template.Library()


@register.filter
def phone_display(value: str | None) -> str:
    """An E.164 number as people read it (+1 217-555-0142); anything unparsable as it is."""
    if not value:
        return ""
    if len(value) == 12 and value.startswith("+1") and value[1:].isdigit():
        # North American numbers, most of a roster: formatted without parsing (a parse costs
        # about a millisecond, which a 500-row roster would pay 500 times).
        return f"+1 {value[2:5]}-{value[5:8]}-{value[8:]}"
    try:
        number = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException:
        return value
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
