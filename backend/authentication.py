"""Staff API tokens that expire.

Kept apart from the views: DRF imports DEFAULT_AUTHENTICATION_CLASSES while its own
`rest_framework.views` is still loading, so this module must not import views.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

TOKEN_EXPIRED = "This token has expired. Sign in again for a new one."


def token_expires_at(token: Token) -> dt.datetime:
    return token.created + dt.timedelta(days=settings.STAFF_TOKEN_LIFETIME_DAYS)


def token_is_expired(token: Token, *, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) >= token_expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication, refusing tokens older than STAFF_TOKEN_LIFETIME_DAYS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            raise exceptions.AuthenticationFailed(TOKEN_EXPIRED)
        return user, token
