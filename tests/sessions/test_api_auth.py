"""Staff sign-in: throttled per client address on the admin and the API alike;
API tokens expire and can be revoked."""

from __future__ import annotations

import datetime as dt

import pytest
from axes.models import AccessAttempt
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from backend.authentication import TOKEN_EXPIRED
from sessions.api.auth import LOCKED_OUT
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
TOKEN_URL = "/api/auth/token/"
ORGS = "/api/manage/organizations/"
HERE = "198.51.100.20"


@pytest.fixture
def maria():
    user = UserFactory(username="maria")
    OrganizationFactory(admins=[user])
    return user


def sign_in(api_client, password=PASSWORD, ip=HERE):
    return api_client.post(TOKEN_URL, {"username": "maria", "password": password}, REMOTE_ADDR=ip)


def age(token: Token, days: int) -> None:
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - dt.timedelta(days=days))


# --- Expiry and revocation -------------------------------------------------------------------


def test_a_token_answers_with_its_expiry(api_client, maria):
    before = timezone.now()
    body = sign_in(api_client).json()
    expires = dt.datetime.fromisoformat(body["expires_at"])
    assert dt.timedelta(days=29, hours=23) < expires - before <= dt.timedelta(days=30, seconds=5)


def test_an_expired_token_is_refused_and_signing_in_again_issues_a_new_one(api_client, maria):
    old = Token.objects.create(user=maria)
    age(old, 30)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old.key}")
    refused = api_client.get(ORGS)
    assert refused.status_code == 401 and refused.json() == {"detail": TOKEN_EXPIRED}
    api_client.credentials()
    new_key = sign_in(api_client).json()["token"]
    assert new_key != old.key and not Token.objects.filter(key=old.key).exists()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {new_key}")
    assert api_client.get(ORGS).status_code == 200


def test_a_token_within_its_lifetime_is_reused(api_client, maria):
    token = Token.objects.create(user=maria)
    age(token, 29)
    assert sign_in(api_client).json()["token"] == token.key


@override_settings(STAFF_TOKEN_LIFETIME_DAYS=1)
def test_the_lifetime_is_a_setting(api_client, maria):
    token = Token.objects.create(user=maria)
    age(token, 2)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(ORGS).status_code == 401


def test_delete_revokes_the_callers_token_at_once(api_client, maria):
    key = sign_in(api_client).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api_client.delete(TOKEN_URL).status_code == 204
    assert api_client.get(ORGS).status_code == 401
    assert api_client.delete(TOKEN_URL).status_code == 401
    api_client.credentials()
    assert api_client.delete(TOKEN_URL).status_code == 401


def test_an_administrator_can_delete_anyones_token_in_the_admin(client, maria):
    token = Token.objects.create(user=maria)
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(root)
    listing = client.get("/admin/authtoken/tokenproxy/")
    assert listing.status_code == 200 and "maria" in listing.content.decode()
    response = client.post(f"/admin/authtoken/tokenproxy/{maria.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Token.objects.filter(key=token.key).exists()


# --- Lockout -----------------------------------------------------------------------------------


def test_failures_on_the_admin_and_the_api_count_together(client, api_client, maria):
    for n in range(5):
        client.post("/admin/login/", {"username": "maria", "password": f"guess{n}"}, REMOTE_ADDR=HERE)
    assert [sign_in(api_client, password=f"guess{n}").status_code for n in range(5)] == [400] * 4 + [429]
    locked = sign_in(api_client)
    assert locked.status_code == 429 and locked.json() == {"detail": LOCKED_OUT}
    assert not Token.objects.exists()
    # After the cool-off (STAFF_LOGIN_COOLOFF_HOURS, default 1) the address may try again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(hours=2))
    assert sign_in(api_client).status_code == 200


def test_signing_in_as_yourself_does_not_reset_the_count_of_guesses(api_client, maria):
    UserFactory(username="root")
    for n in range(9):
        api_client.post(TOKEN_URL, {"username": "root", "password": f"guess{n}"}, REMOTE_ADDR=HERE)
    assert sign_in(api_client).status_code == 200
    api_client.post(TOKEN_URL, {"username": "root", "password": "guess9"}, REMOTE_ADDR=HERE)
    assert api_client.post(TOKEN_URL, {"username": "root", "password": PASSWORD}, REMOTE_ADDR=HERE).status_code == 429
