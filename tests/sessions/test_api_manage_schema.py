from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/auth/token/",
    "/api/manage/organizations/",
    "/api/manage/organizations/{id}/",
    "/api/manage/organizations/{id}/admins/",
    "/api/manage/organizations/{id}/admins/{username}/",
    "/api/manage/organizations/{id}/audit/",
    "/api/manage/venues/",
    "/api/manage/venues/{id}/",
    "/api/manage/groups/",
    "/api/manage/groups/{id}/",
    "/api/manage/groups/{id}/facilitators/",
    "/api/manage/groups/{id}/facilitators/{username}/",
    "/api/manage/groups/{id}/roster/",
    "/api/manage/groups/{id}/roster/{enrollment_id}/",
    "/api/manage/groups/{id}/roster.csv",
    "/api/me/{token}/",
    "/api/me/{token}/groups/{group_slug}/leave/",
    "/api/me/{token}/rotate/",
]


@pytest.mark.parametrize("path", PATHS)
def test_endpoint_is_in_the_openapi_schema(openapi, path):
    assert path in openapi["paths"]


def _examples(operation: dict) -> list:
    found = []
    for part in [operation.get("requestBody", {})] + list(operation.get("responses", {}).values()):
        for media in part.get("content", {}).values():
            found += list(media.get("examples", {}))
    return found


@pytest.mark.parametrize(
    "path,method",
    [
        ("/api/auth/token/", "post"),
        ("/api/manage/groups/", "post"),
        ("/api/manage/groups/{id}/roster/", "get"),
        ("/api/manage/groups/{id}/roster/", "post"),
        ("/api/manage/groups/{id}/roster/{enrollment_id}/", "patch"),
        ("/api/manage/organizations/{id}/audit/", "get"),
        ("/api/manage/venues/", "post"),
        ("/api/me/{token}/", "get"),
        ("/api/me/{token}/", "patch"),
    ],
)
def test_main_operations_carry_examples(openapi, path, method):
    assert _examples(openapi["paths"][path][method])


def test_roster_entry_schema_names_the_contact_fields(openapi):
    component = openapi["components"]["schemas"]["ManagedRosterEntry"]
    assert {"phone", "email", "sms_consent", "status", "waitlist_position", "joined", "notes"} <= set(
        component["properties"]
    )


def test_date_range_help_names_the_longest_range(openapi):
    from sessions.api.serializers_schedule import MAX_RANGE_DAYS

    [start] = [
        p
        for p in openapi["paths"]["/api/manage/groups/{group_id}/sessions/"]["get"]["parameters"]
        if p["name"] == "from"
    ]
    assert f"At most {MAX_RANGE_DAYS} days" in start["description"]
    assert "{" not in start["description"]
