from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions.api.serializers_public import RADIUS_OUT_OF_RANGE
from sessions.models import SupportGroup
from sessions.selectors.search import ORDERING_NEEDS_NEAR
from tests.factories import (
    EnrollmentFactory,
    FacilitatorFactory,
    MemberFactory,
    SessionFactory,
    SessionSeriesFactory,
    SupportGroupFactory,
    UserFactory,
    VenueFactory,
)
from tests.sessions.place_fixtures import places  # noqa: F401

pytestmark = pytest.mark.django_db

# Series keep local wall-clock time stored as if UTC (see sessions.services.schedule).
TUESDAY_7PM = dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC)

SEARCH = "/api/groups/"


def make_group(*, latitude=39.8003, longitude=-89.6437, sessions=1, **fields):
    if fields.get("format") == SupportGroup.Format.ONLINE:
        group = SupportGroupFactory(venue=None, timezone="America/New_York", **fields)
    else:
        venue = VenueFactory(latitude=latitude, longitude=longitude)
        group = SupportGroupFactory(venue=venue, organization=venue.organization, **fields)
    series = SessionSeriesFactory(group=group, dtstart=TUESDAY_7PM)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=1)
    for week in range(sessions):
        at = start + dt.timedelta(weeks=week)
        SessionFactory(series=series, starts_at=at, ends_at=at + dt.timedelta(minutes=90))
    return group


@pytest.mark.usefixtures("places")
def test_search_near_a_zip_returns_the_documented_fields(api_client):
    cycle_start = dt.date.today() - dt.timedelta(weeks=3)
    group = make_group(capacity=10, enrollment_mode="cohort", cycle_start=cycle_start)
    EnrollmentFactory(group=group)
    response = api_client.get(SEARCH, {"near": "62701", "radius_mi": 25})
    assert response.status_code == 200
    body = response.json()
    assert set(body) >= {"count", "next", "previous", "results", "resolved_place"}
    assert body["count"] == 1
    assert body["resolved_place"]["name"] == "Springfield" and body["resolved_place"]["ambiguous"] is False
    (result,) = body["results"]
    assert set(result) == {
        "id",
        "slug",
        "name",
        "topic",
        "audience",
        "format",
        "language",
        "organization",
        "venue",
        "distance_km",
        "distance_mi",
        "next_session",
        "seats_left",
        "full",
        "accepts_new_members",
        "enrollment_mode",
        "cohort",
    }
    assert result["organization"] == group.organization.name
    assert set(result["venue"]) == {"name", "city", "region", "postal_code", "country", "latitude", "longitude"}
    assert result["distance_km"] < 2 and result["distance_mi"] < result["distance_km"]
    next_session = result["next_session"]
    assert next_session["timezone"] == "America/Chicago"
    starts = dt.datetime.fromisoformat(next_session["starts_at"])
    assert starts.utcoffset() in (dt.timedelta(hours=-6), dt.timedelta(hours=-5))
    assert (result["seats_left"], result["full"], result["accepts_new_members"]) == (9, False, True)
    assert result["enrollment_mode"] == "cohort"
    # The next session is tomorrow (21 or 22 days into the cycle, whatever the hour): week 4.
    assert result["cohort"] == {
        "week": 4,
        "weeks": 13,
        "next_cycle_start": (cycle_start + dt.timedelta(weeks=13)).isoformat(),
        "label": "week 4 of 13",
    }
    for private in ("conference_url", "sms_label", "members", "enrollments"):
        assert private not in result


@pytest.mark.usefixtures("places")
def test_ambiguous_place_is_reported(api_client):
    response = api_client.get(SEARCH, {"near": "Springfield"})
    assert response.status_code == 200
    place = response.json()["resolved_place"]
    assert place["ambiguous"] is True and place["region"] == "MO"
    assert any(alt["region"] == "IL" for alt in place["alternatives"])


@pytest.mark.usefixtures("places")
def test_unknown_place_is_a_400_with_the_text_and_a_hint(api_client):
    response = api_client.get(SEARCH, {"near": "Atlantis"})
    assert response.status_code == 400
    body = response.json()
    assert body["searched"] == "Atlantis"
    assert "Atlantis" in body["near"][0] and "ZIP code" in body["near"][0]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"near": "39.8,-89.6", "radius_km": 0}, "radius_km"),
        ({"near": "39.8,-89.6", "radius_km": 501}, "radius_km"),
        ({"near": "39.8,-89.6", "radius_mi": 1000}, "radius_mi"),
        ({"near": "39.8,-89.6", "radius_km": "far"}, "radius_km"),
        ({"near": "39.8,-89.6", "radius_km": 10, "radius_mi": 10}, "radius_mi"),
        ({"topic": "astrology"}, "topic"),
        ({"day": "someday"}, "day"),
        ({"day": ["mon", "funday"]}, "day"),
        ({"format": "carrier_pigeon"}, "format"),
        ({"time_of_day": "midnight"}, "time_of_day"),
        ({"ordering": "-name"}, "ordering"),
        ({"ordering": "distance"}, "ordering"),
        ({"accessibility": "teleport"}, "accessibility"),
        ({"language": "english please"}, "language"),
    ],
)
def test_bad_parameters_are_400_naming_the_field(api_client, params, field):
    response = api_client.get(SEARCH, params)
    assert response.status_code == 400
    assert field in response.json()


def test_radius_message_names_the_range(api_client):
    response = api_client.get(SEARCH, {"near": "39.8,-89.6", "radius_km": 900})
    assert response.json()["radius_km"] == [RADIUS_OUT_OF_RANGE.format(min=1.0, max=500.0, unit="km")]
    response = api_client.get(SEARCH, {"ordering": "distance"})
    assert response.json()["ordering"] == [ORDERING_NEEDS_NEAR]


def test_repeatable_topic_and_day_and_include_online(api_client):
    spouse = make_group(topic="spouse_loss")
    child = make_group(topic="child_loss")
    make_group(topic="pet_loss")
    online = make_group(format="online", topic="child_loss")
    response = api_client.get(SEARCH, {"topic": ["spouse_loss", "child_loss"], "near": "39.80,-89.64"})
    assert {r["slug"] for r in response.json()["results"]} == {spouse.slug, child.slug}
    response = api_client.get(
        SEARCH, {"topic": ["spouse_loss", "child_loss"], "near": "39.80,-89.64", "include_online": "true"}
    )
    results = response.json()["results"]
    assert results[-1]["slug"] == online.slug and results[-1]["distance_km"] is None
    assert results[-1]["venue"] is None
    # `format` is a filter here, not DRF's renderer switch.
    response = api_client.get(SEARCH, {"format": "online", "near": "39.80,-89.64"})
    assert [r["slug"] for r in response.json()["results"]] == [online.slug]
    response = api_client.get(SEARCH, {"day": ["tue", "wed"]})
    assert response.json()["count"] == 4  # factory series meet on Tuesdays


def test_pagination_and_constant_query_count(api_client, django_assert_max_num_queries):
    for index in range(30):
        group = make_group(latitude=39.8 + index * 0.001, capacity=5, sessions=2)
        EnrollmentFactory(group=group)
        FacilitatorFactory(group=group)
    with django_assert_max_num_queries(5):
        small = api_client.get(SEARCH, {"near": "39.8,-89.64", "page_size": 2})
    with django_assert_max_num_queries(5):
        big = api_client.get(SEARCH, {"near": "39.8,-89.64", "page_size": 30})
    assert small.json()["count"] == big.json()["count"] == 30
    assert len(small.json()["results"]) == 2 and small.json()["next"]
    assert len(big.json()["results"]) == 30 and big.json()["next"] is None
    assert [r["seats_left"] for r in big.json()["results"]] == [4] * 30
    distances = [r["distance_km"] for r in big.json()["results"]]
    assert distances == sorted(distances)


@pytest.mark.usefixtures("places")
def test_place_lookup_fits_in_the_query_budget(api_client, django_assert_max_num_queries):
    for _ in range(5):
        make_group()
    with django_assert_max_num_queries(5):
        response = api_client.get(SEARCH, {"near": "Springfield, IL", "page_size": 50})
    assert response.json()["count"] == 5


def test_unlisted_group_not_in_search_but_reachable_by_slug(api_client):
    hidden = make_group(listed=False)
    assert api_client.get(SEARCH).json()["count"] == 0
    response = api_client.get(f"/api/groups/{hidden.slug}/")
    assert response.status_code == 200
    assert response.json()["listed"] is False


def test_group_page_shows_public_details_and_no_member_data(api_client):
    group = make_group(
        sessions=8,
        capacity=12,
        conference_url="https://zoom.example/j/secret-room",
        wheelchair_accessible=True,
        cost="donation",
    )
    lead = FacilitatorFactory(group=group, user=UserFactory(first_name="Maria", last_name="Lopez"))
    member = MemberFactory(display_name="Zebulon", phone="+12175550188", email="zeb@example.org")
    EnrollmentFactory(group=group, member=member, join_note="my husband died in May", notes="fragile")
    response = api_client.get(f"/api/groups/{group.slug}/")
    assert response.status_code == 200
    body = response.json()
    assert body["description"] == group.description
    assert body["what_to_expect"] == group.what_to_expect
    assert body["facilitators"] == ["Maria"]
    assert body["organization"] == {
        "name": group.organization.name,
        "email": group.organization.contact_email,
        "phone": group.organization.contact_phone,
        "website": group.organization.website,
    }
    assert body["venue"]["address"] == group.venue.address
    assert body["accessibility"] == ["wheelchair"]
    assert body["cost"] == "donation"
    assert len(body["upcoming_sessions"]) == 6
    assert body["upcoming_sessions"][0]["venue"]["name"] == group.venue.name
    assert body["upcoming_sessions"][0]["status"] == "scheduled"
    assert body["seats_left"] == 11
    text = response.content.decode()
    for secret in ("secret-room", "conference_url", "Zebulon", "+12175550188", "zeb@example.org", "husband", "fragile"):
        assert secret not in text
    assert lead.user.last_name not in text


def test_group_page_names_the_venue_a_series_meets_at(api_client, django_assert_max_num_queries):
    group = make_group(sessions=0)
    annex = VenueFactory(organization=group.organization, name="Library annex")
    elsewhere = SessionSeriesFactory(group=group, venue=annex)
    soon = timezone.now() + dt.timedelta(days=1)
    for week in range(3):
        at = soon + dt.timedelta(weeks=week)
        SessionFactory(series=elsewhere, starts_at=at, ends_at=at + dt.timedelta(minutes=90))
    with django_assert_max_num_queries(4):
        body = api_client.get(f"/api/groups/{group.slug}/").json()
    assert [row["venue"]["name"] for row in body["upcoming_sessions"]] == ["Library annex"] * 3
    # The public schedule already says so; both answers agree.
    sessions = api_client.get(f"/api/groups/{group.slug}/sessions/").json()["results"]
    assert [row["venue"]["name"] for row in sessions] == ["Library annex"] * 3


def test_group_page_unknown_slug_is_404(api_client):
    assert api_client.get("/api/groups/no-such-group/").status_code == 404


def test_group_page_constant_queries(api_client, django_assert_max_num_queries):
    group = make_group(sessions=6)
    for _ in range(4):
        FacilitatorFactory(group=group, role="co")
    with django_assert_max_num_queries(4):
        assert api_client.get(f"/api/groups/{group.slug}/").status_code == 200


def test_search_is_public_and_read_only(api_client):
    assert api_client.post(SEARCH, {}).status_code == 405
    group = make_group()
    assert api_client.put(f"/api/groups/{group.slug}/", {}).status_code == 405
    assert api_client.delete(f"/api/groups/{group.slug}/").status_code == 405
