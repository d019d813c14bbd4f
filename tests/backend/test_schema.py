from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_openapi_schema_is_served(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "Lantern API"
    # Public and management endpoints are both described, not just an empty shell.
    assert {"/api/groups/", "/api/groups/{slug}/join/", "/api/manage/groups/{id}/roster/"} <= set(schema["paths"])


def test_browsable_docs_page_is_served(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"swagger" in response.content.lower()
