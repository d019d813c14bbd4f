from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle

from sessions.api.access import NOT_YOUR_ORGANIZATION
from sessions.api.manage import SUPERUSERS_ONLY
from sessions.models import AuditLog, Organization, Venue
from sessions.services.organizations import LAST_ADMIN, NOT_AN_ADMIN, USER_NOT_FOUND
from sessions.services.venues import VENUE_IN_USE
from tests.factories import OrganizationFactory, SupportGroupFactory, UserFactory, VenueFactory

ORGS = "/api/manage/organizations/"
VENUES = "/api/manage/venues/"


@pytest.fixture
def admin():
    return UserFactory(username="maria")


@pytest.fixture
def organization(admin):
    return OrganizationFactory(admins=[admin])


@pytest.fixture
def as_admin(api_client, admin):
    api_client.force_authenticate(admin)
    return api_client


# --- Tokens -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_token_login_and_token_auth(api_client):
    user = UserFactory(username="maria")
    OrganizationFactory(admins=[user], name="Prairie Hospice")
    response = api_client.post("/api/auth/token/", {"username": "maria", "password": "correct horse battery"})
    assert response.status_code == 200
    token = response.json()["token"]
    assert Token.objects.get(user=user).key == token
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert [o["name"] for o in api_client.get(ORGS).json()] == ["Prairie Hospice"]
    again = api_client.post("/api/auth/token/", {"username": "maria", "password": "correct horse battery"})
    assert again.json()["token"] == token


@pytest.mark.django_db
def test_wrong_password_is_a_400_and_no_token(api_client):
    UserFactory(username="maria")
    response = api_client.post("/api/auth/token/", {"username": "maria", "password": "guess"})
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
    assert not Token.objects.exists()


@pytest.mark.django_db
def test_failed_logins_are_throttled(api_client, monkeypatch):
    UserFactory(username="maria")
    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/min"})
    codes = [
        api_client.post("/api/auth/token/", {"username": "maria", "password": f"guess{i}"}).status_code
        for i in range(4)
    ]
    assert codes == [400, 400, 400, 429]
    # Even the right password waits now.
    right = api_client.post("/api/auth/token/", {"username": "maria", "password": "correct horse battery"})
    assert right.status_code == 429
    cache.clear()


@pytest.mark.django_db
def test_invalid_token_is_401(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert api_client.get(ORGS).status_code == 401


# --- Organizations ----------------------------------------------------------------------


@pytest.mark.django_db
def test_superuser_creates_an_organization(api_client):
    root = UserFactory(is_superuser=True, is_staff=True)
    api_client.force_authenticate(root)
    response = api_client.post(
        ORGS, {"name": "Prairie Hospice", "slug": "prairie-hospice", "contact_phone": "+12175550100"}, format="json"
    )
    assert response.status_code == 201
    assert Organization.objects.get(slug="prairie-hospice").name == "Prairie Hospice"
    duplicate = api_client.post(ORGS, {"name": "Again", "slug": "prairie-hospice"}, format="json")
    assert duplicate.status_code == 400 and "slug" in duplicate.json()
    bad_phone = api_client.post(ORGS, {"name": "X", "slug": "x", "contact_phone": "12"}, format="json")
    assert bad_phone.status_code == 400 and "contact_phone" in bad_phone.json()


@pytest.mark.django_db
def test_an_organization_without_a_slug_gets_one_from_its_name(api_client):
    api_client.force_authenticate(UserFactory(is_superuser=True, is_staff=True))
    first = api_client.post(ORGS, {"name": "St. Luke's Hospice & Care"}, format="json")
    assert first.status_code == 201, first.json()
    assert first.json()["slug"] == "st-lukes-hospice-care"
    # The same name again is numbered, as groups are, instead of a 400.
    second = api_client.post(ORGS, {"name": "St. Luke's Hospice & Care"}, format="json")
    assert second.status_code == 201 and second.json()["slug"] == "st-lukes-hospice-care-2"
    assert Organization.objects.filter(name="St. Luke's Hospice & Care").count() == 2


@pytest.mark.django_db
def test_admins_cannot_create_organizations(as_admin):
    response = as_admin.post(ORGS, {"name": "Mine", "slug": "mine"}, format="json")
    assert response.status_code == 403 and response.json() == {"detail": SUPERUSERS_ONLY}


@pytest.mark.django_db
def test_admin_sees_and_edits_only_their_organizations(as_admin, organization):
    other = OrganizationFactory()
    assert [o["id"] for o in as_admin.get(ORGS).json()] == [organization.pk]
    response = as_admin.patch(f"{ORGS}{organization.pk}/", {"website": "https://prairie.example.org"}, format="json")
    assert response.status_code == 200 and response.json()["website"] == "https://prairie.example.org"
    assert as_admin.get(f"{ORGS}{other.pk}/").status_code == 403
    response = as_admin.patch(f"{ORGS}{other.pk}/", {"name": "Taken"}, format="json")
    assert response.status_code == 403 and response.json() == {"detail": NOT_YOUR_ORGANIZATION}
    other.refresh_from_db()
    assert other.name != "Taken"


@pytest.mark.django_db
def test_admins_are_added_and_removed_by_username(as_admin, organization):
    UserFactory(username="joan")
    url = f"{ORGS}{organization.pk}/admins/"
    assert as_admin.post(url, {"username": "joan"}, format="json").status_code == 201
    assert [a["username"] for a in as_admin.get(url).json()] == ["joan", "maria"]
    assert as_admin.delete(f"{url}joan/").status_code == 204
    assert list(organization.admins.values_list("username", flat=True)) == ["maria"]
    assert AuditLog.objects.filter(action="organization.admin_add").count() == 1
    assert AuditLog.objects.filter(action="organization.admin_remove").count() == 1


@pytest.mark.django_db
def test_admin_errors_name_the_field(as_admin, organization):
    url = f"{ORGS}{organization.pk}/admins/"
    response = as_admin.post(url, {"username": "ghost"}, format="json")
    assert response.json() == {"username": [USER_NOT_FOUND % {"username": "ghost"}]}
    response = as_admin.delete(f"{url}ghost/")
    assert response.status_code == 400
    assert response.json() == {"username": [NOT_AN_ADMIN % {"username": "ghost"}]}
    response = as_admin.delete(f"{url}maria/")
    assert response.status_code == 400 and response.json() == {"username": [LAST_ADMIN]}
    assert organization.admins.filter(username="maria").exists()


# --- Venues -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_creates_a_venue_with_coordinates_and_gets_its_time_zone(as_admin, organization):
    body = {
        "organization": organization.pk,
        "name": "Chapel Room",
        "city": "Denver",
        "country": "US",
        "latitude": 39.74,
        "longitude": -104.99,
    }
    response = as_admin.post(VENUES, body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["timezone"] == "America/Denver"
    assert response.json()["location_approximate"] is False
    assert AuditLog.objects.filter(action="venue.create", organization=organization).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides,field",
    [({"latitude": 91, "longitude": 0}, "latitude"), ({"latitude": 0, "longitude": 200}, "longitude")],
)
def test_bad_coordinates_are_400s(as_admin, organization, overrides, field):
    body = {"organization": organization.pk, "name": "X", "city": "Y", "country": "US", **overrides}
    response = as_admin.post(VENUES, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Venue.objects.exists()


@pytest.mark.django_db
def test_venues_are_listed_and_edited_only_within_the_callers_organizations(as_admin, organization):
    mine = VenueFactory(organization=organization, name="Mine")
    theirs = VenueFactory(name="Theirs")
    assert [v["name"] for v in as_admin.get(VENUES).json()] == ["Mine"]
    assert as_admin.get(f"{VENUES}{theirs.pk}/").status_code == 403
    assert as_admin.patch(f"{VENUES}{theirs.pk}/", {"name": "Taken"}, format="json").status_code == 403
    assert as_admin.delete(f"{VENUES}{theirs.pk}/").status_code == 403
    response = as_admin.patch(f"{VENUES}{mine.pk}/", {"accessibility_notes": "Ramp at the side door"}, format="json")
    assert response.status_code == 200 and response.json()["accessibility_notes"] == "Ramp at the side door"
    create = as_admin.post(
        VENUES,
        {
            "organization": theirs.organization_id,
            "name": "X",
            "city": "Y",
            "country": "US",
            "latitude": 1,
            "longitude": 1,
        },
        format="json",
    )
    assert create.status_code == 403


@pytest.mark.django_db
def test_a_venue_in_use_cannot_be_deleted(as_admin, organization):
    venue = VenueFactory(organization=organization)
    SupportGroupFactory(organization=organization, venue=venue)
    response = as_admin.delete(f"{VENUES}{venue.pk}/")
    assert response.status_code == 400 and response.json() == {"venue": [VENUE_IN_USE]}
    spare = VenueFactory(organization=organization)
    assert as_admin.delete(f"{VENUES}{spare.pk}/").status_code == 204
    assert not Venue.objects.filter(pk=spare.pk).exists()


@pytest.mark.django_db
def test_superusers_see_every_organization_and_roster(api_client):
    root = UserFactory(is_superuser=True, is_staff=True)
    first, second = OrganizationFactory(), OrganizationFactory()
    group = SupportGroupFactory(organization=second)
    api_client.force_authenticate(root)
    assert {o["id"] for o in api_client.get(ORGS).json()} == {first.pk, second.pk}
    assert api_client.get(f"/api/manage/groups/{group.pk}/roster/").status_code == 200
    assert api_client.get(f"{ORGS}{second.pk}/audit/").status_code == 200


@pytest.mark.django_db
def test_session_login_works_for_the_browsable_api(client):
    user = UserFactory(username="maria")
    OrganizationFactory(admins=[user], name="Prairie Hospice")
    # django-axes counts sign-ins per client address, so authenticate() needs the request.
    login_request = RequestFactory().post("/admin/login/", REMOTE_ADDR="203.0.113.5")
    assert client.login(request=login_request, username="maria", password="correct horse battery")
    response = client.get(ORGS, HTTP_ACCEPT="application/json")
    assert response.status_code == 200 and [o["name"] for o in response.json()] == ["Prairie Hospice"]


@pytest.mark.django_db
def test_organization_and_venue_lists_query_count_does_not_grow(api_client, django_assert_max_num_queries):
    admin = UserFactory()
    for _ in range(6):
        organization = OrganizationFactory(admins=[admin, UserFactory()])
        VenueFactory(organization=organization)
    api_client.force_authenticate(admin)
    with django_assert_max_num_queries(3):
        organizations = api_client.get(ORGS).json()
    with django_assert_max_num_queries(2):
        venues = api_client.get(VENUES).json()
    assert len(organizations) == 6 and all(len(row["admins"]) == 2 for row in organizations)
    assert len(venues) == 6
