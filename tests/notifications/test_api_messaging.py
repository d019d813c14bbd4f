from __future__ import annotations

import pytest
from rest_framework.authtoken.models import Token

from notifications.broadcasts import BROADCAST_EMPTY, BROADCAST_NOT_GSM, BROADCAST_TOO_LONG
from notifications.models import Broadcast, Channel, InboundMessage, Kind, OutboxMessage
from notifications.texts import BROADCAST_MAX_SEPTETS
from sessions.models import Enrollment, Facilitator
from tests.factories import EnrollmentFactory, FacilitatorFactory, OrganizationFactory, SupportGroupFactory, UserFactory
from tests.fake_twilio import AUTH_TOKEN
from tests.notifications.helpers import emailing_member, texting_member
from tests.notifications.twilio_webhooks import inbound

pytestmark = pytest.mark.django_db


@pytest.fixture
def group():
    return SupportGroupFactory()


def as_user(api_client, user):
    if user is not None:
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


def callers(group) -> dict:
    other_group = SupportGroupFactory()
    return {
        "anonymous": (None, 401),
        "facilitator of another group": (FacilitatorFactory(group=other_group).user, 403),
        "admin of another organization": (OrganizationFactory(admins=[UserFactory()]).admins.first(), 403),
        "co-facilitator": (FacilitatorFactory(group=group, role=Facilitator.Role.CO).user, 201),
        "lead facilitator": (FacilitatorFactory(group=group, role=Facilitator.Role.LEAD).user, 201),
        "organization admin": (_org_admin(group), 201),
    }


def _org_admin(group):
    user = UserFactory()
    group.organization.admins.add(user)
    return user


@pytest.mark.parametrize(
    "who",
    [
        "anonymous",
        "facilitator of another group",
        "admin of another organization",
        "co-facilitator",
        "lead facilitator",
        "organization admin",
    ],
)
def test_broadcast_permissions(api_client, group, who):
    user, expected = callers(group)[who]
    texting = texting_member()
    EnrollmentFactory(member=texting, group=group)
    response = as_user(api_client, user).post(f"/api/manage/groups/{group.pk}/messages/", {"body": "Room 4 tonight"})
    assert response.status_code in ((401, 403) if expected == 401 else (expected,))
    assert OutboxMessage.objects.filter(kind=Kind.BROADCAST).exists() == (expected == 201)


def test_broadcast_goes_to_active_members_by_their_channels(api_client, group):
    lead = FacilitatorFactory(group=group).user
    sms = texting_member()
    mail = emailing_member()
    gone = texting_member()
    EnrollmentFactory(member=sms, group=group)
    EnrollmentFactory(member=mail, group=group)
    EnrollmentFactory(member=gone, group=group, status=Enrollment.Status.LEFT)
    response = as_user(api_client, lead).post(
        f"/api/manage/groups/{group.pk}/messages/", {"body": "We\u2019re in room 4 tonight."}, format="json"
    )
    assert response.status_code == 201
    assert response.data["recipients"] == 2 and response.data["sms"] == 1 and response.data["email"] == 1
    rows = OutboxMessage.objects.filter(kind=Kind.BROADCAST)
    assert set(rows.values_list("member_id", "channel")) == {(sms.pk, Channel.SMS), (mail.pk, Channel.EMAIL)}
    assert Broadcast.objects.get().author == lead


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("   ", BROADCAST_EMPTY),
        ("x" * (BROADCAST_MAX_SEPTETS + 1), BROADCAST_TOO_LONG.format(limit=BROADCAST_MAX_SEPTETS)),
        ("See you \U0001f642", BROADCAST_NOT_GSM.format(chars="\U0001f642")),
    ],
)
def test_broadcast_validation_names_the_field(api_client, group, body, message):
    lead = FacilitatorFactory(group=group).user
    response = as_user(api_client, lead).post(f"/api/manage/groups/{group.pk}/messages/", {"body": body}, format="json")
    assert response.status_code == 400
    assert response.data["body"] == [message]
    assert not Broadcast.objects.exists()


def test_unknown_group_is_404(api_client):
    user = UserFactory(is_superuser=True)
    assert as_user(api_client, user).post("/api/manage/groups/999999/messages/", {"body": "x"}).status_code == 404


def test_inbox_shows_the_group_messages_to_its_facilitators_only(api_client, group, django_assert_max_num_queries):
    from django.utils import timezone

    member = texting_member()
    EnrollmentFactory(member=member, group=group)
    for i in range(3):
        InboundMessage.objects.create(
            provider_message_id=f"SM{i}",
            from_number=member.phone,
            body=f"note {i}",
            kind="message",
            member=member,
            group=group,
            received_at=timezone.now(),
        )
    InboundMessage.objects.create(
        provider_message_id="SMstop",
        from_number=member.phone,
        body="STOP",
        kind="opt_out",
        member=member,
        group=group,
        received_at=timezone.now(),
    )
    InboundMessage.objects.create(
        provider_message_id="SMother",
        from_number="+12175559999",
        body="other group",
        kind="message",
        group=SupportGroupFactory(),
        received_at=timezone.now(),
    )
    outsider = FacilitatorFactory(group=SupportGroupFactory()).user
    assert as_user(api_client, outsider).get(f"/api/manage/groups/{group.pk}/inbox/").status_code == 403
    lead = FacilitatorFactory(group=group).user
    client = as_user(api_client, lead)
    with django_assert_max_num_queries(8):
        response = client.get(f"/api/manage/groups/{group.pk}/inbox/")
    assert response.status_code == 200
    assert [item["body"] for item in response.data["results"]] == ["note 2", "note 1", "note 0"]
    assert response.data["results"][0]["member"]["display_name"] == member.display_name


def test_inbox_refuses_anonymous(api_client, group):
    assert api_client.get(f"/api/manage/groups/{group.pk}/inbox/").status_code in (401, 403)


@pytest.mark.parametrize(
    "who", ["anonymous", "facilitator of another group", "admin of another organization", "co-facilitator"]
)
def test_broadcast_history_is_for_the_group_managers_only(api_client, group, who):
    user, expected = callers(group)[who]
    response = as_user(api_client, user).get(f"/api/manage/groups/{group.pk}/messages/")
    assert response.status_code in ((401, 403) if expected == 401 else (200 if expected == 201 else expected,))


# --- Inbox for a member in several groups ---------------------------------------------------


@pytest.fixture
def client(client, settings):
    """A Django test client that sends Twilio webhooks signed with the test token."""
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    return client


def _text_from(client, member, body: str):
    response = inbound(client, member, body)
    assert response.status_code == 200
    return InboundMessage.objects.get(body=body)


def _inbox_bodies(api_client, group) -> list[str]:
    lead = FacilitatorFactory(group=group).user
    response = as_user(api_client, lead).get(f"/api/manage/groups/{group.pk}/inbox/")
    assert response.status_code == 200
    return [item["body"] for item in response.data["results"]]


def test_a_text_from_a_member_of_two_groups_reaches_both_and_no_other(api_client, client):
    first = SupportGroupFactory()
    second = SupportGroupFactory(organization=first.organization)  # other organizations: tests/test_privacy_review.py
    elsewhere = SupportGroupFactory()
    member = texting_member()
    EnrollmentFactory(member=member, group=first)
    EnrollmentFactory(member=member, group=second)
    EnrollmentFactory(member=texting_member(), group=elsewhere)
    waitlisted_in = SupportGroupFactory(organization=first.organization)
    EnrollmentFactory(member=member, group=waitlisted_in, status=Enrollment.Status.WAITLISTED, waitlist_position=1)
    _text_from(client, member, "Running late tonight")
    assert _inbox_bodies(api_client, first) == ["Running late tonight"]
    assert _inbox_bodies(api_client, second) == ["Running late tonight"]
    assert _inbox_bodies(api_client, elsewhere) == []
    assert _inbox_bodies(api_client, waitlisted_in) == []


def test_a_group_joined_after_the_text_does_not_see_it(api_client, client):
    import datetime as dt

    from django.utils import timezone

    first = SupportGroupFactory()
    later = SupportGroupFactory(organization=first.organization)
    member = texting_member()
    EnrollmentFactory(member=member, group=first)
    message = _text_from(client, member, "Before I joined the second group")
    EnrollmentFactory(member=member, group=later, activated_at=message.received_at + dt.timedelta(seconds=1))
    assert message.received_at < timezone.now()
    assert _inbox_bodies(api_client, first) == ["Before I joined the second group"]
    assert _inbox_bodies(api_client, later) == []


def test_a_group_left_since_sees_only_what_was_filed_under_it(api_client, client):
    filed = SupportGroupFactory()
    other = SupportGroupFactory(organization=filed.organization)
    member = texting_member()
    EnrollmentFactory(member=member, group=filed)
    left = EnrollmentFactory(member=member, group=other)
    message = _text_from(client, member, "See you all soon")
    assert message.group == filed  # the earliest active group: nothing was texted to them yet
    Enrollment.objects.filter(pk=left.pk).update(status=Enrollment.Status.LEFT)
    Enrollment.objects.filter(member=member, group=filed).update(status=Enrollment.Status.LEFT)
    assert _inbox_bodies(api_client, filed) == ["See you all soon"]
    assert _inbox_bodies(api_client, other) == []


def test_an_erased_members_texts_leave_every_inbox(api_client, client):
    from sessions.services.members import member_erase

    group = SupportGroupFactory()
    member = texting_member()
    EnrollmentFactory(member=member, group=group)
    _text_from(client, member, "Please call me")
    member_erase(member=member)
    assert _inbox_bodies(api_client, group) == []


# --- OpenAPI schema ------------------------------------------------------------------------
# GroupMessagesView is a plain APIView: without annotations drf-spectacular drops it.

MESSAGING_OPERATIONS = {
    "/api/manage/groups/{group_id}/messages/": {"get", "post"},
    "/api/manage/groups/{group_id}/inbox/": {"get"},
}
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def _resolve(openapi: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


@pytest.mark.parametrize(("path", "methods"), MESSAGING_OPERATIONS.items(), ids=list(MESSAGING_OPERATIONS))
def test_schema_documents_messaging_paths_with_their_methods(openapi, path, methods):
    assert path in openapi["paths"]
    assert set(openapi["paths"][path]) & HTTP_METHODS == methods


def test_schema_broadcast_has_request_and_response_bodies_and_an_example(openapi):
    post = openapi["paths"]["/api/manage/groups/{group_id}/messages/"]["post"]
    content = post["requestBody"]["content"]["application/json"]
    assert set(_resolve(openapi, content["schema"])["properties"]) == {"body"}
    assert content["examples"]["Broadcast"]["value"] == {"body": "We're in room 4 tonight."}
    assert set(post["responses"]) >= {"201", "400", "403", "404"}
    created = _resolve(openapi, post["responses"]["201"]["content"]["application/json"]["schema"])
    assert set(created["properties"]) == {"id", "body", "author", "recipients", "created_at", "sms", "email"}


def test_schema_inbox_lists_paginated_messages_with_member(openapi):
    get = openapi["paths"]["/api/manage/groups/{group_id}/inbox/"]["get"]
    page = _resolve(openapi, get["responses"]["200"]["content"]["application/json"]["schema"])
    assert {"count", "results"} <= set(page["properties"])
    item = _resolve(openapi, page["properties"]["results"]["items"])
    assert set(item["properties"]) == {"id", "member", "from_number", "body", "received_at"}
    member = item["properties"]["member"]
    member = _resolve(openapi, member.get("allOf", [member])[0]) if "allOf" in member else _resolve(openapi, member)
    assert set(member["properties"]) == {"id", "display_name"}
