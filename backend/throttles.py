"""DRF throttles that identify the client with `backend.client_address` instead of
DRF's own `get_ident`, which believes any `X-Forwarded-For` unless NUM_PROXIES is set."""

from __future__ import annotations

from rest_framework.throttling import ScopedRateThrottle

from backend.client_address import client_address


class ClientScopedRateThrottle(ScopedRateThrottle):
    """ScopedRateThrottle (`throttle_scope` on the view) counted per client address."""

    def get_ident(self, request) -> str:
        return client_address(request)
