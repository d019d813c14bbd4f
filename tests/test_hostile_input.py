"""Hostile input never gets a 500: found by driving every endpoint of the OpenAPI
schema (and the .ics feeds and Twilio webhooks) with wrong types, NUL bytes, huge
numbers and odd Unicode on PostgreSQL, which refuses NUL bytes in text and
overflowing integers where SQLite shrugs. Each test here is a defect that was a
500 before its fix, plus a sweep that keeps the write endpoints honest."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from twilio.request_validator import RequestValidator

from notifications.models import Channel, InboundMessage, Kind, OutboxMessage, Status
from sessions.api.serializers_manage import GROUP_ID_NEEDED
from sessions.models import Facilitator
from sessions.services.enrollment import enrollment_join
from sessions.services.groups import NOT_A_FACILITATOR
from sessions.services.organizations import NOT_AN_ADMIN
from tests.factories import (
    FacilitatorFactory,
    MemberFactory,
    OrganizationFactory,
    SessionFactory,
    SessionSeriesFactory,
    SupportGroupFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

TWILIO_TOKEN = "hostile-input-test-token"


@pytest.fixture
def world():
    admin = UserFactory(username="hostile-admin")
    organization = OrganizationFactory(admins=[admin, UserFactory()])
    venue = VenueFactory(organization=organization)
    group = SupportGroupFactory(organization=organization, venue=venue, capacity=10)
    lead = UserFactory(username="hostile-lead")
    FacilitatorFactory(group=group, user=lead, role=Facilitator.Role.LEAD)
    member = MemberFactory(
        display_name="Ana", phone="+13125550142", email="ana@example.org", organization=group.organization
    )
    enrollment = enrollment_join(group=group, member=member)[0]
    series = SessionSeriesFactory(group=group)
    session = SessionFactory(series=series, starts_at=timezone.now() - dt.timedelta(hours=2))
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=admin).key}")
    return {
        "client": client,
        "organization": organization,
        "venue": venue,
        "group": group,
        "member": member,
        "enrollment": enrollment,
        "series": series,
        "session": session,
    }


# --- NUL bytes in URL paths: PostgreSQL refused to compare them (DataError, a 500) ----------


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", "/"),
        ("patch", "/"),
        ("delete", "/"),
        ("post", "/rotate/"),
        ("get", "/calendar.ics"),
        ("post", "/groups/{slug}/leave/"),
    ],
)
@pytest.mark.parametrize("token", ["%00", "abc%00def"])
def test_self_service_token_with_a_nul_byte_is_not_found(world, method, suffix, token):
    client = APIClient(raise_request_exception=False)
    path = f"/api/me/{token}" + suffix.format(slug=world["group"].slug)
    response = getattr(client, method)(path)
    assert response.status_code == 404
    world["member"].refresh_from_db()
    assert world["member"].erased_at is None


def test_removing_a_facilitator_whose_name_has_a_nul_byte_names_the_username(world):
    group = world["group"]
    response = world["client"].delete(f"/api/manage/groups/{group.id}/facilitators/hostile-lead%00/")
    assert response.status_code == 400
    assert response.json()["username"] == [NOT_A_FACILITATOR % {"username": "hostile-lead\x00"}]
    assert Facilitator.objects.filter(group=group, user__username="hostile-lead").exists()


def test_removing_an_admin_whose_name_has_a_nul_byte_names_the_username(world):
    organization = world["organization"]
    response = world["client"].delete(f"/api/manage/organizations/{organization.id}/admins/hostile-admin%00/")
    assert response.status_code == 400
    assert response.json()["username"] == [NOT_AN_ADMIN % {"username": "hostile-admin\x00"}]
    assert organization.admins.filter(username="hostile-admin").exists()


# --- Audit log filters --------------------------------------------------------------------------


def test_audit_action_filter_with_a_nul_byte_is_a_400_naming_action(world):
    url = f"/api/manage/organizations/{world['organization'].id}/audit/"
    response = world["client"].get(url, {"action": "roster.view\x00"})
    assert response.status_code == 400
    assert "action" in response.json()


@pytest.mark.parametrize("value", ["²", "x", "1;2", "-", "0", "99999999999999999999"])
def test_audit_group_filter_that_is_not_a_whole_number_is_a_400_naming_group(world, value):
    # "²".isdigit() is True but int("²") raises: it used to pass the check and crash.
    url = f"/api/manage/organizations/{world['organization'].id}/audit/"
    response = world["client"].get(url, {"group": value})
    assert response.status_code == 400
    assert response.json() == {"group": [GROUP_ID_NEEDED]}


def test_audit_group_filter_still_filters(world):
    client, group = world["client"], world["group"]
    client.get(f"/api/manage/groups/{group.id}/roster/")  # writes a roster.view entry
    url = f"/api/manage/organizations/{world['organization'].id}/audit/"
    mine = client.get(url, {"group": str(group.id), "action": "roster.view"}).json()["results"]
    assert [entry["group"] for entry in mine] == [group.slug]
    assert client.get(url, {"group": str(group.id + 1)}).json()["results"] == []


# --- Twilio webhooks (signed, so they reach the services) -----------------------------------------


def _signed_post(client, settings, path: str, data: dict, query: str = ""):
    settings.TWILIO_AUTH_TOKEN = TWILIO_TOKEN
    full = path + (f"?{query}" if query else "")
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(settings.PUBLIC_BASE_URL + full, data)
    # Twilio posts forms; the webhooks are plain Django views that read request.POST.
    return client.post(full, data, format="multipart", HTTP_X_TWILIO_SIGNATURE=signature)


def test_inbound_text_with_nul_bytes_is_stored_without_them(world, settings):
    client = APIClient(raise_request_exception=False)
    member = world["member"]
    response = _signed_post(
        client,
        settings,
        "/webhooks/twilio/sms/",
        {"MessageSid": "SMnul", "From": member.phone, "To": "+1217555\x000100", "Body": "I\x00 need to talk"},
    )
    assert response.status_code == 200
    stored = InboundMessage.objects.get(provider_message_id="SMnul")
    assert stored.body == "I need to talk"
    assert stored.member == member and stored.to_number == "+12175550100"


def test_inbound_text_with_overlong_fields_answers_200(world, settings):
    client = APIClient(raise_request_exception=False)
    overlong_sid = _signed_post(
        client, settings, "/webhooks/twilio/sms/", {"MessageSid": "SM" + "x" * 200, "From": "+13125550199"}
    )
    assert overlong_sid.status_code == 200
    assert not InboundMessage.objects.exists()
    overlong_from = _signed_post(
        client, settings, "/webhooks/twilio/sms/", {"MessageSid": "SMlong", "From": "+1" * 100, "Body": "hi"}
    )
    assert overlong_from.status_code == 200
    assert len(InboundMessage.objects.get(provider_message_id="SMlong").from_number) == 32


def _sending_row(member) -> OutboxMessage:
    now = timezone.now()
    return OutboxMessage.objects.create(
        member=member,
        channel=Channel.SMS,
        kind=Kind.SMS_CONFIRM,
        dedupe_key="hostile",
        status=Status.SENDING,
        provider_message_id="",
        due_at=now,
        next_attempt_at=now,
        send_started_at=now,
        attempts=1,
        to=member.phone,
    )


@pytest.mark.parametrize(
    ("sid", "query"),
    [
        ("SM\x00", ""),
        ("SM" + "x" * 200, "outbox={pk}&attempt=1"),
        ("SMok", "outbox=%C2%B2&attempt=1"),  # "²": isdigit() but not int()
        ("SMok", "outbox={pk}&attempt=%C2%B9"),
    ],
)
def test_status_callback_with_garbage_changes_nothing_and_answers_200(world, settings, sid, query):
    row = _sending_row(world["member"])
    client = APIClient(raise_request_exception=False)
    data = {"MessageSid": sid, "MessageStatus": "failed", "ErrorCode": "30003\x00" + "9" * 100}
    response = _signed_post(client, settings, "/webhooks/twilio/status/", data, query.format(pk=row.pk))
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.status == Status.SENDING and row.provider_message_id == ""


def test_status_callback_error_code_is_cleaned_before_it_is_stored(world, settings):
    row = _sending_row(world["member"])
    client = APIClient(raise_request_exception=False)
    data = {"MessageSid": "SMcode", "MessageStatus": "failed", "ErrorCode": "300\x0005"}
    response = _signed_post(client, settings, "/webhooks/twilio/status/", data, f"outbox={row.pk}&attempt=1")
    assert response.status_code == 200
    row.refresh_from_db()
    assert row.error_code == "30005" and row.status == Status.FAILED


# --- A sweep of every write endpoint: hostile values per field, never a 500 ----------------------

HOSTILE_VALUES = [None, "\x00", "a\x00b", 10**30, -(10**30), ["x"], {"x": 1}, "x" * 5000, "😀\u202e", "nan"]


def _write_endpoints(w) -> dict[str, tuple[str, str, dict, list[str]]]:
    g, o = w["group"], w["organization"]
    return {
        "join": ("post", f"/api/groups/{g.slug}/join/", {"display_name": "Bo", "phone": "+13125550143"},
                 ["display_name", "phone", "email", "sms_reminders", "time_zone", "note"]),
        "group-create": ("post", "/api/manage/groups/",
                         {"organization": o.id, "name": "N", "topic": "grief", "format": "online",
                          "conference_url": "https://meet.example.org/x", "timezone": "America/Chicago"},
                         ["organization", "slug", "venue", "conference_url", "language", "timezone", "capacity",
                          "cycle_start", "cycle_weeks", "reminder_offsets", "sms_label"]),
        "group-update": ("patch", f"/api/manage/groups/{g.id}/", {},
                         ["name", "venue", "timezone", "capacity", "reminder_offsets", "cycle_start"]),
        "broadcast": ("post", f"/api/manage/groups/{g.id}/messages/", {"body": "hi"}, ["body"]),
        "series-create": ("post", f"/api/manage/groups/{g.id}/series/",
                          {"rrule": "FREQ=WEEKLY;BYDAY=TU", "dtstart": "2026-12-01T19:00", "duration_minutes": 90},
                          ["rrule", "dtstart", "timezone", "duration_minutes", "venue"]),
        "series-update": ("patch", f"/api/manage/series/{w['series'].id}/", {}, ["rrule", "dtstart", "timezone"]),
        "session-update": ("patch", f"/api/manage/sessions/{w['session'].id}/", {},
                           ["status", "note", "starts_at", "ends_at", "venue"]),
        "attendance": ("put", f"/api/manage/sessions/{w['session'].id}/attendance/",
                       {"marks": [{"enrollment": w["enrollment"].id, "attendance": "present"}]}, ["marks"]),
        "facilitator-add": ("post", f"/api/manage/groups/{g.id}/facilitators/", {"username": "hostile-admin"},
                            ["username", "role"]),
        "roster-add": ("post", f"/api/manage/groups/{g.id}/roster/", {"display_name": "Cy", "phone": "+13125550144"},
                       ["display_name", "phone", "email", "notes"]),
        "roster-change": ("patch", f"/api/manage/groups/{g.id}/roster/{w['enrollment'].id}/", {"action": "move"},
                          ["action", "waitlist_position", "notes"]),
        "organization-update": ("patch", f"/api/manage/organizations/{o.id}/", {},
                                ["name", "slug", "contact_email", "contact_phone", "website"]),
        "admin-add": ("post", f"/api/manage/organizations/{o.id}/admins/", {}, ["username"]),
        "venue-create": ("post", "/api/manage/venues/",
                         {"organization": o.id, "name": "V", "city": "C", "country": "US",
                          "latitude": 39.8, "longitude": -89.6},
                         ["organization", "latitude", "longitude", "timezone", "country", "postal_code"]),
        "venue-update": ("patch", f"/api/manage/venues/{w['venue'].id}/", {}, ["latitude", "longitude", "timezone"]),
        "me-update": ("patch", f"/api/me/{w['member'].token}/", {}, ["display_name", "phone", "email", "timezone"]),
    }  # fmt: skip


@pytest.mark.parametrize(
    "endpoint",
    [
        "join",
        "group-create",
        "group-update",
        "broadcast",
        "series-create",
        "series-update",
        "session-update",
        "attendance",
        "facilitator-add",
        "roster-add",
        "roster-change",
        "organization-update",
        "admin-add",
        "venue-create",
        "venue-update",
        "me-update",
    ],
)
def test_hostile_field_values_get_a_4xx_naming_a_field(world, endpoint):
    method, url, valid, fields = _write_endpoints(world)[endpoint]
    client = world["client"]
    for field in fields:
        for value in HOSTILE_VALUES:
            response = getattr(client, method)(url, {**valid, field: value}, format="json")
            assert response.status_code < 500, (field, value, response.status_code)
            if response.status_code == 400:
                body = response.json()
                assert isinstance(body, dict) and body, (field, value, body)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"[]", "application/json"),
        (b"<x/>", "application/xml"),
        (b"zz", "multipart/form-data"),
    ],
)
def test_malformed_bodies_get_a_4xx(world, body, content_type):
    client, group = world["client"], world["group"]
    for method, url in [
        ("post", f"/api/groups/{group.slug}/join/"),
        ("post", f"/api/manage/groups/{group.id}/roster/"),
        ("patch", f"/api/me/{world['member'].token}/"),
        ("put", f"/api/manage/sessions/{world['session'].id}/attendance/"),
    ]:
        response = getattr(client, method)(url, data=body, content_type=content_type)
        assert 400 <= response.status_code < 500, (method, url, response.status_code)
