"""Checks that every serving process (web, worker, beat) runs before it starts."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MISSING_SECRET_KEY = "SECRET_KEY must be set when DEBUG is off"


def require_secret_key() -> None:
    try:
        settings.SECRET_KEY  # noqa: B018 - Django raises on an empty key when it is read
    except ImproperlyConfigured:
        raise ImproperlyConfigured(MISSING_SECRET_KEY) from None
