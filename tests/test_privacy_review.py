"""Privacy review: member data (name, phone, email, token, notes, the note to the
facilitator) and the conference link reach only the people allowed to see them.

One world with distinctive personal data; every response the wrong person can
get is searched for any of it. Also: a rotated or erased self-service token is
dead everywhere (the calendar feed included), the audit log keeps no contact
data, provider errors are logged without the recipient, and the OpenAPI examples
use only reserved (555-01xx, example.*) contacts.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.transports import REDACTED_EMAIL, REDACTED_PHONE, OutgoingMessage, TransportError, TwilioSms
from sessions.models import AuditLog, Enrollment, Member, SupportGroup
from sessions.services.schedule import materialize_series
from tests.factories import (
    FacilitatorFactory,
    OrganizationFactory,
    SessionSeriesFactory,
    SupportGroupFactory,
    UserFactory,
    VenueFactory,
    join_and_confirm,
)
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio

pytestmark = pytest.mark.django_db

CONFERENCE_URL = "https://meet.example.org/secret-room-7731"
ANA = {"display_name": "Zephyrine", "phone": "+13125550142", "email": "zephyrine.private@example.org"}
BEX = {"display_name": "Quillonia", "phone": "+13125550143", "email": "quillonia.private@example.org"}
JOIN_NOTE = "my brother died in march"
FACILITATOR_NOTE = "asked about the bereavement counsellor"


@dataclass
class World:
    group: SupportGroup
    other_group: SupportGroup
    ana: Member
    bex: Member
    clients: dict


def _staff_client(user) -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def _join(group: SupportGroup, person: dict, note: str = "") -> Member:
    return join_and_confirm(group, **person, email_reminders=True, note=note)


@pytest.fixture
def world() -> World:
    admin, lead, other_facilitator, other_admin = UserFactory(), UserFactory(), UserFactory(), UserFactory()
    organization = OrganizationFactory(admins=[admin])
    OrganizationFactory(admins=[other_admin])
    venue = VenueFactory(organization=organization)
    group = SupportGroupFactory(
        organization=organization,
        venue=venue,
        format=SupportGroup.Format.HYBRID,
        conference_url=CONFERENCE_URL,
        capacity=1,
    )
    other_group = SupportGroupFactory(organization=organization)
    FacilitatorFactory(group=group, user=lead)
    FacilitatorFactory(group=other_group, user=other_facilitator)
    series = SessionSeriesFactory(group=group, dtstart=dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC))
    materialize_series(series=series)
    ana = _join(group, ANA, note=JOIN_NOTE)  # the one seat
    bex = _join(group, BEX)  # waitlisted
    Enrollment.objects.filter(member=ana).update(notes=FACILITATOR_NOTE)
    clients = {
        "anonymous": APIClient(raise_request_exception=False),
        "admin": _staff_client(admin),
        "lead": _staff_client(lead),
        "other_facilitator": _staff_client(other_facilitator),
        "other_admin": _staff_client(other_admin),
    }
    return World(group, other_group, ana, bex, clients)


def personal_data(world: World) -> list[str]:
    values = [JOIN_NOTE, FACILITATOR_NOTE, CONFERENCE_URL, world.ana.token, world.bex.token]
    for person in (ANA, BEX):
        values += [person["display_name"], person["email"], person["phone"], person["phone"][-7:]]
    return values


def leaked(world: World, response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8", "replace")
    # iCalendar folds lines at 75 octets: unfold before searching.
    text = text.replace("\r\n ", "").replace("\\n", "\n")
    return [value for value in personal_data(world) if value.lower() in text.lower()]


def test_the_world_really_has_the_data_we_look_for(world):
    # Guards the other tests against searching for strings that are never stored.
    roster = world.clients["lead"].get(f"/api/manage/groups/{world.group.id}/roster/")
    assert set(leaked(world, roster)) >= {ANA["phone"], BEX["email"], JOIN_NOTE, FACILITATOR_NOTE}
    assert world.group.enrollments.get(member=world.bex).status == Enrollment.Status.WAITLISTED


def test_public_endpoints_carry_no_member_data_and_no_conference_link(world):
    group, client = world.group, world.clients["anonymous"]
    paths = [
        "/api/groups/",
        "/api/groups/?include_online=true",
        f"/api/groups/?q={ANA['display_name']}",
        f"/api/groups/{group.slug}/",
        f"/api/groups/{group.slug}/sessions/",
        f"/api/groups/{group.slug}/calendar.ics",
        "/api/feeds/meeting-guide.json",
    ]
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        assert leaked(world, response) == [], path
    listed = client.get("/api/groups/").json()["results"]
    assert [g["slug"] for g in listed] == [group.slug]  # the group is there; its people are not
    assert client.get(f"/api/groups/?q={ANA['display_name']}").json()["count"] == 0


@pytest.mark.parametrize("role", ["anonymous", "other_facilitator", "other_admin"])
def test_the_wrong_staff_get_no_member_data_from_any_management_endpoint(world, role):
    group = world.group
    enrollment = group.enrollments.get(member=world.ana)
    session = group.sessions.order_by("starts_at").first()
    client = world.clients[role]
    requests = [
        ("get", f"/api/manage/groups/{group.id}/"),
        ("get", f"/api/manage/groups/{group.id}/roster/"),
        ("get", f"/api/manage/groups/{group.id}/roster.csv"),
        ("get", f"/api/manage/groups/{group.id}/roster/{enrollment.id}/"),
        ("patch", f"/api/manage/groups/{group.id}/roster/{enrollment.id}/"),
        ("get", f"/api/manage/groups/{group.id}/attendance.csv"),
        ("get", f"/api/manage/groups/{group.id}/follow-up/"),
        ("get", f"/api/manage/groups/{group.id}/inbox/"),
        ("get", f"/api/manage/groups/{group.id}/messages/"),
        ("post", f"/api/manage/groups/{group.id}/messages/"),
        ("get", f"/api/manage/groups/{group.id}/series/"),
        ("get", f"/api/manage/groups/{group.id}/sessions/"),
        ("get", f"/api/manage/sessions/{session.id}/"),
        ("get", f"/api/manage/sessions/{session.id}/attendance/"),
        ("get", f"/api/manage/organizations/{group.organization_id}/audit/"),
        ("get", "/api/manage/groups/"),
        ("get", "/api/manage/organizations/"),
    ]
    for method, path in requests:
        body = {"notes": "overwritten", "body": "hello from the wrong person"}
        response = getattr(client, method)(path, body, format="json")
        assert response.status_code in (200, 401, 403, 404), (path, response.status_code)
        assert leaked(world, response) == [], path
        if response.status_code == 200:
            # Only the caller-filtered lists may answer 200, and the group is not in them.
            assert path in ("/api/manage/groups/", "/api/manage/organizations/"), path
            assert str(group.slug) not in response.content.decode(), path
    enrollment.refresh_from_db()
    assert enrollment.notes == FACILITATOR_NOTE
    assert not group.broadcasts.exists()


def test_a_member_sees_nothing_of_other_members(world):
    client = world.clients["anonymous"]
    for path in [f"/api/me/{world.ana.token}/", f"/api/me/{world.ana.token}/calendar.ics"]:
        response = client.get(path)
        assert response.status_code == 200
        seen = set(leaked(world, response))
        assert not seen & {BEX["display_name"], BEX["email"], BEX["phone"], world.bex.token}, path
        assert FACILITATOR_NOTE not in seen, path
    # A member's token used as a staff API token opens nothing.
    as_staff = APIClient(raise_request_exception=False)
    as_staff.credentials(HTTP_AUTHORIZATION=f"Token {world.ana.token}")
    assert as_staff.get(f"/api/manage/groups/{world.group.id}/roster/").status_code == 401


def test_conference_link_only_in_an_active_members_calendar(world):
    client = world.clients["anonymous"]
    active = client.get(f"/api/me/{world.ana.token}/calendar.ics")
    waitlisted = client.get(f"/api/me/{world.bex.token}/calendar.ics")
    assert CONFERENCE_URL in leaked(world, active)
    assert CONFERENCE_URL not in leaked(world, waitlisted)
    assert active["Cache-Control"] == "private, no-cache" and active["Referrer-Policy"] == "no-referrer"


def test_a_rotated_token_stops_working_everywhere_including_the_calendar(world):
    client, old = world.clients["anonymous"], world.ana.token
    rotated = client.post(f"/api/me/{old}/rotate/")
    assert rotated.status_code == 200
    new = rotated.json()["token"]
    assert new != old
    dead = [
        client.get(f"/api/me/{old}/"),
        client.patch(f"/api/me/{old}/", {"display_name": "Hijacked"}, format="json"),
        client.get(f"/api/me/{old}/calendar.ics"),
        client.post(f"/api/me/{old}/rotate/"),
        client.post(f"/api/me/{old}/groups/{world.group.slug}/leave/"),
        client.delete(f"/api/me/{old}/"),
    ]
    assert [response.status_code for response in dead] == [404] * len(dead)
    assert all(leaked(world, response) == [] for response in dead)
    world.ana.refresh_from_db()
    assert world.ana.display_name == ANA["display_name"] and world.ana.erased_at is None
    assert client.get(f"/api/me/{new}/").json()["display_name"] == ANA["display_name"]
    assert client.get(f"/api/me/{new}/calendar.ics").status_code == 200


def test_an_erased_members_links_are_dead_everywhere(world):
    client, token = world.clients["anonymous"], world.ana.token
    assert client.delete(f"/api/me/{token}/").status_code == 204
    assert client.get(f"/api/me/{token}/").status_code == 404
    assert client.get(f"/api/me/{token}/calendar.ics").status_code == 404
    roster = world.clients["lead"].get(f"/api/manage/groups/{world.group.id}/roster/")
    assert not set(leaked(world, roster)) & {ANA["display_name"], ANA["phone"], ANA["email"], JOIN_NOTE}


def test_join_response_never_shows_an_existing_members_link_or_data(world):
    # Anyone may type anyone's phone number: the answer must not hand over their account.
    stranger = {"display_name": "Mallory", "phone": ANA["phone"], "email": "mallory@example.org"}
    response = APIClient().post(f"/api/groups/{world.other_group.slug}/join/", stranger, format="json")
    assert response.status_code == 202
    assert "self_service_url" not in response.json() and "/me/" not in response.content.decode()
    assert leaked(world, response) == []
    world.ana.refresh_from_db()
    assert world.ana.display_name == ANA["display_name"] and world.ana.email == ANA["email"]
    # Nothing happens before Ana confirms: the other group's facilitators see nothing of her.
    assert not world.other_group.enrollments.filter(member=world.ana).exists()


def test_join_response_does_not_say_whether_the_number_is_in_the_group(world):
    # Ana is in world.group; asking about her number there and in another group gives the same bytes.
    stranger = {"display_name": "Mallory", "phone": ANA["phone"]}
    inside = APIClient().post(f"/api/groups/{world.group.slug}/join/", stranger, format="json")
    outside = APIClient().post(f"/api/groups/{world.other_group.slug}/join/", stranger, format="json")

    # Only the request's own handle and expiry differ.
    def strip(body: dict) -> dict:
        return {k: v for k, v in body.items() if k not in ("request_url", "request_token", "expires_at")}

    assert (inside.status_code, strip(inside.json())) == (outside.status_code, strip(outside.json()))
    assert inside.status_code == 202


def test_the_audit_log_keeps_no_contact_data(world):
    lead, client = world.clients["lead"], world.clients["anonymous"]
    enrollment = world.group.enrollments.get(member=world.bex)
    lead.get(f"/api/manage/groups/{world.group.id}/roster/")
    lead.get(f"/api/manage/groups/{world.group.id}/roster.csv")
    lead.patch(f"/api/manage/groups/{world.group.id}/roster/{enrollment.id}/", {"notes": "x"}, format="json")
    lead.post(f"/api/manage/groups/{world.group.id}/roster/", {"display_name": "Walk In", "phone": "+13125550177"})
    client.patch(f"/api/me/{world.bex.token}/", {"email": "quillonia.new@example.org"}, format="json")
    client.post(f"/api/me/{world.bex.token}/rotate/")
    client.delete(f"/api/me/{world.ana.token}/")
    entries = list(AuditLog.objects.values("actor_label", "action", "target_id", "details"))
    assert len(entries) >= 8
    text = json.dumps(entries, default=str).lower()
    for value in [*personal_data(world), "5550177", "walk in", "quillonia.new"]:
        assert value.lower() not in text, value


def test_provider_errors_are_kept_and_logged_without_the_recipient(settings, caplog):
    fake = FakeTwilio().start()
    try:
        settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
        settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
        settings.TWILIO_FROM_NUMBER = FROM_NUMBER
        settings.TWILIO_MESSAGING_SERVICE_SID = ""
        settings.TWILIO_API_BASE_URL = fake.url
        fake.fail_next(status=400, code=21211, message=f"The 'To' number {ANA['phone']} is not a valid phone number.")
        with pytest.raises(TransportError) as caught:
            TwilioSms().send(OutgoingMessage(to=ANA["phone"], body="Reminder"))
    finally:
        fake.stop()
    error = caught.value
    assert error.code == "21211" and error.permanent
    assert ANA["phone"] not in error.message and ANA["phone"] not in str(error)
    assert REDACTED_PHONE in error.message
    smtp = TransportError(f"Email could not be sent: {{'{ANA['email']}': (550, b'No such user')}}", permanent=False)
    assert ANA["email"] not in str(smtp) and REDACTED_EMAIL in smtp.message
    kept = TransportError("Could not reach Twilio: host='127.0.0.1', port=54321 at 2026-11-23 13:44", permanent=False)
    assert kept.message.endswith("host='127.0.0.1', port=54321 at 2026-11-23 13:44")


def test_openapi_examples_use_only_reserved_contacts(api_client):
    schema = api_client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    text = json.dumps(schema.json())
    phones = re.findall(r"\+1\d{10}|\(\d{3}\) \d{3}-\d{4}", text)
    assert phones  # the examples do show numbers…
    for phone in phones:
        digits = re.sub(r"\D", "", phone)[-7:]
        assert digits.startswith("55501"), phone  # …from the range reserved for fiction
    for address in re.findall(r"[\w.+-]+@([\w.-]+\.[a-z]+)", text):
        assert address == "example.org" or address.endswith((".example.org", ".example.com", ".example")), address
    for url in re.findall(r"https?://([\w.-]+)", text):
        assert url.split(":")[0].endswith(("example.org", "example.com", "example", "lantern.test")), url


def test_self_service_and_staff_lookups_do_not_match_partial_or_case_changed_tokens(world):
    client, token = world.clients["anonymous"], world.ana.token
    for guess in [token[:-1], token.swapcase(), token + "x", token[:8], " " + token, f"{token[:-1]}%25"]:
        assert client.get(f"/api/me/{guess}/").status_code == 404, guess
        assert client.get(f"/api/me/{guess}/calendar.ics").status_code == 404, guess


def test_a_members_text_stays_with_the_organization_it_was_filed_under():
    from notifications.inbound_sms import handle_inbound
    from notifications.models import InboundMessage, OutboxMessage
    from tests.factories import EnrollmentFactory, MemberFactory

    hospice_group = SupportGroupFactory()
    same_hospice = SupportGroupFactory(organization=hospice_group.organization)
    church_group = SupportGroupFactory()
    # One person, two organizations: two records (each organization's own data).
    member = MemberFactory(phone=ANA["phone"], organization=hospice_group.organization)
    church_member = MemberFactory(phone=ANA["phone"], organization=church_group.organization)
    for group in (hospice_group, same_hospice):
        EnrollmentFactory(member=member, group=group, activated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    EnrollmentFactory(member=church_member, group=church_group, activated_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    # The hospice texted the number last: the reply is the hospice's.
    OutboxMessage.objects.create(
        member=member,
        channel="sms",
        kind="reminder",
        group=hospice_group,
        dedupe_key="r1",
        status="sent",
        due_at=dt.datetime(2026, 1, 31, tzinfo=dt.UTC),
        next_attempt_at=dt.datetime(2026, 1, 31, tzinfo=dt.UTC),
        send_started_at=dt.datetime(2026, 1, 31, tzinfo=dt.UTC),
        to=ANA["phone"],
    )
    handle_inbound(
        message_sid="SMprivate",
        from_number=ANA["phone"],
        to_number=FROM_NUMBER,
        body="I relapsed last night",
        now=dt.datetime(2026, 2, 1, tzinfo=dt.UTC),
    )
    filed = InboundMessage.objects.get(provider_message_id="SMprivate").group
    assert filed == hospice_group
    bodies = {}
    for group in (hospice_group, same_hospice, church_group):
        lead = UserFactory()
        FacilitatorFactory(group=group, user=lead)
        response = _staff_client(lead).get(f"/api/manage/groups/{group.id}/inbox/")
        assert response.status_code == 200
        bodies[group] = [item["body"] for item in response.json()["results"]]
    assert bodies[hospice_group] == ["I relapsed last night"]
    assert bodies[same_hospice] == ["I relapsed last night"]
    assert bodies[church_group] == []


def test_self_service_tokens_stay_out_of_request_logs(world, caplog):
    client, token = world.clients["anonymous"], world.ana.token
    with caplog.at_level(logging.INFO):
        bad_phone = client.patch(f"/api/me/{token}/", {"phone": "not a number"}, format="json")
        unknown_group = client.post(f"/api/me/{token}/groups/no-such-group/leave/")
    assert bad_phone.status_code == 400 and unknown_group.status_code == 404
    request_lines = [r.getMessage() for r in caplog.records if r.name == "django.request"]
    assert len(request_lines) == 2
    assert all("/api/me/[token]/" in line for line in request_lines), request_lines
    assert not any(token in r.getMessage() for r in caplog.records)


def test_session_notes_reach_members_feeds_but_not_the_public_feed(world):
    from sessions.services.schedule import session_change

    session = world.group.sessions.filter(starts_at__gt=dt.datetime.now(dt.UTC)).order_by("starts_at").first()
    session_change(session=session, note="We close early for Zephyrine's husband's funeral")
    client = world.clients["anonymous"]
    public_feed = client.get(f"/api/groups/{world.group.slug}/calendar.ics")
    public_api = client.get(f"/api/groups/{world.group.slug}/sessions/")
    member_feed = client.get(f"/api/me/{world.ana.token}/calendar.ics")
    assert leaked(world, public_feed) == [] and leaked(world, public_api) == []
    assert b"RECURRENCE-ID" in public_feed.content  # the changed session is there, without its note
    assert ANA["display_name"] in leaked(world, member_feed)
