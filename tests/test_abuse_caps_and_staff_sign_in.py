"""The abuse-cap and staff sign-in findings of the trust-and-safety review, replayed
over HTTP as the reviewer did them: a forged X-Forwarded-For, SMS pumping through a
member's own link, an unthrottled admin login, tokens in logs, tokens that never
expire, and a venue-existence oracle."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.authtoken.models import Token

from sessions.models import Member, SupportGroup
from tests.factories import MemberFactory, OrganizationFactory, SupportGroupFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery"
ATTACKER = "198.51.100.66"


def forged(n: int) -> str:
    return f"203.0.113.{n % 250}, 192.0.2.{n % 250}"


# --- Spoofable client address ----------------------------------------------------------


def test_sixty_wrong_passwords_with_forged_addresses_then_the_right_one_gets_no_token(api_client):
    UserFactory(username="maria")
    for n in range(60):
        api_client.post(
            "/api/auth/token/",
            {"username": "maria", "password": f"guess{n}"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=forged(n),
        )
    right = api_client.post(
        "/api/auth/token/",
        {"username": "maria", "password": PASSWORD},
        REMOTE_ADDR=ATTACKER,
        HTTP_X_FORWARDED_FOR="192.0.2.200",
    )
    assert right.status_code == 429
    assert "token" not in right.json()
    assert not Token.objects.exists()
    # Someone else, at another address, still signs in.
    other = api_client.post("/api/auth/token/", {"username": "maria", "password": PASSWORD}, REMOTE_ADDR="192.0.2.9")
    assert other.status_code == 200 and other.json()["token"]


@override_settings(SEND_CAP_PER_CLIENT=3, SEND_CAP_GLOBAL=10)
def test_rotating_x_forwarded_for_cannot_exhaust_the_global_cap(api_client):
    group = SupportGroupFactory()
    codes = [
        api_client.post(
            f"/api/groups/{group.slug}/join/",
            {"display_name": f"P{n}", "phone": f"+1217555{n + 600:04d}", "sms_reminders": True},
            format="json",
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=forged(n),
        ).status_code
        for n in range(12)
    ]
    assert codes == [202] * 3 + [429] * 9
    assert Member.objects.count() == 3
    # A real person at another address is still welcome.
    real = api_client.post(
        f"/api/groups/{group.slug}/join/",
        {"display_name": "Ana", "phone": "+12175550142", "sms_reminders": True},
        format="json",
        REMOTE_ADDR="192.0.2.10",
    )
    assert real.status_code == 202


# --- SMS pumping through PATCH /api/me/{token}/ ------------------------------------------


def test_phone_changes_through_a_members_link_stop_at_a_cap_and_save_nothing(api_client):
    # A proven email keeps the link working while each new number waits for its YES.
    member = MemberFactory(phone="+12175550142", email="ana@example.org", sms_reminders=True, sms_consent="confirmed")
    url = f"/api/me/{member.token}/"
    codes = [
        api_client.patch(
            url, {"phone": f"+1217555{n + 700:04d}"}, format="json", REMOTE_ADDR=f"192.0.2.{n}"
        ).status_code
        for n in range(8)
    ]
    # Five "Reply YES" texts a day for one member (SEND_CAP_PER_MEMBER), from any address.
    assert codes == [200] * 5 + [429] * 3
    member.refresh_from_db()
    assert member.phone == "+12175550704"


@pytest.mark.parametrize(
    "number",
    [
        "+449090123456",  # UK premium rate
        "+448712345678",  # UK shared cost
        "+881612345678",  # Iridium satellite
        "+18005551234",  # US toll free
        "+445612345678",  # UK VoIP
        "+18765551234",  # Jamaica: +1, but not an allowed country
        "+4917612345678",  # a German mobile: not an allowed country by default
    ],
)
def test_numbers_that_cannot_or_should_not_receive_texts_are_a_400_naming_the_phone(api_client, number):
    member = MemberFactory(phone="+12175550142", sms_reminders=True, sms_consent="confirmed")
    response = api_client.patch(f"/api/me/{member.token}/", {"phone": number}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["phone"]
    member.refresh_from_db()
    assert member.phone == "+12175550142" and member.sms_consent == "confirmed"


# --- Admin login ---------------------------------------------------------------------------


def test_admin_login_is_throttled_even_for_the_right_password(client):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    for n in range(12):
        client.post(
            "/admin/login/",
            {"username": "root", "password": f"guess{n}"},
            REMOTE_ADDR=ATTACKER,
            HTTP_X_FORWARDED_FOR=forged(n),
        )
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "root", "password": PASSWORD}, REMOTE_ADDR=ATTACKER
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/", REMOTE_ADDR=ATTACKER).status_code == 302  # still sent to the login page


# --- Smaller findings ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/me//{token}/",
        "/api/me/{token}/groups/x/leave/",
        "/me/{token}/",
        "/api/join-requests/{token}/",
        "/api/ME/{token}/",
    ],
)
def test_tokens_in_any_path_shape_stay_out_of_request_logs(client, caplog, path):
    member = MemberFactory()
    with caplog.at_level(logging.INFO):
        client.delete(path.format(token=member.token))
    lines = [record.getMessage() for record in caplog.records]
    assert lines, "the request should have been logged"
    assert not any(member.token in line for line in lines), lines


def test_staff_api_tokens_expire(api_client):
    user = UserFactory(username="maria")
    OrganizationFactory(admins=[user])
    token = Token.objects.create(user=user)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - dt.timedelta(days=31))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get("/api/manage/organizations/").status_code == 401


def test_another_organizations_venue_id_answers_like_an_unknown_id(api_client):
    admin = UserFactory()
    organization = OrganizationFactory(admins=[admin])
    api_client.force_authenticate(admin)
    elsewhere = VenueFactory()  # another organization's venue

    def create_at(venue_id: int):
        body = {"organization": organization.pk, "name": "Circle", "topic": "grief", "format": "in_person"}
        response = api_client.post("/api/manage/groups/", {**body, "venue": venue_id}, format="json")
        return response.status_code, response.json()["venue"][0].replace(str(venue_id), "ID")

    assert create_at(elsewhere.pk) == create_at(elsewhere.pk + 1000)
    assert not SupportGroup.objects.exists()
