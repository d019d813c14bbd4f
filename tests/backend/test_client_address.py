from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from rest_framework.throttling import ScopedRateThrottle

from backend.client_address import UNKNOWN_CLIENT, client_address, client_ip_for_login_lockout
from tests.factories import UserFactory

factory = RequestFactory()


def request(remote: str | None = "198.51.100.7", forwarded: str | None = None):
    meta = {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    req = factory.get("/", **meta)
    if remote is None:
        del req.META["REMOTE_ADDR"]
    else:
        req.META["REMOTE_ADDR"] = remote
    return req


def test_without_named_proxies_x_forwarded_for_is_ignored():
    assert client_address(request(forwarded="203.0.113.1")) == "198.51.100.7"
    assert client_address(request(forwarded="203.0.113.1, 203.0.113.2")) == "198.51.100.7"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_with_one_proxy_the_address_it_appended_is_the_client():
    # The client typed "203.0.113.1"; our proxy appended the address it saw.
    assert client_address(request(remote="10.0.0.2", forwarded="203.0.113.1, 192.0.2.44")) == "192.0.2.44"
    assert client_address(request(remote="10.0.0.2", forwarded="192.0.2.44")) == "192.0.2.44"


@override_settings(TRUSTED_PROXY_COUNT=2)
def test_with_two_proxies_the_second_entry_from_the_right_is_the_client():
    forwarded = "203.0.113.1, 192.0.2.44, 10.0.0.3"
    assert client_address(request(remote="10.0.0.2", forwarded=forwarded)) == "192.0.2.44"


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_a_missing_or_garbled_header_falls_back_to_the_connection():
    assert client_address(request(remote="10.0.0.2")) == "10.0.0.2"
    assert client_address(request(remote="10.0.0.2", forwarded="not-an-ip")) == "10.0.0.2"


def test_ipv6_clients_count_as_their_slash_64():
    a = client_address(request(remote="2001:db8:1:2::1"))
    b = client_address(request(remote="2001:db8:1:2:ffff:eeee:dddd:cccc"))
    assert a == b == "2001:db8:1:2::"
    assert client_address(request(remote="2001:db8:1:3::1")) != a
    assert client_address(request(remote="::ffff:192.0.2.5")) == "192.0.2.5"


def test_no_address_at_all_is_unknown_and_none_for_the_lockout_table():
    assert client_address(request(remote=None)) == UNKNOWN_CLIENT
    assert client_ip_for_login_lockout(request(remote=None)) is None
    assert client_ip_for_login_lockout(request()) == "198.51.100.7"


@pytest.mark.django_db
def test_the_login_throttle_ignores_forged_x_forwarded_for(api_client, monkeypatch, settings):
    settings.AXES_ENABLED = False  # the rate throttle alone, without the lockout
    UserFactory(username="maria")
    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    codes = [
        api_client.post(
            "/api/auth/token/",
            {"username": "maria", "password": f"guess{n}"},
            REMOTE_ADDR="198.51.100.66",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        ).status_code
        for n in range(5)
    ]
    cache.clear()
    assert codes == [400, 400, 400, 429, 429]


def test_drf_num_proxies_follows_the_setting():
    from django.conf import settings

    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == settings.TRUSTED_PROXY_COUNT == 0
