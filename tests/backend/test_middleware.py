from __future__ import annotations

import pytest

from backend.middleware import BAD_CREDENTIALS
from tests.factories import FacilitatorFactory

pytestmark = pytest.mark.django_db


def test_token_with_a_nul_byte_is_a_400_not_a_database_error(client):
    response = client.get("/api/manage/groups/", HTTP_AUTHORIZATION="Token abc\x00def")
    assert response.status_code == 400
    assert response.json() == {"detail": BAD_CREDENTIALS}


def test_session_cookie_with_a_nul_byte_is_a_400(client):
    response = client.get("/api/manage/groups/", HTTP_COOKIE="sessionid=abc\x00def")
    assert response.status_code == 400


def test_ordinary_token_still_works(api_client):
    from rest_framework.authtoken.models import Token

    facilitator = FacilitatorFactory()
    token = Token.objects.create(user=facilitator.user)
    response = api_client.get("/api/manage/groups/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert response.status_code == 200
    assert [g["id"] for g in response.json()] == [facilitator.group_id]
