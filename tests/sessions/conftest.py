from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def openapi(django_db_blocker) -> dict:
    """/api/schema/ as a client sees it, built once for every schema test."""
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()
