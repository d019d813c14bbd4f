"""Every management and self-service endpoint and member page × every kind of caller.

Callers: anonymous; a member (sending their self-service token as if it were an
API token, and using it in /api/me/ paths); a facilitator of another group of
the same organization; the group's co-facilitator; its lead facilitator; an
admin of another organization; the organization's admin. Staff authenticate
with real API tokens. On /api/me/ paths, callers other than the member use a
token that is not a member's (their own API token, or garbage): 404, never 403.
The same holds for a join request's handle and an emailed confirmation link: the
"member" column is the person holding them, everyone else tries a wrong one.

Conventions: not logged in is 401; logged in but not allowed is 403; a missing
object (or someone else's self-service token) is 404.

Nothing is left out: every route of the URL resolver outside /facilitate/ (whose pages
have their own matrix, tests/pages/facilitate/test_authorization_matrix.py) is in a
matrix here, or in PUBLIC with the reason it is open to everyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.models import Broadcast, InboundMessage, OutboxMessage
from sessions.models import (
    Attendance,
    ContactProof,
    Enrollment,
    Facilitator,
    JoinRequest,
    Member,
    Organization,
    Session,
    SessionSeries,
    SupportGroup,
    Venue,
)
from sessions.services.enrollment import enrollment_join
from sessions.services.joining import group_join
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
from tests.url_routes import ADMIN, every_route, route_of

ROLES = ("anonymous", "member", "other_facilitator", "co_facilitator", "lead", "other_admin", "admin")
MEMBER_PHONE = "+13125550142"
MEMBER_EMAIL = "ana.private@example.org"


@dataclass
class World:
    organization: object
    group: object
    venue: object
    spare_venue: object
    enrollment: object
    member: Member
    users: dict
    tokens: dict
    join_request: JoinRequest
    email_request: JoinRequest
    series: object
    past_session: object
    next_session: object


@pytest.fixture
def world(db) -> World:
    admin, second_admin, other_admin = UserFactory(), UserFactory(), UserFactory()
    lead, co, other_facilitator = UserFactory(), UserFactory(), UserFactory()
    UserFactory(username="newcomer")
    organization = OrganizationFactory(admins=[admin, second_admin])
    OrganizationFactory(admins=[other_admin])
    venue = VenueFactory(organization=organization)
    spare_venue = VenueFactory(organization=organization)
    group = SupportGroupFactory(organization=organization, venue=venue, capacity=10)
    FacilitatorFactory(group=group, user=lead, role="lead")
    FacilitatorFactory(group=group, user=co, role="co")
    FacilitatorFactory(group=SupportGroupFactory(organization=organization), user=other_facilitator, role="lead")
    member = MemberFactory(display_name="Ana", phone=MEMBER_PHONE, email=MEMBER_EMAIL, organization=organization)
    enrollment = enrollment_join(group=group, member=member)[0]
    join_request = group_join(group=group, display_name="Bo", phone="+13125550143").join_request
    email_request = group_join(group=group, display_name="Cy", email="cy.private@example.org").join_request
    users = {
        "admin": admin,
        "second_admin": second_admin,
        "other_admin": other_admin,
        "lead": lead,
        "co_facilitator": co,
        "other_facilitator": other_facilitator,
    }
    tokens = {role: Token.objects.create(user=user).key for role, user in users.items()}
    series = SessionSeriesFactory(group=group)
    past_session = SessionFactory(series=series, starts_at=timezone.now() - dt.timedelta(minutes=30))
    next_session = SessionFactory(series=series, starts_at=timezone.now() + dt.timedelta(days=7))
    return World(
        organization,
        group,
        venue,
        spare_venue,
        enrollment,
        member,
        users,
        tokens,
        join_request,
        email_request,
        series,
        past_session,
        next_session,
    )


# What a refused write must leave as it was: everything members, groups and schedules are made of.
# (Not the sign-in bookkeeping: last_login, token use, audit entries and rate counters.)
WRITTEN_MODELS = (
    Organization, Venue, SupportGroup, Facilitator, Member, Enrollment, JoinRequest, ContactProof,
    SessionSeries, Session, Attendance, OutboxMessage, Broadcast, InboundMessage,
)  # fmt: skip


def written_state() -> dict:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in WRITTEN_MODELS}


def is_refused_write(method: str, expected: int) -> bool:
    return method != "get" and expected >= 400


def state_before(method: str, expected: int) -> dict | None:
    """The written tables before a refused write (the only case compared after), else None."""
    return written_state() if is_refused_write(method, expected) else None


def assert_refusal_changed_nothing(method: str, expected: int, before: dict | None, name: str, role: str) -> None:
    if is_refused_write(method, expected):
        after = written_state()
        changed = [model for model in before if before[model] != after[model]]
        assert changed == [], (name, role, changed)


def client_for(world: World, role: str) -> APIClient:
    client = APIClient()
    if role == "member":
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.member.token}")
    elif role != "anonymous":
        client.credentials(HTTP_AUTHORIZATION=f"Token {world.tokens[role]}")
    return client


def me_token(world: World, role: str) -> str:
    if role == "member":
        return world.member.token
    if role == "anonymous":
        return "not-a-member-token"
    return world.tokens[role]


def expect(line: str) -> dict[str, int]:
    codes = [int(code) for code in line.split()]
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


#                 anonymous member other_fac co lead other_admin admin
ORG_ADMIN_ONLY = "401 401 403 403 403 403 {ok}"
ANY_STAFF = "401 401 200 200 200 200 200"
GROUP_MANAGERS = "401 401 403 {ok} {ok} 403 {ok}"
GROUP_LEADS = "401 401 403 403 {ok} 403 {ok}"
MEMBER_ONLY = "404 {ok} 404 404 404 404 404"


def _venue_body(world):
    return {"organization": world.organization.pk, "name": "Hall", "city": "Springfield", "country": "US",
            "latitude": 39.8, "longitude": -89.6}  # fmt: skip


def _series_body(world):
    week_ahead = timezone.now() + dt.timedelta(days=7)
    return {"rrule": "FREQ=WEEKLY;COUNT=4", "dtstart": week_ahead.strftime("%Y-%m-%dT19:00"), "duration_minutes": 90}


def _group_body(world):
    return {"organization": world.organization.pk, "name": "New Circle", "topic": "grief", "format": "in_person",
            "venue": world.venue.pk}  # fmt: skip


ENDPOINTS = [
    # (name, method, path, body, expected)
    ("organizations list", "get", "/api/manage/organizations/", None, ANY_STAFF),
    ("organization create", "post", "/api/manage/organizations/", lambda w: {"name": "N", "slug": "n"},
     "401 401 403 403 403 403 403"),
    ("organization detail", "get", "/api/manage/organizations/{org}/", None, ORG_ADMIN_ONLY.format(ok=200)),
    ("organization edit", "patch", "/api/manage/organizations/{org}/", lambda w: {"website": "https://x.example.org"},
     ORG_ADMIN_ONLY.format(ok=200)),
    ("admins list", "get", "/api/manage/organizations/{org}/admins/", None, ORG_ADMIN_ONLY.format(ok=200)),
    ("admin add", "post", "/api/manage/organizations/{org}/admins/", lambda w: {"username": "newcomer"},
     ORG_ADMIN_ONLY.format(ok=201)),
    ("admin remove", "delete", "/api/manage/organizations/{org}/admins/{second_admin}/", None,
     ORG_ADMIN_ONLY.format(ok=204)),
    ("audit log", "get", "/api/manage/organizations/{org}/audit/", None, ORG_ADMIN_ONLY.format(ok=200)),
    ("venues list", "get", "/api/manage/venues/", None, ANY_STAFF),
    ("venue create", "post", "/api/manage/venues/", _venue_body, ORG_ADMIN_ONLY.format(ok=201)),
    ("venue detail", "get", "/api/manage/venues/{venue}/", None, ORG_ADMIN_ONLY.format(ok=200)),
    ("venue edit", "patch", "/api/manage/venues/{venue}/", lambda w: {"accessibility_notes": "Ramp"},
     ORG_ADMIN_ONLY.format(ok=200)),
    ("venue delete", "delete", "/api/manage/venues/{spare_venue}/", None, ORG_ADMIN_ONLY.format(ok=204)),
    ("groups list", "get", "/api/manage/groups/", None, ANY_STAFF),
    ("group create", "post", "/api/manage/groups/", _group_body, ORG_ADMIN_ONLY.format(ok=201)),
    ("group detail", "get", "/api/manage/groups/{group}/", None, GROUP_MANAGERS.format(ok=200)),
    ("group edit", "patch", "/api/manage/groups/{group}/", lambda w: {"capacity": 12}, GROUP_LEADS.format(ok=200)),
    ("group delete", "delete", "/api/manage/groups/{group}/", None, ORG_ADMIN_ONLY.format(ok=204)),
    ("facilitators list", "get", "/api/manage/groups/{group}/facilitators/", None, GROUP_MANAGERS.format(ok=200)),
    ("facilitator add", "post", "/api/manage/groups/{group}/facilitators/",
     lambda w: {"username": "newcomer", "role": "co"}, GROUP_LEADS.format(ok=201)),
    ("facilitator remove", "delete", "/api/manage/groups/{group}/facilitators/{co}/", None,
     GROUP_LEADS.format(ok=204)),
    ("roster list", "get", "/api/manage/groups/{group}/roster/", None, GROUP_MANAGERS.format(ok=200)),
    ("roster add", "post", "/api/manage/groups/{group}/roster/",
     lambda w: {"display_name": "Ruth", "phone": "+13125550199"}, GROUP_MANAGERS.format(ok=201)),
    ("roster entry", "get", "/api/manage/groups/{group}/roster/{enrollment}/", None, GROUP_MANAGERS.format(ok=200)),
    ("roster entry change", "patch", "/api/manage/groups/{group}/roster/{enrollment}/",
     lambda w: {"action": "remove"}, GROUP_MANAGERS.format(ok=200)),
    ("roster csv", "get", "/api/manage/groups/{group}/roster.csv", None, GROUP_MANAGERS.format(ok=200)),
    ("series list", "get", "/api/manage/groups/{group}/series/", None, GROUP_MANAGERS.format(ok=200)),
    ("series create", "post", "/api/manage/groups/{group}/series/", _series_body, GROUP_MANAGERS.format(ok=201)),
    ("series detail", "get", "/api/manage/series/{series}/", None, GROUP_MANAGERS.format(ok=200)),
    ("series edit", "patch", "/api/manage/series/{series}/", lambda w: {"duration_minutes": 60},
     GROUP_MANAGERS.format(ok=200)),
    ("series end", "delete", "/api/manage/series/{series}/", None, GROUP_MANAGERS.format(ok=204)),
    ("sessions list", "get", "/api/manage/groups/{group}/sessions/", None, GROUP_MANAGERS.format(ok=200)),
    ("session detail", "get", "/api/manage/sessions/{next_session}/", None, GROUP_MANAGERS.format(ok=200)),
    ("session change", "patch", "/api/manage/sessions/{next_session}/", lambda w: {"note": "Room 4"},
     GROUP_MANAGERS.format(ok=200)),
    ("attendance", "get", "/api/manage/sessions/{past_session}/attendance/", None, GROUP_MANAGERS.format(ok=200)),
    ("attendance mark", "put", "/api/manage/sessions/{past_session}/attendance/",
     lambda w: {"marks": [{"enrollment": w.enrollment.pk, "attendance": "present"}]}, GROUP_MANAGERS.format(ok=200)),
    ("attendance csv", "get", "/api/manage/groups/{group}/attendance.csv", None, GROUP_MANAGERS.format(ok=200)),
    ("follow-up", "get", "/api/manage/groups/{group}/follow-up/", None, GROUP_MANAGERS.format(ok=200)),
    ("broadcasts list", "get", "/api/manage/groups/{group}/messages/", None, GROUP_MANAGERS.format(ok=200)),
    ("broadcast send", "post", "/api/manage/groups/{group}/messages/", lambda w: {"body": "Room 4 tonight"},
     GROUP_MANAGERS.format(ok=201)),
    ("inbox", "get", "/api/manage/groups/{group}/inbox/", None, GROUP_MANAGERS.format(ok=200)),
    ("me", "get", "/api/me/{token}/", None, MEMBER_ONLY.format(ok=200)),
    ("me edit", "patch", "/api/me/{token}/", lambda w: {"display_name": "Annie"}, MEMBER_ONLY.format(ok=200)),
    ("me erase", "delete", "/api/me/{token}/", None, MEMBER_ONLY.format(ok=204)),
    ("me leave", "post", "/api/me/{token}/groups/{slug}/leave/", None, MEMBER_ONLY.format(ok=200)),
    ("me join offer", "get", "/api/me/{token}/groups/{slug}/join/", None, MEMBER_ONLY.format(ok=200)),
    # The member is already in the group: 200 with their own status, nobody else gets further than 404.
    ("me join", "post", "/api/me/{token}/groups/{slug}/join/", None, MEMBER_ONLY.format(ok=200)),
    ("me rotate", "post", "/api/me/{token}/rotate/", None, MEMBER_ONLY.format(ok=200)),
    ("me confirm email", "post", "/api/me/{token}/confirm-email/", None, MEMBER_ONLY.format(ok=202)),
    ("me calendar", "get", "/api/me/{token}/calendar.ics", None, MEMBER_ONLY.format(ok=200)),
    ("join request", "get", "/api/join-requests/{request}/", None, MEMBER_ONLY.format(ok=200)),
    ("join request cancel", "delete", "/api/join-requests/{request}/", None, MEMBER_ONLY.format(ok=200)),
    ("join request cancel form", "post", "/api/join-requests/{request}/cancel/", None, MEMBER_ONLY.format(ok=200)),
    ("email confirmation", "get", "/api/email-confirmations/{secret}/", None, MEMBER_ONLY.format(ok=200)),
    ("email confirm", "post", "/api/email-confirmations/{secret}/", None, MEMBER_ONLY.format(ok=200)),
]  # fmt: skip

CASES = [
    pytest.param(name, method, path, body, role, expect(expected)[role], id=f"{name}-{role}")
    for name, method, path, body, expected in ENDPOINTS
    for role in ROLES
]


def _fill(path: str, world: World, role: str) -> str:
    return path.format(
        org=world.organization.pk,
        second_admin=world.users["second_admin"].username,
        venue=world.venue.pk,
        spare_venue=world.spare_venue.pk,
        group=world.group.pk,
        co=world.users["co_facilitator"].username,
        enrollment=world.enrollment.pk,
        series=world.series.pk,
        past_session=world.past_session.pk,
        next_session=world.next_session.pk,
        token=me_token(world, role),
        slug=world.group.slug,
        request=world.join_request.token if role == "member" else me_token(world, role),
        secret=world.email_request.proofs.get().secret if role == "member" else me_token(world, role),
    )


@pytest.mark.django_db
@pytest.mark.parametrize("name,method,path,body,role,expected", CASES)
def test_authorization_matrix(world, name, method, path, body, role, expected):
    client = client_for(world, role)
    data = body(world) if body else None
    before = state_before(method, expected)
    response = getattr(client, method)(_fill(path, world, role), data, format="json")
    assert response.status_code == expected, (name, role, response.content[:300])
    if expected >= 400:
        text = response.content.decode()
        assert MEMBER_PHONE not in text and MEMBER_EMAIL not in text
    assert_refusal_changed_nothing(method, expected, before, name, role)
    if name == "roster entry change" and expected >= 400:
        # A refused change changed nothing.
        assert Enrollment.objects.get(pk=world.enrollment.pk).status == "active"


# --- Member pages: the link is the credential, as on /api/me/ ---------------------------

PAGES = [
    # (name, method, path, body, expected): staff roles are signed in to the pages as themselves.
    ("me page", "get", "/me/{token}/", None, MEMBER_ONLY.format(ok=200)),
    ("me rsvp", "post", "/me/{token}/rsvp/", lambda w: {"session": w.next_session.pk, "rsvp": "yes"},
     MEMBER_ONLY.format(ok=302)),
    ("me reminders", "post", "/me/{token}/reminders/", lambda w: {"language": "en"}, MEMBER_ONLY.format(ok=302)),
    ("me contact", "post", "/me/{token}/contact/", lambda w: {"phone": MEMBER_PHONE, "email": MEMBER_EMAIL},
     MEMBER_ONLY.format(ok=302)),
    ("me confirm email", "post", "/me/{token}/confirm-email/", None, MEMBER_ONLY.format(ok=302)),
    ("me leave", "get", "/me/{token}/groups/{slug}/leave/", None, MEMBER_ONLY.format(ok=200)),
    ("me rotate", "post", "/me/{token}/rotate/", None, MEMBER_ONLY.format(ok=302)),
    ("me erase", "get", "/me/{token}/erase/", None, MEMBER_ONLY.format(ok=200)),
    ("join request page", "get", "/join-requests/{request}/", None, MEMBER_ONLY.format(ok=200)),
    ("join request cancel page", "post", "/join-requests/{request}/cancel/", None, MEMBER_ONLY.format(ok=302)),
    ("email confirmation page", "get", "/email-confirmations/{secret}/", None, MEMBER_ONLY.format(ok=200)),
]  # fmt: skip

PAGE_CASES = [
    pytest.param(name, method, path, body, role, expect(expected)[role], id=f"{name}-{role}")
    for name, method, path, body, expected in PAGES
    for role in ROLES
]


def page_client_for(world: World, role: str) -> Client:
    client = Client()
    if role in world.users:
        client.force_login(world.users[role])
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("name,method,path,body,role,expected", PAGE_CASES)
def test_member_page_matrix(world, name, method, path, body, role, expected):
    client = page_client_for(world, role)
    data = body(world) if body else {}
    before = state_before(method, expected)
    response = getattr(client, method)(_fill(path, world, role), data)
    assert response.status_code == expected, (name, role, response.content[:300])
    if expected >= 400:
        text = response.content.decode()
        assert MEMBER_PHONE not in text and MEMBER_EMAIL not in text
    assert_refusal_changed_nothing(method, expected, before, name, role)


# --- Nothing left out --------------------------------------------------------------------

# Open to everyone on purpose, and why. Everything else outside /facilitate/ is in a matrix.
PUBLIC = {
    ADMIN: "Django's admin: its own staff sign-in and model permissions",
    "healthz": "the platform's health probe: answers whether the database and broker respond, nothing more",
    "api/schema/": "the API's description; no data",
    "api/docs/": "the API's documentation page; no data",
    "api/auth/token/": "staff sign-in itself: throttled and locked out per address (tests/sessions/test_api_auth.py)",
    "api/groups/": "group search for seekers: listings only, no member data",
    "api/groups/<slug:slug>/": "a group's public listing",
    "api/groups/<slug:slug>/sessions/": "a group's upcoming sessions, without notes or members",
    "api/groups/<slug:slug>/calendar.ics": "a group's public calendar feed",
    "api/groups/<slug:slug>/join/": "anyone may ask to join; nothing is trusted until the contact is proven",
    "api/feeds/meeting-guide.json": "the Meeting Guide listing feed",
    "": "the finder page",
    "groups/": "the finder's results",
    "groups/<slug:slug>/": "a group's public page",
    "groups/<slug:slug>/join/": "the join form (as the API's join)",
    "erased/": "the page shown after erasing, which knows nobody",
    "i18n/setlang/": "the language switch (Django's set_language): sets a cookie",
}
# Twilio's callbacks: no user at all, but a signature over the request with the auth token.
SIGNED_BY_TWILIO = ("webhooks/twilio/sms/", "webhooks/twilio/status/")


@pytest.mark.django_db
@pytest.mark.parametrize("route", SIGNED_BY_TWILIO)
def test_twilio_callbacks_refuse_an_unsigned_request(settings, route):
    settings.TWILIO_AUTH_TOKEN = "twilio-auth-token"
    response = Client().post(f"/{route}", {"MessageSid": "SM1", "From": MEMBER_PHONE, "Body": "STOP"})
    assert response.status_code == 403


@pytest.mark.django_db
def test_every_route_outside_facilitate_is_in_a_matrix_or_listed_as_public(world):
    in_matrix = {route_of(_fill(path, world, "member")) for _, _, path, _, _ in ENDPOINTS + PAGES}
    routes = {route for route in every_route() if not route.startswith("facilitate/")}
    uncovered = routes - in_matrix - set(PUBLIC) - set(SIGNED_BY_TWILIO)
    assert sorted(uncovered) == [], "add these to a matrix (or, if open to everyone, to PUBLIC with the reason)"
    assert sorted(set(PUBLIC) - routes) == [], "no such routes any more"
    assert sorted(set(PUBLIC) & in_matrix) == [], "both checked and declared public"


# --- Nothing leaks through lists or public pages ----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["other_facilitator", "other_admin"])
def test_lists_never_show_other_groups_or_their_members(world, role):
    client = client_for(world, role)
    for path in ("/api/manage/groups/", "/api/manage/venues/", "/api/manage/organizations/"):
        response = client.get(path)
        assert response.status_code == 200
        text = response.content.decode()
        assert world.group.slug not in text, path
        assert world.venue.name not in text, path
        assert MEMBER_PHONE not in text and MEMBER_EMAIL not in text and "Ana" not in text
    ids = [g["id"] for g in client.get("/api/manage/groups/").json()]
    assert world.group.pk not in ids


@pytest.mark.django_db
def test_a_roster_shows_only_its_own_groups_members(world):
    other_group = SupportGroupFactory(organization=world.organization)
    stranger = MemberFactory(phone="+13125550777", email="stranger@example.org", organization=world.organization)
    enrollment_join(group=other_group, member=stranger)
    client = client_for(world, "co_facilitator")
    for path in (f"/api/manage/groups/{world.group.pk}/roster/", f"/api/manage/groups/{world.group.pk}/roster.csv"):
        text = client.get(path).content.decode()
        assert MEMBER_PHONE in text
        assert "+13125550777" not in text and "stranger@example.org" not in text


@pytest.mark.django_db
def test_no_public_response_contains_a_members_phone_or_email(world):
    SessionFactory(series=SessionSeriesFactory(group=world.group))
    public = APIClient()
    paths = [
        "/api/groups/",
        f"/api/groups/{world.group.slug}/",
        f"/api/groups/{world.group.slug}/sessions/",
        f"/api/groups/{world.group.slug}/calendar.ics",
        "/api/feeds/meeting-guide.json",
    ]
    national = "(312) 555-0142"
    for path in paths:
        response = public.get(path)
        assert response.status_code == 200, path
        text = response.content.decode()
        for secret in (MEMBER_PHONE, MEMBER_PHONE[2:], national, MEMBER_EMAIL, world.member.token):
            assert secret not in text, (path, secret)


@pytest.mark.django_db
def test_a_member_cannot_use_their_token_in_another_organizations_group(world):
    elsewhere = SupportGroupFactory()
    client = APIClient()
    for method in ("get", "post"):
        response = getattr(client, method)(f"/api/me/{world.member.token}/groups/{elsewhere.slug}/join/")
        assert response.status_code == 404
    assert not Enrollment.objects.filter(group=elsewhere).exists()


@pytest.mark.django_db
def test_an_unproven_members_token_opens_nothing(world):
    unproven = world.join_request.member
    client = APIClient()
    for path in (f"/api/me/{unproven.token}/", f"/api/me/{unproven.token}/calendar.ics"):
        assert client.get(path).status_code == 404, path
