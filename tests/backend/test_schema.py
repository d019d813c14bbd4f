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


HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def operations(openapi: dict):
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def resolve(openapi: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize(
    "path,method,codes",
    [
        # Public search: bad query (400), a bad token (401), a page past the last (404); nothing to forbid.
        ("/api/groups/", "get", {"400", "401", "404"}),
        # Joining: bad body, bad token, a session login without CSRF, no such group, the caps.
        ("/api/groups/{slug}/join/", "post", {"400", "401", "403", "404", "429"}),
        ("/api/manage/groups/{id}/roster/", "get", {"400", "401", "403", "404"}),  # ?status=
        ("/api/manage/groups/{id}/roster/{enrollment_id}/", "patch", {"400", "401", "403", "404"}),
        ("/api/manage/organizations/{id}/audit/", "get", {"400", "401", "403", "404"}),
        # Logging in takes no credentials, so it cannot answer 401; failed logins are throttled.
        ("/api/auth/token/", "post", {"400", "429"}),
    ],
)
def test_operations_document_their_error_answers(openapi, path, method, codes):
    responses = openapi["paths"][path][method]["responses"]
    assert codes <= set(responses)
    for code in codes:
        assert responses[code]["description"]
        assert "application/json" in responses[code]["content"]
    assert not ({"400", "401", "403", "404", "429"} - codes) & set(responses)


def test_every_operation_documents_a_json_body_for_its_errors(openapi):
    missing = []
    for path, method, operation in operations(openapi):
        errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
        if path.startswith("/api/manage/") and not {"401", "403"} <= set(errors):
            missing.append((path, method, "401/403"))
        for code, response in errors.items():
            if "application/json" not in response.get("content", {}):
                missing.append((path, method, code))
    assert missing == []


def test_error_bodies_have_a_shape(openapi):
    error = openapi["components"]["schemas"]["Error"]
    assert error["required"] == ["detail"]
    join = openapi["paths"]["/api/groups/{slug}/join/"]["post"]["responses"]
    # The view's own words for its 429 are kept; the body shape is added.
    assert "daily cap" in join["429"]["description"]
    assert join["429"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
    assert join["400"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ValidationError"}


def test_request_bodies_are_json_only(openapi):
    media = {
        (path, method): sorted(operation["requestBody"]["content"])
        for path, method, operation in operations(openapi)
        if "requestBody" in operation
    }
    assert media
    assert {types for types in map(tuple, media.values())} == {("application/json",)}


def test_the_audit_log_schema_is_its_paginated_shape(openapi):
    operation = openapi["paths"]["/api/manage/organizations/{id}/audit/"]["get"]
    schema = resolve(openapi, operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"count", "next", "previous", "results"} <= set(schema["properties"])
    entry = resolve(openapi, schema["properties"]["results"]["items"])
    assert {"action", "actor_label", "created_at"} <= set(entry["properties"])
    assert {"page", "page_size"} <= {p["name"] for p in operation["parameters"]}


def test_search_parameters_carry_descriptions_and_choices(openapi):
    parameters = {p["name"]: p for p in openapi["paths"]["/api/groups/"]["get"]["parameters"]}
    undescribed = sorted(name for name, p in parameters.items() if not p.get("description"))
    assert undescribed == []
    for name in ("near", "day", "topic", "format", "time_of_day"):
        assert name in parameters
    assert "grief" in parameters["topic"]["schema"]["items"]["enum"]
    assert parameters["day"]["schema"]["items"]["enum"] == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    assert set(parameters["format"]["schema"]["enum"]) == {"in_person", "online", "hybrid"}
    assert parameters["time_of_day"]["schema"]["enum"] == ["morning", "afternoon", "evening"]


@pytest.mark.parametrize(
    "query,field,listed",
    [
        ({"topic": "sadness"}, "topic", "grief, spouse_loss, child_loss"),
        ({"day": "monday"}, "day", "mon, tue, wed"),
        ({"format": "zoom"}, "format", "in_person, online, hybrid"),
        ({"time_of_day": "noon"}, "time_of_day", "morning, afternoon, evening"),
    ],
)
def test_a_wrong_choice_lists_the_valid_ones(client, query, field, listed):
    response = client.get("/api/groups/", query)
    assert response.status_code == 400
    [message] = response.json()[field]
    assert f"Choose one of: {listed}" in message
