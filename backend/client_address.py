"""The client address that every throttle, abuse cap and login lockout counts against.

`X-Forwarded-For` is written by whoever sends the request, so it is believed only
as far as the deployment says it has proxies of its own in front of Lantern
(`TRUSTED_PROXY_COUNT`, default 0). With none, the address is `REMOTE_ADDR`, the
far end of the TCP connection, which a client cannot choose. With N proxies, each
appends the address it received the request from, so the client is the Nth entry
from the right; anything further left was typed by the client and is ignored.

An IPv6 client usually holds a whole /64 and can pick a fresh address from it for
every request, so IPv6 addresses count as their /64 (written as the network's first
address, which is still a valid IP address for the login lockout table).
"""

from __future__ import annotations

import ipaddress

from django.conf import settings

UNKNOWN_CLIENT = "unknown"
IPV6_PREFIX = 64


def _canonical(raw: str) -> str | None:
    try:
        address = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False).network_address)
    return str(address)


def client_address(request) -> str:
    """The address to count `request` against (see the module docstring). Accepts a
    Django HttpRequest or a DRF Request; never raises."""
    meta = getattr(request, "META", None) or {}
    remote = _canonical(meta.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        hops = [hop for hop in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if hop.strip()]
        if hops:
            forwarded = _canonical(hops[-min(proxies, len(hops))])
            if forwarded is not None:
                return forwarded
    return remote or UNKNOWN_CLIENT


def client_ip_for_login_lockout(request) -> str | None:
    """`client_address` for django-axes (AXES_CLIENT_IP_CALLABLE): its table stores an
    IP address, so "unknown" becomes None."""
    address = client_address(request)
    return None if address == UNKNOWN_CLIENT else address
