from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from sessions.api.access import NOT_YOUR_ORGANIZATION
from sessions.api.manage import ADMINS_ONLY, NOT_LEAD
from sessions.models import AuditLog, Enrollment, Facilitator, SupportGroup
from sessions.services.enrollment import enrollment_join
from sessions.services.groups import (
    CONFERENCE_URL_REQUIRED,
    NOT_A_FACILITATOR,
    TIMEZONE_REQUIRED,
    USER_NOT_FOUND,
    VENUE_OTHER_ORGANIZATION,
    VENUE_REQUIRED,
)
from sessions.validators import INVALID_OFFSETS
from tests.factories import (
    FacilitatorFactory,
    MemberFactory,
    OrganizationFactory,
    SupportGroupFactory,
    UserFactory,
    VenueFactory,
)

GROUPS = "/api/manage/groups/"


@pytest.fixture
def admin():
    return UserFactory(username="maria")


@pytest.fixture
def organization(admin):
    return OrganizationFactory(admins=[admin])


@pytest.fixture
def venue(organization):
    return VenueFactory(organization=organization, timezone="America/Chicago")


@pytest.fixture
def as_admin(api_client, admin):
    api_client.force_authenticate(admin)
    return api_client


def new_group(organization, at=None, **overrides) -> dict:
    body = {
        "organization": organization.pk,
        "name": "Tuesday Grief Circle",
        "topic": "grief",
        "format": "in_person",
        "venue": at.pk if at else None,
        "capacity": 12,
        "sms_label": "Tuesday group",
    }
    body.update(overrides)
    return body


# --- Create -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_creates_a_group_with_the_venue_time_zone_and_a_slug(as_admin, organization, venue, admin):
    response = as_admin.post(GROUPS, new_group(organization, venue), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["timezone"] == "America/Chicago"
    assert body["slug"] == "tuesday-grief-circle"
    assert body["reminder_offsets"] == [1440, 120]
    group = SupportGroup.objects.get(pk=body["id"])
    assert group.organization == organization
    assert AuditLog.objects.get(action="group.create").actor == admin
    second = as_admin.post(GROUPS, new_group(organization, venue), format="json")
    assert second.json()["slug"] == "tuesday-grief-circle-2"


@pytest.mark.django_db
def test_an_unlisted_groups_slug_cannot_be_derived_from_its_name(as_admin, organization, venue):
    """An unlisted group's page was reachable by guessing the slug from its name."""
    slugs = set()
    for _ in range(2):
        response = as_admin.post(GROUPS, new_group(organization, venue, listed=False), format="json")
        assert response.status_code == 201, response.json()
        slugs.add(response.json()["slug"])
    assert len(slugs) == 2
    for slug in slugs:
        assert re.fullmatch(r"tuesday-grief-circle-[a-z2-9]{8}", slug), slug
    assert APIClient().get("/api/groups/tuesday-grief-circle/").status_code == 404
    # A slug given by the admin is kept readable at the front, random at the end.
    given = as_admin.post(GROUPS, new_group(organization, venue, listed=False, slug="widows"), format="json")
    assert re.fullmatch(r"widows-[a-z2-9]{8}", given.json()["slug"])


@pytest.mark.django_db
def test_unlisting_a_group_gives_it_a_new_unguessable_slug(as_admin, organization, venue):
    created = as_admin.post(GROUPS, new_group(organization, venue), format="json").json()
    response = as_admin.patch(f"{GROUPS}{created['id']}/", {"listed": False}, format="json")
    assert response.status_code == 200
    assert response.json()["slug"].startswith("tuesday-grief-circle-") and response.json()["slug"] != created["slug"]
    assert APIClient().get(f"/api/groups/{created['slug']}/").status_code == 404


@pytest.mark.django_db
def test_online_group_takes_its_own_time_zone(as_admin, organization):
    body = new_group(organization, format="online", conference_url="https://meet.example.org/abc", timezone="UTC")
    response = as_admin.post(GROUPS, body, format="json")
    assert response.status_code == 201
    assert response.json()["timezone"] == "UTC"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides,errors",
    [
        ({"format": "in_person", "venue": None}, {"venue": [VENUE_REQUIRED]}),
        ({"format": "online", "venue": None, "timezone": "UTC"}, {"conference_url": [CONFERENCE_URL_REQUIRED]}),
        ({"format": "hybrid", "venue": None}, {"venue": [VENUE_REQUIRED], "conference_url": [CONFERENCE_URL_REQUIRED]}),
        (
            {"format": "online", "venue": None, "conference_url": "https://meet.example.org/x"},
            {"timezone": [TIMEZONE_REQUIRED]},
        ),
        ({"reminder_offsets": [1]}, {"reminder_offsets": [INVALID_OFFSETS]}),
        ({"reminder_offsets": "soon"}, {"reminder_offsets": [INVALID_OFFSETS]}),
        ({"topic": "astrology"}, {"topic": ['"astrology" is not a valid choice.']}),
        (
            {"timezone": "Mars/Base"},
            {"timezone": ["Unknown time zone 'Mars/Base': use an IANA name such as America/Chicago."]},
        ),
        ({"capacity": -1}, {"capacity": ["Ensure this value is greater than or equal to 0."]}),
    ],
)
def test_invalid_groups_are_400s_naming_the_field(as_admin, organization, venue, overrides, errors):
    response = as_admin.post(GROUPS, new_group(organization, venue, **overrides), format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not SupportGroup.objects.exists()


@pytest.mark.django_db
def test_a_venue_of_another_organization_is_answered_as_a_venue_that_does_not_exist(as_admin, organization):
    foreign = VenueFactory()
    missing_id = foreign.pk + 1000
    foreign_answer = as_admin.post(GROUPS, new_group(organization, foreign), format="json")
    missing_answer = as_admin.post(GROUPS, new_group(organization, venue=missing_id), format="json")
    assert foreign_answer.status_code == missing_answer.status_code == 400
    # The same words but for the id itself: nothing says the venue exists elsewhere.
    assert foreign_answer.json() == {"venue": [f'Invalid pk "{foreign.pk}" - object does not exist.']}
    assert missing_answer.json() == {"venue": [f'Invalid pk "{missing_id}" - object does not exist.']}
    assert not SupportGroup.objects.exists()


@pytest.mark.django_db
def test_a_venue_of_another_organization_the_caller_also_administers_is_refused_by_the_rule(as_admin, admin):
    # Both venues are the caller's to see, so the rule itself may be stated.
    own, other = OrganizationFactory(admins=[admin]), OrganizationFactory(admins=[admin])
    response = as_admin.post(GROUPS, new_group(own, VenueFactory(organization=other)), format="json")
    assert response.status_code == 400
    assert response.json() == {"venue": [VENUE_OTHER_ORGANIZATION]}


@pytest.mark.django_db
def test_facilitators_and_other_admins_cannot_create_groups_for_an_organization(api_client, organization, venue):
    lead = FacilitatorFactory(group=SupportGroupFactory(organization=organization)).user
    other_admin = UserFactory()
    OrganizationFactory(admins=[other_admin])
    for user in (lead, other_admin):
        api_client.force_authenticate(user)
        response = api_client.post(GROUPS, new_group(organization, venue), format="json")
        assert response.status_code == 403
        assert response.json() == {"detail": NOT_YOUR_ORGANIZATION}
    assert SupportGroup.objects.count() == 1


# --- List, retrieve, update, delete -----------------------------------------------------


@pytest.mark.django_db
def test_list_shows_only_groups_the_caller_administers_or_facilitates(api_client, organization):
    mine = SupportGroupFactory(organization=organization, name="A")
    SupportGroupFactory(organization=organization, name="B")
    SupportGroupFactory(name="C")
    facilitator = FacilitatorFactory(group=mine, role="co").user
    api_client.force_authenticate(facilitator)
    assert [g["name"] for g in api_client.get(GROUPS).json()] == ["A"]
    api_client.force_authenticate(organization.admins.get())
    assert [g["name"] for g in api_client.get(GROUPS).json()] == ["A", "B"]


@pytest.mark.django_db
def test_group_detail_lists_its_facilitators(as_admin, organization):
    group = SupportGroupFactory(organization=organization)
    FacilitatorFactory(group=group, user=UserFactory(username="dev"), role="co")
    body = as_admin.get(f"{GROUPS}{group.pk}/").json()
    assert [(f["username"], f["role"]) for f in body["facilitators"]] == [("dev", "co")]


@pytest.mark.django_db
def test_lead_raises_capacity_and_the_waitlist_moves_up(api_client, organization):
    group = SupportGroupFactory(organization=organization, capacity=1)
    lead = FacilitatorFactory(group=group, role="lead").user
    enrollments = [
        enrollment_join(group=group, member=MemberFactory(organization=group.organization))[0] for _ in range(3)
    ]
    api_client.force_authenticate(lead)
    response = api_client.patch(f"{GROUPS}{group.pk}/", {"capacity": 2}, format="json")
    assert response.status_code == 200 and response.json()["capacity"] == 2
    assert list(Enrollment.objects.filter(group=group).order_by("id").values_list("status", flat=True)) == [
        "active",
        "active",
        "waitlisted",
    ]
    assert enrollments[1].events.last().reason == "promote"


@pytest.mark.django_db
def test_organization_cannot_be_changed_and_format_rules_apply_on_update(as_admin, organization):
    group = SupportGroupFactory(organization=organization)
    other = OrganizationFactory()
    response = as_admin.patch(f"{GROUPS}{group.pk}/", {"organization": other.pk}, format="json")
    assert response.status_code == 200
    group.refresh_from_db()
    assert group.organization == organization
    response = as_admin.patch(f"{GROUPS}{group.pk}/", {"format": "hybrid"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"conference_url": [CONFERENCE_URL_REQUIRED]}


@pytest.mark.django_db
def test_changing_the_venue_brings_its_time_zone(as_admin, organization):
    group = SupportGroupFactory(organization=organization)
    denver = VenueFactory(organization=organization, timezone="America/Denver", latitude=39.74, longitude=-104.99)
    body = as_admin.patch(f"{GROUPS}{group.pk}/", {"venue": denver.pk}, format="json").json()
    assert body["timezone"] == "America/Denver"


@pytest.mark.django_db
def test_co_facilitators_cannot_edit_and_leads_cannot_delete(api_client, organization):
    group = SupportGroupFactory(organization=organization)
    co = FacilitatorFactory(group=group, role="co").user
    lead = FacilitatorFactory(group=group, role="lead").user
    api_client.force_authenticate(co)
    response = api_client.patch(f"{GROUPS}{group.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403 and response.json() == {"detail": NOT_LEAD}
    api_client.force_authenticate(lead)
    response = api_client.delete(f"{GROUPS}{group.pk}/")
    assert response.status_code == 403 and response.json() == {"detail": ADMINS_ONLY}
    assert SupportGroup.objects.filter(pk=group.pk).exists()


@pytest.mark.django_db
def test_admin_deletes_a_group_and_the_deletion_is_audited(as_admin, organization):
    group = SupportGroupFactory(organization=organization)
    assert as_admin.delete(f"{GROUPS}{group.pk}/").status_code == 204
    assert not SupportGroup.objects.filter(pk=group.pk).exists()
    entry = AuditLog.objects.get(action="group.delete")
    assert entry.organization == organization and entry.details["slug"] == group.slug


@pytest.mark.django_db
def test_missing_group_is_404(as_admin):
    assert as_admin.get(f"{GROUPS}999999/").status_code == 404


# --- Facilitators -----------------------------------------------------------------------


@pytest.mark.django_db
def test_lead_adds_changes_and_removes_facilitators(api_client, organization):
    group = SupportGroupFactory(organization=organization)
    lead = FacilitatorFactory(group=group, role="lead").user
    UserFactory(username="dev")
    api_client.force_authenticate(lead)
    url = f"{GROUPS}{group.pk}/facilitators/"
    response = api_client.post(url, {"username": "dev", "role": "co"}, format="json")
    assert response.status_code == 201 and response.json()["role"] == "co"
    response = api_client.post(url, {"username": "dev", "role": "lead"}, format="json")
    assert response.json()["role"] == "lead"
    assert Facilitator.objects.filter(group=group).count() == 2
    assert sorted(f["username"] for f in api_client.get(url).json()) == ["dev", lead.username]
    assert api_client.delete(f"{url}dev/").status_code == 204
    assert not Facilitator.objects.filter(group=group, user__username="dev").exists()
    assert AuditLog.objects.filter(action__in=["facilitator.add", "facilitator.remove"]).count() == 3


@pytest.mark.django_db
def test_facilitator_errors_name_the_field(as_admin, organization):
    group = SupportGroupFactory(organization=organization)
    url = f"{GROUPS}{group.pk}/facilitators/"
    response = as_admin.post(url, {"username": "ghost"}, format="json")
    assert response.status_code == 400 and response.json() == {"username": [USER_NOT_FOUND % {"username": "ghost"}]}
    response = as_admin.post(url, {"username": "maria", "role": "boss"}, format="json")
    assert response.status_code == 400 and "role" in response.json()
    response = as_admin.delete(f"{url}nobody/")
    assert response.status_code == 400
    assert response.json() == {"username": [NOT_A_FACILITATOR % {"username": "nobody"}]}


@pytest.mark.django_db
def test_a_username_in_a_refusal_keeps_its_quotes_in_the_api(as_admin, organization):
    url = f"{GROUPS}{SupportGroupFactory(organization=organization).pk}/facilitators/"
    response = as_admin.post(url, {"username": "ghost"}, format="json")
    assert response.json() == {"username": ["No user with username 'ghost'."]}
    response = as_admin.delete(f"{url}nobody/")
    assert response.json() == {"username": ["'nobody' does not facilitate this group."]}


@pytest.mark.django_db
def test_co_facilitator_cannot_assign_facilitators(api_client, organization):
    group = SupportGroupFactory(organization=organization)
    co = FacilitatorFactory(group=group, role="co").user
    UserFactory(username="dev")
    api_client.force_authenticate(co)
    response = api_client.post(f"{GROUPS}{group.pk}/facilitators/", {"username": "dev"}, format="json")
    assert response.status_code == 403
    assert not Facilitator.objects.filter(user__username="dev").exists()


@pytest.mark.django_db
def test_leading_another_group_gives_no_lead_rights_here(api_client, organization):
    group = SupportGroupFactory(organization=organization)
    user = FacilitatorFactory(group=group, role="co").user
    FacilitatorFactory(group=SupportGroupFactory(organization=organization), user=user, role="lead")
    api_client.force_authenticate(user)
    assert api_client.get(f"{GROUPS}{group.pk}/").status_code == 200
    response = api_client.patch(f"{GROUPS}{group.pk}/", {"name": "Renamed"}, format="json")
    assert response.status_code == 403
    UserFactory(username="dev")
    assert api_client.post(f"{GROUPS}{group.pk}/facilitators/", {"username": "dev"}).status_code == 403


@pytest.mark.django_db
def test_group_list_query_count_does_not_grow_with_groups_or_facilitators(
    as_admin, organization, django_assert_max_num_queries
):
    for _ in range(8):
        group = SupportGroupFactory(organization=organization)
        FacilitatorFactory(group=group)
        FacilitatorFactory(group=group, role="co")
    with django_assert_max_num_queries(3):
        response = as_admin.get(GROUPS)
    assert len(response.json()) == 8
    assert all(len(row["facilitators"]) == 2 for row in response.json())
