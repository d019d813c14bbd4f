"""Every facilitator page × every kind of caller, beside the API's matrix
(tests/test_authorization_matrix.py): the pages check the same permission functions.

Callers: anonymous; a facilitator of another organization; the group's co-facilitator;
its lead; the organization's admin; a superuser. Signed out is a redirect to the
sign-in page; signed in but not allowed is 403 with the API's message and no member
data; allowed is 200. POSTs that are refused change nothing (no audit entry or
broadcast: every state-changing service writes one).

Nothing is left out: every route under /facilitate/ is in this matrix or in PUBLIC with
the reason it is open (the rest of the site: tests/test_authorization_matrix.py).
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import Broadcast, InboundMessage
from sessions.models import AuditLog
from tests.pages.facilitate.conftest import signed_in
from tests.url_routes import every_route, route_of

ROLES = ("anonymous", "other_org_facilitator", "co_facilitator", "lead", "admin", "superuser")
MANAGERS = {"co_facilitator", "lead", "admin", "superuser"}
LEADS = {"lead", "admin", "superuser"}
ADMINS = {"admin", "superuser"}
EVERYONE = set(ROLES) - {"anonymous"}


def _pages(w) -> list[tuple[str, str, set]]:
    g, s = w.group.pk, w.next_session.pk
    return [
        ("home", "/facilitate/", EVERYONE),
        ("roster", f"/facilitate/groups/{g}/roster/", MANAGERS),
        ("roster entry", f"/facilitate/groups/{g}/roster/{w.active[0].pk}/", MANAGERS),
        ("sessions", f"/facilitate/groups/{g}/sessions/", MANAGERS),
        ("attendance", f"/facilitate/sessions/{w.past_session.pk}/", MANAGERS),
        ("session", f"/facilitate/sessions/{s}/", MANAGERS),
        ("cancel", f"/facilitate/sessions/{s}/cancel/", MANAGERS),
        ("move", f"/facilitate/sessions/{s}/move/", MANAGERS),
        ("venue", f"/facilitate/sessions/{s}/venue/", MANAGERS),
        ("messages", f"/facilitate/groups/{g}/messages/", MANAGERS),
        ("inbox", f"/facilitate/groups/{g}/inbox/", MANAGERS),
        ("follow-up", f"/facilitate/groups/{g}/follow-up/", MANAGERS),
        ("facilitators", f"/facilitate/groups/{g}/facilitators/", MANAGERS),
        ("schedule", f"/facilitate/groups/{g}/schedule/", MANAGERS),
        ("schedule new", f"/facilitate/groups/{g}/schedule/new/", MANAGERS),
        ("series", f"/facilitate/series/{w.series.pk}/", MANAGERS),
        ("group edit", f"/facilitate/groups/{g}/edit/", LEADS),
        ("group create", "/facilitate/groups/new/", ADMINS),
        ("venues", "/facilitate/venues/", ADMINS),
        ("venue create", "/facilitate/venues/new/", ADMINS),
        ("venue edit", f"/facilitate/venues/{w.venue.pk}/", ADMINS),
        ("audit", f"/facilitate/organizations/{w.organization.pk}/audit/", ADMINS),
    ]


def _client(world, role: str) -> Client:
    return Client() if role == "anonymous" else signed_in(world.users[role])


def _changes() -> int:
    """Every state change the pages make writes an audit entry, except a broadcast, which is its own row."""
    return AuditLog.objects.count() + Broadcast.objects.count()


def _private(world) -> list[str]:
    return [value for e in world.active for value in (e.member.phone, e.member.email) if value]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_every_caller(page_world, role):
    client = _client(page_world, role)
    failures = []
    for name, url, allowed in _pages(page_world):
        response = client.get(url)
        if role == "anonymous":
            expected = 302
        else:
            expected = 200 if role in allowed else 403
        if response.status_code != expected:
            failures.append((name, url, response.status_code, expected))
            continue
        if expected == 302 and not response["Location"].startswith("/facilitate/sign-in/?next="):
            failures.append((name, "redirects elsewhere", response["Location"]))
        if expected != 200:
            body = response.content.decode()
            leaked = [value for value in _private(page_world) if value in body]
            if leaked:
                failures.append((name, "leaks", leaked))
    assert failures == []


@pytest.fixture
def inbound_text(page_world) -> InboundMessage:
    """A text from an active member, waiting in the group's inbox."""
    member = page_world.active[0].member
    return InboundMessage.objects.create(
        provider_message_id="SM-matrix",
        from_number="+12175550142",
        body="Running late tonight",
        kind=InboundMessage.Kind.MESSAGE,
        member=member,
        group=page_world.group,
        received_at=timezone.now(),
    )


def _posts(w, inbound: InboundMessage) -> list[tuple[str, str, dict, set]]:
    g, s = w.group.pk, w.next_session.pk
    return [
        ("approve", f"/facilitate/groups/{g}/roster/{w.requested.pk}/change/", {"action": "decline"}, MANAGERS),
        ("add", f"/facilitate/groups/{g}/roster/", {"display_name": "Gus", "phone": "2175550177"}, MANAGERS),
        ("notes", f"/facilitate/groups/{g}/roster/{w.active[0].pk}/", {"notes": "x"}, MANAGERS),
        (
            "mark",
            f"/facilitate/sessions/{w.past_session.pk}/",
            {"enrollment": w.active[0].pk, "mark": "present"},
            MANAGERS,
        ),
        ("cancel", f"/facilitate/sessions/{s}/cancel/", {"note": "Closed", "confirm": "yes"}, MANAGERS),
        ("message", f"/facilitate/groups/{g}/messages/", {"body": "Hello", "confirm": "yes"}, MANAGERS),
        ("facilitator", f"/facilitate/groups/{g}/facilitators/", {"username": "outsider", "role": "lead"}, LEADS),
        ("end series", f"/facilitate/series/{w.series.pk}/end/", {"confirm": "yes"}, MANAGERS),
        ("facilitator remove", f"/facilitate/groups/{g}/facilitators/co/remove/", {}, LEADS),
        ("inbox handled", f"/facilitate/groups/{g}/inbox/{inbound.pk}/handled/", {"handled": "yes"}, MANAGERS),
        (
            "venue",
            "/facilitate/venues/new/",
            {
                "organization": w.organization.pk,
                "name": "Hall",
                "city": "Springfield",
                "country": "US",
                "latitude": "39.8",
                "longitude": "-89.6",
            },
            ADMINS,
        ),
    ]


@pytest.mark.parametrize("role", ["anonymous", "other_org_facilitator", "co_facilitator"])
def test_refused_posts_change_nothing(page_world, inbound_text, role):
    client = _client(page_world, role)
    failures = []
    for name, url, data, allowed in _posts(page_world, inbound_text):
        if role in allowed:
            continue
        before = _changes()
        response = client.post(url, data)
        expected = 302 if role == "anonymous" else 403
        if response.status_code != expected or _changes() != before:
            failures.append((name, response.status_code, _changes() - before))
    assert failures == []


@pytest.mark.parametrize("role", ["co_facilitator", "lead", "admin", "superuser"])
def test_allowed_posts_go_through(page_world, inbound_text, role):
    client = _client(page_world, role)
    failures = []
    for name, url, data, allowed in _posts(page_world, inbound_text):
        if role not in allowed or name in ("end series", "cancel"):
            continue  # these two are tested once below: they cannot be done twice
        before = _changes()
        response = client.post(url, data)
        if response.status_code not in (200, 302) or _changes() == before:
            failures.append((name, response.status_code))
    assert failures == []


def _read_only_posts(w) -> list[tuple[str, str, dict, set]]:
    # POSTs that change nothing (a body too long for a query string, a check before a change): allowed is 200.
    edit = {
        "pattern": "weekly",
        "weekday": "WE",
        "first_date": "2030-01-02",
        "start_time": "18:30",
        "duration_minutes": "90",
    }
    return [
        ("message count", f"/facilitate/groups/{w.group.pk}/messages/count/", {"body": "Hello"}, MANAGERS),
        ("series check", f"/facilitate/series/{w.series.pk}/", edit, MANAGERS),
        ("end series check", f"/facilitate/series/{w.series.pk}/end/", {}, MANAGERS),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_read_only_posts_for_every_caller(page_world, role):
    client = _client(page_world, role)
    failures = []
    for name, url, data, allowed in _read_only_posts(page_world):
        before = _changes()
        response = client.post(url, data)
        expected = 302 if role == "anonymous" else (200 if role in allowed else 403)
        if response.status_code != expected or _changes() != before:
            failures.append((name, response.status_code, expected))
    assert failures == []


# --- Nothing left out --------------------------------------------------------------------

# Open to everyone on purpose, and why: signing in, out, and getting back in.
PUBLIC = {
    "facilitate/sign-in/": "the sign-in form (django-axes locks an address out after repeated failures)",
    "facilitate/sign-out/": "signing out ends only the caller's own session",
    "facilitate/password-reset/": "asks for a reset link; answers the same whether or not the address is known",
    "facilitate/password-reset/sent/": "says a link may have been sent",
    "facilitate/password-reset/<uidb64>/<token>/": "the emailed reset link: its signed token is the credential",
    "facilitate/password-reset/done/": "says the password was changed",
}


def test_every_facilitator_route_is_in_the_matrix_or_listed_as_public(page_world, inbound_text):
    w = page_world
    urls = [url for _, url, _ in _pages(w)]
    urls += [url for _, url, _, _ in _posts(w, inbound_text) + _read_only_posts(w)]
    in_matrix = {route_of(url) for url in urls}
    routes = {route for route in every_route() if route.startswith("facilitate/")}
    uncovered = routes - in_matrix - set(PUBLIC)
    assert sorted(uncovered) == [], "add these to the matrix (or, if open to everyone, to PUBLIC with the reason)"
    assert sorted(set(PUBLIC) - routes) == [], "no such routes any more"
    assert sorted(set(PUBLIC) & in_matrix) == [], "both checked and declared public"
