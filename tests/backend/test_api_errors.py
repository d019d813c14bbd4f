"""Errors under /api/ are JSON `{"detail": …}` with the right status, never a 500
for bad input; pages outside /api/ keep Django's own error pages."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from rest_framework.authtoken.models import Token

from backend.api_errors import BAD_REQUEST, NOT_FOUND, SERVER_ERROR
from backend.parsers import JSON_TOO_DEEP, MAX_JSON_DEPTH, json_depth_exceeds
from tests.factories import OrganizationFactory, SupportGroupFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client():
    return Client(raise_request_exception=False)


def test_the_group_search_opens_in_a_browser(client):
    response = client.get("/api/groups/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def deeply_nested(levels: int) -> str:
    return "[" * levels + "]" * levels


@pytest.mark.parametrize("body", [deeply_nested(1000), '{"a":' * 1000 + "1" + "}" * 1000])
def test_a_json_body_nested_a_thousand_levels_is_a_400(client, body):
    response = client.post("/api/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": JSON_TOO_DEEP}


def test_deep_json_is_refused_on_an_authenticated_endpoint_too(client):
    user = UserFactory()
    organization = OrganizationFactory(admins=[user])
    group = SupportGroupFactory(organization=organization)
    token = Token.objects.create(user=user).key
    response = client.post(
        f"/api/manage/groups/{group.pk}/messages/",
        json.dumps({"body": json.loads(deeply_nested(MAX_JSON_DEPTH + 1))}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {token}",
    )
    assert response.status_code == 400
    assert response.json() == {"detail": JSON_TOO_DEEP}


def test_depth_is_counted_in_lists_and_objects():
    assert not json_depth_exceeds({"a": [1, {"b": []}]}, 4)
    assert json_depth_exceeds({"a": [1, {"b": []}]}, 3)
    assert not json_depth_exceeds("a string", 0)


def test_form_encoded_bodies_are_refused_as_unsupported(client):
    response = client.post(
        "/api/auth/token/", "username=a&password=b", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert "detail" in response.json()


@pytest.mark.parametrize("version", ["\n", "1\r\nX-Injected: yes", "v2"])
def test_the_schema_ignores_a_version_parameter(client, version):
    response = client.get("/api/schema/", {"version": version})
    assert response.status_code == 200
    assert "\n" not in response["Content-Disposition"]
    assert "X-Injected" not in response


def test_an_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": NOT_FOUND}


def test_an_unknown_path_outside_the_api_keeps_djangos_page(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_an_unhandled_error_in_an_api_view_is_a_json_500(client, monkeypatch):
    def boom():
        raise RuntimeError("a bug")

    monkeypatch.setattr("sessions.api.public.meeting_guide_feed", boom)
    response = client.get("/api/feeds/meeting-guide.json")
    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": SERVER_ERROR}
    assert "a bug" not in response.content.decode()


def test_an_unhandled_error_outside_the_api_keeps_djangos_page(client, monkeypatch):
    def boom():
        raise RuntimeError("a bug")

    monkeypatch.setattr("backend.health._broker_ok", boom)
    response = client.get("/healthz")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")


def test_no_api_page_fails_in_a_browser(client, openapi):
    user = UserFactory()
    organization = OrganizationFactory(admins=[user])
    group = SupportGroupFactory(organization=organization)
    client.force_login(user)
    failures = []
    for path, item in openapi["paths"].items():
        if "get" not in item:
            continue
        url = re.sub(r"\{(id|group_id)\}", str(group.pk), path)
        url = re.sub(r"\{slug\}", group.slug, url)
        url = re.sub(r"\{[^}]+\}", "1", url)
        response = client.get(url, HTTP_ACCEPT="text/html")
        if response.status_code >= 500:
            failures.append((url, response.status_code))
    assert failures == []


def test_a_request_django_refuses_is_a_json_400_under_the_api(client):
    # An unknown Host is a SuspiciousOperation, answered by the 400 handler.
    api = client.get("/api/groups/", HTTP_HOST="attacker.example")
    assert api.status_code == 400
    assert api.json() == {"detail": BAD_REQUEST}
    page = client.get("/admin/login/", HTTP_HOST="attacker.example")
    assert page.status_code == 400
    assert page["Content-Type"].startswith("text/html")
