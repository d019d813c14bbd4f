from __future__ import annotations

import csv
import io

import pytest

from sessions.api.access import NOT_YOUR_GROUP
from sessions.api.serializers_manage import NOTHING_TO_CHANGE, POSITION_NEEDED, UNKNOWN_STATUS
from sessions.models import AuditLog, Enrollment, Member, SupportGroup
from sessions.services.enrollment import CANNOT_APPROVE, enrollment_join
from sessions.services.members import CONTACT_FOR_ROSTER
from sessions.validators import INVALID_PHONE
from tests.factories import (
    EnrollmentFactory,
    FacilitatorFactory,
    MemberFactory,
    OrganizationFactory,
    SupportGroupFactory,
    UserFactory,
    VenueFactory,
)


def roster_url(group, suffix: str = "") -> str:
    return f"/api/manage/groups/{group.pk}/roster/{suffix}"


@pytest.fixture
def group():
    return SupportGroupFactory(capacity=2)


@pytest.fixture
def facilitator(group):
    return FacilitatorFactory(group=group, role="co").user


@pytest.fixture
def client(api_client, facilitator):
    api_client.force_authenticate(facilitator)
    return api_client


def seat(group, **member_fields):
    return enrollment_join(group=group, member=MemberFactory(**{"organization": group.organization, **member_fields}))[
        0
    ]


# --- Listing ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_roster_lists_members_with_contact_and_consent(client, group, facilitator):
    ana = seat(group, display_name="Ana", phone="+12175550142", email="ana@example.org", sms_consent="confirmed")
    response = client.get(roster_url(group))
    assert response.status_code == 200
    [row] = response.json()
    assert row == {
        "enrollment_id": ana.pk,
        "member_id": ana.member_id,
        "display_name": "Ana",
        "phone": "+12175550142",
        "email": "ana@example.org",
        "sms_reminders": False,
        "sms_consent": "confirmed",
        "sms_consent_source": "",
        "email_reminders": False,
        "email_consent": False,
        "phone_undeliverable": False,
        "status": "active",
        "waitlist_position": None,
        "joined": row["joined"],
        "activated_at": row["activated_at"],
        "status_changed_at": row["status_changed_at"],
        "join_note": "",
        "notes": "",
    }
    assert "token" not in response.content.decode()
    entry = AuditLog.objects.get(action="roster.view")
    assert entry.actor == facilitator and entry.group == group and entry.details["rows"] == 1


@pytest.mark.django_db
def test_roster_orders_active_then_waitlist_by_position_and_filters_by_status(client, group):
    members = [seat(group) for _ in range(5)]
    response = client.get(roster_url(group))
    assert [(r["status"], r["waitlist_position"]) for r in response.json()] == [
        ("active", None),
        ("active", None),
        ("waitlisted", 1),
        ("waitlisted", 2),
        ("waitlisted", 3),
    ]
    waiting = client.get(roster_url(group), {"status": "waitlisted"}).json()
    assert [r["enrollment_id"] for r in waiting] == [m.pk for m in members[2:]]
    both = client.get(roster_url(group), {"status": "active,waitlisted"}).json()
    assert len(both) == 5


@pytest.mark.django_db
def test_unknown_status_filter_is_a_400_naming_the_field(client, group):
    response = client.get(roster_url(group), {"status": "gone"})
    assert response.status_code == 400
    assert response.json() == {"status": [UNKNOWN_STATUS.format(value="gone")]}


@pytest.mark.django_db
def test_roster_list_query_count_does_not_grow_with_the_roster(client, group, django_assert_max_num_queries):
    SupportGroup.objects.filter(pk=group.pk).update(capacity=None)
    for _ in range(25):
        EnrollmentFactory(group=group)
    # group, permission check, roster with members, audit insert; never one per member.
    with django_assert_max_num_queries(4):
        response = client.get(roster_url(group))
    assert len(response.json()) == 25


@pytest.mark.django_db
def test_facilitator_of_another_group_gets_403_and_no_data(api_client, group):
    seat(group, phone="+12175550142")
    outsider = FacilitatorFactory(group=SupportGroupFactory(organization=group.organization)).user
    api_client.force_authenticate(outsider)
    response = api_client.get(roster_url(group))
    assert response.status_code == 403
    assert response.json() == {"detail": NOT_YOUR_GROUP}
    assert not AuditLog.objects.filter(action="roster.view").exists()


# --- Adding in person -------------------------------------------------------------------


@pytest.mark.django_db
def test_facilitator_adds_someone_in_person_with_pending_sms_consent(client, group, facilitator):
    response = client.post(
        roster_url(group),
        {"display_name": "Ruth", "phone": "(217) 555-0199", "sms_reminders": True, "notes": "walk-in"},
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["phone"] == "+12175550199" and body["status"] == "active" and body["notes"] == "walk-in"
    member = Member.objects.get(phone="+12175550199")
    assert member.sms_consent == "pending" and member.sms_consent_source == "in_person"
    assert member.sms_reminders is True
    assert member.enrollments.get().events.get().reason == "add"
    assert AuditLog.objects.filter(action="roster.add", actor=facilitator).exists()


@pytest.mark.django_db
def test_adding_uses_the_venue_country_for_local_numbers(api_client):
    venue = VenueFactory(country="GB", city="Manchester", latitude=53.48, longitude=-2.24, timezone="Europe/London")
    group = SupportGroupFactory(venue=venue, organization=venue.organization)
    api_client.force_authenticate(FacilitatorFactory(group=group).user)
    response = api_client.post(roster_url(group), {"display_name": "Olu", "phone": "07400 123456"}, format="json")
    assert response.status_code == 201
    assert response.json()["phone"] == "+447400123456"


@pytest.mark.django_db
def test_adding_an_existing_member_changes_none_of_their_data(client, group):
    member = MemberFactory(
        display_name="Ruth", phone="+12175550199", sms_consent="opted_out", organization=group.organization
    )
    response = client.post(
        roster_url(group), {"display_name": "Someone Else", "phone": "217 555 0199", "sms_reminders": True}
    )
    assert response.status_code == 201
    member.refresh_from_db()
    assert member.display_name == "Ruth" and member.sms_consent == "opted_out"
    again = client.post(roster_url(group), {"display_name": "Ruth", "phone": "+12175550199"})
    assert again.status_code == 200
    assert Enrollment.objects.filter(group=group).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,errors",
    [
        ({"display_name": "X", "phone": "12"}, {"phone": [INVALID_PHONE]}),
        ({"display_name": "X"}, {"phone": [CONTACT_FOR_ROSTER], "email": [CONTACT_FOR_ROSTER]}),
        ({"phone": "+12175550100"}, {"display_name": ["This field is required."]}),
        ({"display_name": "X", "email": "nope"}, {"email": ["Enter a valid email address."]}),
    ],
)
def test_bad_roster_additions_are_400s_naming_the_field(client, group, body, errors):
    response = client.post(roster_url(group), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not Member.objects.exists()


# --- Changing an entry ------------------------------------------------------------------


@pytest.mark.django_db
def test_approve_decline_remove_and_waitlist_actions(client, group):
    SupportGroup.objects.filter(pk=group.pk).update(enrollment_mode="approval")
    group.refresh_from_db()
    first, second, third = (seat(group) for _ in range(3))
    assert client.patch(roster_url(group, f"{first.pk}/"), {"action": "approve"}).json()["status"] == "active"
    assert client.patch(roster_url(group, f"{second.pk}/"), {"action": "approve"}).json()["status"] == "active"
    body = client.patch(roster_url(group, f"{third.pk}/"), {"action": "approve"}).json()
    assert (body["status"], body["waitlist_position"]) == ("waitlisted", 1)
    # Removing an active member moves the waitlist up.
    assert client.patch(roster_url(group, f"{first.pk}/"), {"action": "remove"}).json()["status"] == "removed"
    third.refresh_from_db()
    assert third.status == "active"
    assert client.patch(roster_url(group, f"{second.pk}/"), {"action": "waitlist"}).json()["status"] == "waitlisted"
    assert client.patch(roster_url(group, f"{second.pk}/"), {"action": "decline"}).json()["status"] == "declined"
    actions = list(AuditLog.objects.filter(group=group).values_list("action", flat=True))
    assert {"roster.approve", "roster.remove", "roster.promote", "roster.waitlist", "roster.decline"} <= set(actions)


@pytest.mark.django_db
def test_move_on_the_waitlist_and_edit_notes(client, group):
    entries = [seat(group) for _ in range(5)]
    response = client.patch(roster_url(group, f"{entries[4].pk}/"), {"action": "move", "waitlist_position": 1})
    assert response.status_code == 200 and response.json()["waitlist_position"] == 1
    positions = dict(Enrollment.objects.filter(status="waitlisted").values_list("pk", "waitlist_position"))
    assert positions == {entries[4].pk: 1, entries[2].pk: 2, entries[3].pk: 3}
    response = client.patch(roster_url(group, f"{entries[0].pk}/"), {"notes": "Prefers Annie"})
    assert response.json()["notes"] == "Prefers Annie"
    notes_entry = AuditLog.objects.get(action="roster.notes")
    assert "Prefers" not in str(notes_entry.details)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,errors",
    [
        ({}, {"action": [NOTHING_TO_CHANGE]}),
        ({"action": "move"}, {"waitlist_position": [POSITION_NEEDED]}),
        ({"action": "promote"}, {"action": ['"promote" is not a valid choice.']}),
        ({"action": "approve"}, {"action": [CANNOT_APPROVE % {"status": "active"}]}),
    ],
)
def test_bad_roster_changes_are_400s(client, group, body, errors):
    enrollment = seat(group)
    response = client.patch(roster_url(group, f"{enrollment.pk}/"), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors


@pytest.mark.django_db
def test_a_refusal_with_a_value_is_filled_in_english_in_the_api(client, group):
    # The API says it in English, word for word, with the values filled in.
    url = roster_url(group, f"{seat(group).pk}/")
    response = client.patch(url, {"action": "approve"}, format="json")
    assert response.json() == {
        "action": ["Only a requested or waitlisted enrollment can be approved; this one is active."]
    }
    response = client.patch(url, {"action": "move", "waitlist_position": 1}, format="json")
    assert response.json() == {
        "action": ["Only a waitlisted enrollment can be moved on the waitlist; this one is active."]
    }


@pytest.mark.django_db
def test_an_enrollment_of_another_group_is_not_found_through_this_group(client, group):
    elsewhere = EnrollmentFactory(group=SupportGroupFactory(organization=group.organization))
    assert client.get(roster_url(group, f"{elsewhere.pk}/")).status_code == 404
    assert client.patch(roster_url(group, f"{elsewhere.pk}/"), {"action": "remove"}).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.status == "active"


# --- Export and audit -------------------------------------------------------------------


@pytest.mark.django_db
def test_csv_export_has_one_row_per_enrollment_and_is_audited(client, group, facilitator):
    seat(group, display_name="=HYPERLINK(1)", phone="+12175550142")
    seat(group, display_name="Bo", phone=None, email="bo@example.org")
    response = client.get(f"/api/manage/groups/{group.pk}/roster.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f'filename="{group.slug}-roster.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [(r["display_name"], r["phone"], r["email"]) for r in rows] == [
        ("'=HYPERLINK(1)", "+12175550142", ""),
        ("Bo", "", "bo@example.org"),
    ]
    entry = AuditLog.objects.get(action="roster.export")
    assert entry.actor == facilitator and entry.details["rows"] == 2


@pytest.mark.django_db
def test_org_admin_reads_the_audit_log_of_their_organization_only(api_client, group, client):
    seat(group)
    client.get(roster_url(group))
    other_group = SupportGroupFactory()
    seat(other_group)
    admin = UserFactory()
    group.organization.admins.add(admin)
    api_client.force_authenticate(admin)
    response = api_client.get(f"/api/manage/organizations/{group.organization_id}/audit/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["action"] for r in results] == ["roster.view", "roster.join"]
    assert {r["group"] for r in results} == {group.slug}
    only_views = api_client.get(
        f"/api/manage/organizations/{group.organization_id}/audit/", {"action": "roster.view"}
    ).json()
    assert [r["action"] for r in only_views["results"]] == ["roster.view"]
    bad = api_client.get(f"/api/manage/organizations/{group.organization_id}/audit/", {"group": "x"})
    assert bad.status_code == 400 and "group" in bad.json()


@pytest.mark.django_db
def test_facilitators_cannot_read_the_audit_log(client, group):
    response = client.get(f"/api/manage/organizations/{group.organization_id}/audit/")
    assert response.status_code == 403


@pytest.mark.django_db
def test_org_admin_manages_every_roster_of_the_organization(api_client):
    organization = OrganizationFactory()
    admin = UserFactory()
    organization.admins.add(admin)
    group = SupportGroupFactory(organization=organization)
    seat(group)
    api_client.force_authenticate(admin)
    assert api_client.get(roster_url(group)).status_code == 200


@pytest.mark.django_db
def test_a_refused_action_keeps_the_notes_sent_with_it_unwritten(client, group):
    enrollment = seat(group)
    response = client.patch(roster_url(group, f"{enrollment.pk}/"), {"action": "approve", "notes": "new"})
    assert response.status_code == 400
    enrollment.refresh_from_db()
    assert enrollment.notes == ""
    assert not AuditLog.objects.filter(action="roster.notes").exists()


@pytest.mark.django_db
def test_roster_csv_and_audit_log_query_counts_do_not_grow(api_client, client, group, django_assert_max_num_queries):
    SupportGroup.objects.filter(pk=group.pk).update(capacity=None)
    for _ in range(12):
        seat(group)
    # group, permission check, roster with members, audit insert.
    with django_assert_max_num_queries(4):
        export = client.get(f"/api/manage/groups/{group.pk}/roster.csv")
    assert len(export.content.decode().splitlines()) == 13
    admin = UserFactory()
    group.organization.admins.add(admin)
    api_client.force_authenticate(admin)
    with django_assert_max_num_queries(4):
        response = api_client.get(f"/api/manage/organizations/{group.organization_id}/audit/")
    assert response.json()["count"] == 13 and len({r["group"] for r in response.json()["results"]}) == 1
