"""Twilio webhook fields as PostgreSQL can store them.

A webhook must answer, never fail with a 500 that Twilio would retry: text that
cannot be stored is made storable here, the same way for inbound texts and for
status callbacks.
"""

from __future__ import annotations

# Twilio's sids are 34 characters; a longer one cannot be stored or matched.
SID_MAX_LENGTH = 64
NUMBER_MAX_LENGTH = 32
ERROR_CODE_MAX_LENGTH = 32


def storable(value: str, max_length: int | None = None) -> str:
    """No NUL bytes (PostgreSQL refuses them in text), cut to the column's length."""
    value = (value or "").replace("\x00", "")
    return value[:max_length] if max_length else value
