"""`/groups/{slug}/`: what to expect, who, where, when (local time, cancelled marked), calendar, share."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from sessions.models import Session, SupportGroup
from tests.factories import EnrollmentFactory, FacilitatorFactory, MemberFactory, UserFactory
from tests.pages.helpers import make_group

pytestmark = pytest.mark.django_db


def _html(client: Client, group: SupportGroup) -> str:
    response = client.get(f"/groups/{group.slug}/")
    assert response.status_code == 200
    return response.content.decode()


def test_group_page_shows_what_to_expect_who_where_when_cost(client: Client):
    group = make_group(name="Hope Circle", sessions=3, wheelchair_accessible=True)
    FacilitatorFactory(group=group, user=UserFactory(first_name="Ann", last_name="Secret-Surname"))
    html = _html(client, group)
    assert '<h1 lang="en">Hope Circle</h1>' in html
    assert "Coffee, introductions, and time to share or just listen." in html
    assert "You can just listen. You do not have to talk." in html
    assert "Led by Ann." in html and "Secret-Surname" not in html
    assert "700 E Adams St" in html and "Wheelchair access" in html
    assert "openstreetmap.org/search?query=700%20E%20Adams%20St" in html
    assert html.split('class="session-list"')[1].split("</ul>")[0].count("<li>") == 3
    assert "Free" in html
    assert f'href="/groups/{group.slug}/join/"' in html


def test_next_sessions_are_in_the_group_time_with_the_zone_and_cancelled_marked(client: Client):
    start = dt.datetime(2030, 1, 8, 1, 0, tzinfo=dt.UTC)  # Mon Jan 7, 7 PM in Chicago
    group = make_group(start=start, sessions=2)
    first = group.sessions.order_by("starts_at").first()
    first.status = Session.Status.CANCELLED
    first.save()
    html = _html(client, group)
    cancelled = '<span class="tag tag--cancelled">Cancelled</span> <span class="cancelled">'
    assert f"{cancelled}Monday, January 7, 7:00 PM – 8:30 PM CST" in html
    assert "<li>Monday, January 14, 7:00 PM – 8:30 PM CST</li>" in html


def test_group_page_never_shows_members_or_the_meeting_link(client: Client):
    group = make_group(format=SupportGroup.Format.HYBRID, conference_url="https://meet.example/secret-room")
    member = MemberFactory(display_name="Zebedee", email="zeb@example.org")
    EnrollmentFactory(group=group, member=member)
    html = _html(client, group)
    for secret in ("secret-room", "Zebedee", "zeb@example.org", member.phone, member.token):
        assert secret not in html
    assert "After you join, you get the link." in html


def test_calendar_links_are_the_public_feed_and_google_for_the_next_meeting(client: Client):
    start = dt.datetime(2030, 1, 8, 1, 0, tzinfo=dt.UTC)
    group = make_group(name="Hope Circle", start=start)
    html = _html(client, group)
    assert f'href="/api/groups/{group.slug}/calendar.ics" download' in html
    assert f'href="webcal://lantern.test/api/groups/{group.slug}/calendar.ics"' in html
    google = next(part for part in html.split('"') if part.startswith("https://calendar.google.com/"))
    query = parse_qs(urlsplit(google.replace("&amp;", "&")).query)
    assert query["dates"] == ["20300108T010000Z/20300108T023000Z"]
    assert query["text"] == ["Hope Circle"] and query["ctz"] == ["America/Chicago"]
    assert query["details"] == [f"https://lantern.test/groups/{group.slug}/"]


def test_share_link_is_the_page_address(client: Client):
    group = make_group()
    html = _html(client, group)
    assert f'<input type="text" id="share-link" value="https://lantern.test/groups/{group.slug}/" readonly>' in html


def test_online_group_says_the_link_comes_after_joining(client: Client):
    group = make_group(format=SupportGroup.Format.ONLINE, conference_url="https://meet.example/room")
    html = _html(client, group)
    assert "Online. After you join, you get the link to the meeting." in html
    assert "meet.example" not in html and "openstreetmap" not in html


def test_full_group_offers_the_waitlist(client: Client):
    group = make_group(capacity=1)
    EnrollmentFactory(group=group)
    html = _html(client, group)
    assert "Full: you can join the waitlist" in html and "Join the waitlist" in html


def test_unknown_group_is_a_404_page(client: Client):
    assert client.get("/groups/no-such-group/").status_code == 404


def test_unlisted_group_is_reachable_by_its_link(client: Client):
    group = make_group(listed=False)
    assert client.get(f"/groups/{group.slug}/").status_code == 200


def test_group_page_costs_the_same_queries_for_1_or_3_facilitators(client: Client, django_assert_max_num_queries):
    group = make_group(sessions=6)
    FacilitatorFactory(group=group)
    with django_assert_max_num_queries(10) as one:
        client.get(f"/groups/{group.slug}/")
    FacilitatorFactory(group=group)
    FacilitatorFactory(group=group)
    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get(f"/groups/{group.slug}/")
