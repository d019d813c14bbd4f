from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from sessions.models import Attendance, AuditLog, Enrollment, Member
from sessions.services.enrollment import enrollment_join
from sessions.services.members import CONTACT_REQUIRED, ERASED_NAME, PHONE_IN_USE, SMS_NEEDS_PHONE
from sessions.validators import INVALID_PHONE
from tests.factories import (
    AttendanceFactory,
    EnrollmentFactory,
    MemberFactory,
    SessionFactory,
    SessionSeriesFactory,
    SupportGroupFactory,
    UserFactory,
    VenueFactory,
)


def me(member, suffix: str = "") -> str:
    return f"/api/me/{member.token}/{suffix}"


@pytest.fixture
def member():
    return MemberFactory(
        display_name="Ana",
        phone="+12175550142",
        email="ana@example.org",
        sms_reminders=True,
        sms_consent="confirmed",
        sms_consent_source="web_form",
    )


# --- Reading ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_own_groups_cost_one_query_however_many(api_client, member, django_assert_max_num_queries):
    for _ in range(6):
        EnrollmentFactory(member=member)
    # the token lookup, then the member's enrollments with their groups.
    with django_assert_max_num_queries(2):
        response = api_client.get(me(member))
    assert len(response.json()["groups"]) == 6


@pytest.mark.django_db
def test_member_sees_their_own_data_and_groups_but_nobody_else(api_client, member, settings):
    group = SupportGroupFactory(name="Tuesday Circle", slug="tuesday-circle", organization=member.organization)
    enrollment_join(group=group, member=member)
    EnrollmentFactory(group=group, member=MemberFactory(display_name="Zed", phone="+12175550999"))
    response = api_client.get(me(member))
    assert response.status_code == 200
    body = response.json()
    assert body["display_name"] == "Ana" and body["phone"] == "+12175550142"
    assert body["self_service_url"] == f"{settings.PUBLIC_BASE_URL}/me/{member.token}/"
    assert [(g["group_name"], g["group_slug"], g["status"]) for g in body["groups"]] == [
        ("Tuesday Circle", "tuesday-circle", "active")
    ]
    text = response.content.decode()
    assert "Zed" not in text and "+12175550999" not in text
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "patch", "delete"])
def test_unknown_token_is_404_never_403(api_client, method):
    MemberFactory()
    response = getattr(api_client, method)("/api/me/not-a-token/", {}, format="json")
    assert response.status_code == 404


@pytest.mark.django_db
def test_a_staff_api_token_does_not_open_a_member_page(api_client):
    user = UserFactory()
    token = Token.objects.create(user=user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api_client.get(f"/api/me/{token.key}/").status_code == 404


# --- Editing ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_changing_the_phone_with_sms_on_needs_a_new_confirmation(api_client, member):
    member.phone_undeliverable = True
    member.save()
    response = api_client.patch(me(member), {"phone": "(217) 555-0177"}, format="json")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.phone == "+12175550177"
    assert member.sms_consent == "pending" and member.sms_consent_source == "self_service"
    assert member.phone_undeliverable is False
    assert AuditLog.objects.get(action="member.update").details == {"fields": ["phone"]}


@pytest.mark.django_db
def test_changing_the_phone_with_sms_off_clears_consent(api_client, member):
    member.sms_reminders = False
    member.save()
    api_client.patch(me(member), {"phone": "+12175550177"}, format="json")
    member.refresh_from_db()
    assert member.sms_consent == "none" and member.sms_reminders is False


@pytest.mark.django_db
def test_same_phone_typed_differently_keeps_confirmed_consent(api_client, member):
    api_client.patch(me(member), {"phone": "217-555-0142", "display_name": "Annie"}, format="json")
    member.refresh_from_db()
    assert member.sms_consent == "confirmed" and member.display_name == "Annie"


@pytest.mark.django_db
def test_turning_sms_on_asks_for_consent_but_keeps_an_opt_out(api_client):
    fresh = MemberFactory(phone="+12175550150", sms_consent="none")
    api_client.patch(me(fresh), {"sms_reminders": True}, format="json")
    fresh.refresh_from_db()
    assert fresh.sms_reminders and fresh.sms_consent == "pending"
    stopped = MemberFactory(phone="+12175550151", sms_consent="opted_out")
    api_client.patch(me(stopped), {"sms_reminders": True}, format="json")
    stopped.refresh_from_db()
    assert stopped.sms_consent == "opted_out"


@pytest.mark.django_db
def test_email_reminders_record_consent(api_client, member):
    api_client.patch(me(member), {"email_reminders": True}, format="json")
    member.refresh_from_db()
    assert member.email_reminders and member.email_consent and member.email_consent_source == "self_service"
    api_client.patch(me(member), {"email_reminders": False}, format="json")
    member.refresh_from_db()
    assert not member.email_reminders and not member.email_consent


@pytest.mark.django_db
def test_removing_the_phone_turns_text_reminders_off(api_client, member):
    response = api_client.patch(me(member), {"phone": ""}, format="json")
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.phone is None and member.sms_reminders is False and member.sms_consent == "none"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body,errors",
    [
        ({"phone": "12"}, {"phone": [INVALID_PHONE]}),
        ({"phone": None, "email": None}, {"phone": [CONTACT_REQUIRED], "email": [CONTACT_REQUIRED]}),
        ({"phone": "", "sms_reminders": True}, {"sms_reminders": [SMS_NEEDS_PHONE]}),
        (
            {"timezone": "Mars/Base"},
            {"timezone": ["Unknown time zone 'Mars/Base': use an IANA name such as America/Chicago."]},
        ),
        ({"email": "nope"}, {"email": ["Enter a valid email address."]}),
        ({"display_name": "x" * 81}, {"display_name": ["Ensure this field has no more than 80 characters."]}),
    ],
)
def test_bad_changes_are_400s_and_change_nothing(api_client, member, body, errors):
    response = api_client.patch(me(member), body, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    member.refresh_from_db()
    assert member.phone == "+12175550142" and member.email == "ana@example.org"


@pytest.mark.django_db
def test_a_phone_already_on_another_record_is_refused(api_client, member):
    MemberFactory(phone="+12175550160", organization=member.organization)
    response = api_client.patch(me(member), {"phone": "+12175550160"}, format="json")
    assert response.status_code == 400 and response.json() == {"phone": [PHONE_IN_USE]}


@pytest.mark.django_db
def test_a_phone_known_only_in_another_organization_is_just_a_new_unproven_number(api_client, member):
    # Sealed: another organization's records say nothing here, not even "in use".
    MemberFactory(phone="+12175550161")
    response = api_client.patch(me(member), {"phone": "+12175550161"}, format="json")
    assert response.status_code == 200 and response.json()["phone_verified"] is False


@pytest.mark.django_db
def test_a_new_email_is_unproven_and_gets_only_a_confirmation(api_client, member):
    from sessions.models import ContactProof

    response = api_client.patch(me(member), {"email": "new@example.org", "email_reminders": True}, format="json")
    assert response.status_code == 200 and response.json()["email_verified"] is False
    member.refresh_from_db()
    assert member.email_verified_at is None
    proof = ContactProof.objects.get(member=member, channel="email")
    assert proof.destination == "new@example.org" and proof.join_request is None
    # Asking again while that link is open sends no second one.
    assert api_client.post(me(member, "confirm-email/")).status_code == 202
    assert ContactProof.objects.filter(member=member, channel="email").count() == 1


@pytest.mark.django_db
def test_local_numbers_use_the_country_of_the_members_group(api_client):
    venue = VenueFactory(country="GB", city="Manchester", latitude=53.48, longitude=-2.24, timezone="Europe/London")
    group = SupportGroupFactory(venue=venue, organization=venue.organization)
    member = MemberFactory(phone=None, email="olu@example.org", organization=group.organization)
    enrollment_join(group=group, member=member)
    response = api_client.patch(me(member), {"phone": "07400 123456"}, format="json")
    assert response.status_code == 200 and response.json()["phone"] == "+447400123456"


# --- Leaving, rotating, erasing ---------------------------------------------------------


@pytest.mark.django_db
def test_leaving_frees_the_seat_for_the_waitlist(api_client, member):
    group = SupportGroupFactory(capacity=1, organization=member.organization)
    enrollment_join(group=group, member=member)
    waiting = enrollment_join(group=group, member=MemberFactory(organization=group.organization))[0]
    response = api_client.post(me(member, f"groups/{group.slug}/leave/"))
    assert response.status_code == 200 and response.json()["status"] == "left"
    waiting.refresh_from_db()
    assert waiting.status == "active"
    assert waiting.events.last().reason == "promote"
    again = api_client.post(me(member, f"groups/{group.slug}/leave/"))
    assert again.status_code == 200 and again.json()["status"] == "left"
    assert Enrollment.objects.get(member=member).events.filter(reason="leave").count() == 1


@pytest.mark.django_db
def test_leaving_a_group_you_are_not_in_is_404(api_client, member):
    group = SupportGroupFactory()
    EnrollmentFactory(group=group)
    assert api_client.post(me(member, f"groups/{group.slug}/leave/")).status_code == 404
    assert api_client.post(me(member, "groups/no-such-group/leave/")).status_code == 404


@pytest.mark.django_db
def test_rotating_the_token_kills_the_old_link(api_client, member, settings):
    old = member.token
    response = api_client.post(me(member, "rotate/"))
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old
    assert response.json()["self_service_url"] == f"{settings.PUBLIC_BASE_URL}/me/{new}/"
    assert api_client.get(f"/api/me/{old}/").status_code == 404
    assert api_client.get(f"/api/me/{new}/").status_code == 200


@pytest.mark.django_db
def test_erasing_removes_personal_data_and_keeps_anonymised_attendance(api_client, member):
    group = SupportGroupFactory(capacity=1, organization=member.organization)
    enrollment = enrollment_join(group=group, member=member, join_note="My husband died")[0]
    Enrollment.objects.filter(pk=enrollment.pk).update(notes="Lost her husband in January")
    waiting = enrollment_join(group=group, member=MemberFactory(organization=group.organization))[0]
    session = SessionFactory(series=SessionSeriesFactory(group=group))
    AttendanceFactory(session=session, enrollment=enrollment, attendance="present")
    old_token = member.token

    response = api_client.delete(me(member))
    assert response.status_code == 204
    member.refresh_from_db()
    assert member.display_name == ERASED_NAME
    assert (member.phone, member.email) == (None, None)
    assert member.sms_consent == "none" and not member.sms_reminders and not member.email_consent
    assert member.erased_at is not None and member.token != old_token
    enrollment.refresh_from_db()
    assert enrollment.status == "left" and enrollment.notes == "" and enrollment.join_note == ""
    assert enrollment.events.last().reason == "erase"
    waiting.refresh_from_db()
    assert waiting.status == "active"
    assert Attendance.objects.get(enrollment=enrollment).attendance == "present"
    assert api_client.get(f"/api/me/{old_token}/").status_code == 404
    assert api_client.get(f"/api/me/{member.token}/").status_code == 404
    assert AuditLog.objects.get(action="member.erase").details == {"attendance_rows_kept": 1}
    assert "+12175550142" not in str(list(AuditLog.objects.values_list("details", flat=True)))
    # The number is free for a new sign-up.
    assert not Member.objects.filter(phone="+12175550142").exists()


# --- Joining another group as yourself (where a join confirmation link leads) ------------


def join_path(member, group) -> str:
    return me(member, f"groups/{group.slug}/join/")


@pytest.mark.django_db
def test_get_describes_the_group_and_changes_nothing(api_client, member):
    group = SupportGroupFactory(name="Evening Circle", listed=False, organization=member.organization)
    session = SessionFactory(series__group=group)
    response = api_client.get(join_path(member, group))
    assert response.status_code == 200
    assert response.json() == {
        "group_name": "Evening Circle",
        "group_slug": group.slug,
        "next_session": session.starts_at.isoformat().replace("+00:00", "Z"),
        "confirm": "POST to this URL",
    }
    assert response["Cache-Control"] == "no-store"
    assert not Enrollment.objects.filter(member=member).exists()


@pytest.mark.django_db
def test_post_joins_under_the_groups_rules(api_client, member):
    group = SupportGroupFactory(enrollment_mode="approval", organization=member.organization)
    response = api_client.post(join_path(member, group))
    assert response.status_code == 201
    assert response.json()["status"] == "requested" and response.json()["waitlist_position"] is None
    again = api_client.post(join_path(member, group))
    assert again.status_code == 200 and again.json()["status"] == "requested"
    assert Enrollment.objects.filter(member=member, group=group).count() == 1


@pytest.mark.django_db
def test_post_without_a_request_is_a_plain_join(api_client, member):
    group = SupportGroupFactory(organization=member.organization)
    response = api_client.post(join_path(member, group))
    assert response.status_code == 201 and response.json()["status"] == "active"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_organizations_group_is_404(api_client, member, method):
    group = SupportGroupFactory()
    assert getattr(api_client, method)(join_path(member, group)).status_code == 404
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
def test_join_refuses_bad_tokens_and_unknown_groups(api_client, member, method):
    group = SupportGroupFactory()
    call = getattr(api_client, method)
    assert call(f"/api/me/not-a-token/groups/{group.slug}/join/").status_code == 404
    assert call(me(member, "groups/no-such-group/join/")).status_code == 404
    erased = MemberFactory(erased_at="2026-01-01T00:00:00Z", phone=None, email=None)
    assert call(join_path(erased, group)).status_code == 404
    assert not Enrollment.objects.exists()


@pytest.mark.django_db
def test_the_old_confirmation_links_are_gone(api_client, member):
    assert api_client.get(me(member, "confirm/1/")).status_code == 404
    assert api_client.post(me(member, "confirm/1/")).status_code == 404


@pytest.mark.django_db
def test_an_unproven_members_token_is_404_everywhere(api_client):
    unproven = MemberFactory(phone_verified_at=None)
    for method, path in [("get", me(unproven)), ("patch", me(unproven)), ("post", me(unproven, "rotate/"))]:
        assert getattr(api_client, method)(path, {}, format="json").status_code == 404
