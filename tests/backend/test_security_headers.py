"""Content-Security-Policy and the offline API docs."""

from __future__ import annotations

import re

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def _csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_response_carries_a_same_origin_policy(client):
    policy = _csp(client.get("/healthz"))
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    for sources in policy.values():
        for source in sources:
            # Keywords, nonces and data: images only: no third-party origin, no unsafe-inline.
            assert source.startswith("'") or source == "data:", source
            assert source != "'unsafe-inline'"


def test_api_docs_load_only_local_files_and_no_inline_script(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources and all(s.startswith("/") for s in sources), sources
    # Every <script> has a src: the start-up script is a file too.
    assert html.count("<script") == len(re.findall(r"<script src=", html))
    nonce = re.search(r'<style nonce="([^"]+)"', html).group(1)
    assert f"'nonce-{nonce}'" in _csp(response)["style-src"]
    for path in [s for s in sources if s.startswith(settings.STATIC_URL) or s.startswith("/static/")]:
        asset = client.get(path)
        assert asset.status_code == 200, path
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200 and script.headers["Content-Type"].startswith("application/javascript")
