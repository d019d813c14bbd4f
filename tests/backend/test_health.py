from __future__ import annotations

import socket

import pytest

from backend.health import GAZETTEER_EMPTY
from sessions.models import Place

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_healthz_reports_database_broker_and_gazetteer(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    Place.objects.create(
        kind="postal_code", key="62701", name="Springfield", country="US", latitude=39.8, longitude=-89.6
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "gazetteer": "ok"}


def test_healthz_is_degraded_when_the_gazetteer_was_never_loaded(client, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    # Still serving (a probe must not take the site down), but it says what is missing.
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "ok", "gazetteer": GAZETTEER_EMPTY}


def test_healthz_is_503_when_the_broker_is_down(client, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["database"] == "ok"
    assert body["broker"] != "ok"
