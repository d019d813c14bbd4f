"""The official twilio SDK, optionally pointed at a local Twilio stand-in.

With settings.TWILIO_API_BASE_URL set (tests, staging), every request the SDK
builds for https://api.twilio.com goes to that base instead, so the real SDK's
requests, serialisation, paging and error handling are what the tests exercise.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

TWILIO_API = "https://api.twilio.com"
# The SDK logs every request's URL and parameters at INFO: phone numbers and
# message bodies. Ours logs warnings only.
_sdk_logger = logging.getLogger("notifications.twilio_sdk")
_sdk_logger.setLevel(logging.WARNING)


class RebasedHttpClient(TwilioHttpClient):
    """TwilioHttpClient that rewrites https://api.twilio.com to `base_url`."""

    def __init__(self, *, base_url: str = "", timeout: float | None = None, **kwargs):
        kwargs.setdefault("logger", _sdk_logger)
        super().__init__(timeout=timeout, **kwargs)
        self.base_url = (base_url or "").rstrip("/")

    def rewrite(self, url: str) -> str:
        if self.base_url and url.startswith(TWILIO_API):
            return self.base_url + url[len(TWILIO_API) :]
        return url

    def request(self, method, url, *args, **kwargs):
        return super().request(method, self.rewrite(url), *args, **kwargs)


_local = threading.local()


def twilio_client() -> Client:
    """One client per thread (requests sessions are not shared across threads),
    rebuilt when the settings change (tests override them)."""
    config = (
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        settings.TWILIO_API_BASE_URL,
        float(settings.TWILIO_HTTP_TIMEOUT),
    )
    cached = getattr(_local, "client", None)
    if cached is None or cached[0] != config:
        sid, token, base, timeout = config
        client = Client(sid, token, http_client=RebasedHttpClient(base_url=base, timeout=timeout))
        _local.client = (config, client)
        return client
    return cached[1]
