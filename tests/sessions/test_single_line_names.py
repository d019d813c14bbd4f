"""Names and labels are one line of text: they end up in email subjects, calendar
titles and texts, where a newline could add a header or break the message. Refused
at input with a 400 naming the field, nothing saved."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sessions.models import SupportGroup
from sessions.validators import NOT_ONE_LINE, validate_single_line
from tests.factories import OrganizationFactory, SupportGroupFactory, UserFactory, VenueFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(username="single-line-admin")


@pytest.fixture
def organization(admin):
    return OrganizationFactory(admins=[admin])


@pytest.fixture
def as_admin(api_client, admin):
    api_client.force_authenticate(admin)
    return api_client


@pytest.mark.parametrize("value", ["Tuesday\nBcc: all@example.org", "Tue\r\ngroup", "Tue\tgroup", "Tue\x1bgroup"])
def test_a_group_label_with_a_control_character_is_refused(as_admin, organization, value):
    group = SupportGroupFactory(organization=organization, sms_label="Tuesday group")
    response = as_admin.patch(f"/api/manage/groups/{group.pk}/", {"sms_label": value})
    assert response.status_code == 400
    assert response.json() == {"sms_label": [NOT_ONE_LINE]}
    group.refresh_from_db()
    assert group.sms_label == "Tuesday group"


def test_a_new_group_named_on_two_lines_is_refused_and_not_saved(as_admin, organization):
    venue = VenueFactory(organization=organization, timezone="America/Chicago")
    body = {
        "organization": organization.pk,
        "name": "Tuesday\nGrief Circle",
        "topic": "grief",
        "format": "in_person",
        "venue": venue.pk,
        "sms_label": "Tuesday group",
    }
    response = as_admin.post("/api/manage/groups/", body)
    assert response.status_code == 400
    assert NOT_ONE_LINE in response.json()["name"]
    assert not SupportGroup.objects.filter(organization=organization).exists()


def test_a_venue_named_on_two_lines_is_refused(as_admin, organization):
    body = {"organization": organization.pk, "name": "Chapel\nRoom", "postal_code": "62701", "country": "US"}
    response = as_admin.post("/api/manage/venues/", body)
    assert response.status_code == 400
    assert NOT_ONE_LINE in response.json()["name"]


def test_a_joiner_named_on_two_lines_is_refused(api_client):
    group = SupportGroupFactory()
    response = api_client.post(
        f"/api/groups/{group.slug}/join/", {"display_name": "Ana\r\nBcc: x@example.org", "email": "ana@example.org"}
    )
    assert response.status_code == 400
    assert NOT_ONE_LINE in response.json()["display_name"]


def test_single_line_text_passes_and_unicode_letters_are_not_control_characters():
    validate_single_line("Café del Duelo – martes 19:00")
    with pytest.raises(ValidationError):
        validate_single_line("a\u0085b")  # NEL, a line break in Unicode
