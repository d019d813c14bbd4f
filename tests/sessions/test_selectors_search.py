from __future__ import annotations

import datetime as dt
import random

import pytest
from django.utils import timezone

from sessions.models import Enrollment, Session, SupportGroup
from sessions.selectors.search import GroupSearch, bounding_box, groups_search
from sessions.services.places import haversine_km
from tests.factories import (
    EnrollmentFactory,
    SessionFactory,
    SessionSeriesFactory,
    SupportGroupFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

# Series keep local wall-clock time stored as if UTC (see sessions.services.schedule).
TUESDAY_7PM = dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC)

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)  # a Monday
SPRINGFIELD = (39.8017, -89.6437)


def make_group(*, latitude=SPRINGFIELD[0], longitude=SPRINGFIELD[1], starts_in=dt.timedelta(days=1), **fields):
    if fields.get("format") == SupportGroup.Format.ONLINE:
        group = SupportGroupFactory(venue=None, timezone="America/Chicago", **fields)
    else:
        venue = VenueFactory(latitude=latitude, longitude=longitude)
        group = SupportGroupFactory(venue=venue, organization=venue.organization, **fields)
    if starts_in is not None:
        series = SessionSeriesFactory(group=group, dtstart=TUESDAY_7PM)
        SessionFactory(series=series, starts_at=NOW + starts_in, ends_at=NOW + starts_in + dt.timedelta(minutes=90))
    return group


def slugs(params: GroupSearch) -> list[str]:
    return [g.slug for g in groups_search(params=params, now=NOW)]


def near(**kwargs) -> GroupSearch:
    return GroupSearch(latitude=SPRINGFIELD[0], longitude=SPRINGFIELD[1], **kwargs)


def test_only_listed_groups_with_an_upcoming_scheduled_session():
    shown = make_group(slug="shown")
    make_group(slug="unlisted", listed=False)
    make_group(slug="nothing-planned", starts_in=None)
    past = make_group(slug="only-past", starts_in=-dt.timedelta(days=1))
    cancelled = make_group(slug="only-cancelled", starts_in=None)
    SessionFactory(
        series=SessionSeriesFactory(group=cancelled, dtstart=TUESDAY_7PM),
        starts_at=NOW + dt.timedelta(days=2),
        ends_at=NOW + dt.timedelta(days=2, hours=1),
        status=Session.Status.CANCELLED,
    )
    assert past.sessions.count() == 1
    assert slugs(GroupSearch()) == [shown.slug]


def test_distance_filter_and_order():
    # About 0, 15 and 100 km north of Springfield.
    here = make_group(slug="here")
    close = make_group(slug="close", latitude=SPRINGFIELD[0] + 0.135)
    make_group(slug="far", latitude=SPRINGFIELD[0] + 0.9)
    results = list(groups_search(params=near(radius_km=40), now=NOW))
    assert [g.slug for g in results] == [here.slug, close.slug]
    assert results[0].distance_km == pytest.approx(0, abs=0.01)
    assert results[1].distance_km == pytest.approx(15.0, abs=0.2)


def test_online_groups_come_after_nearby_ones_only_when_asked():
    nearby = make_group(slug="nearby", latitude=SPRINGFIELD[0] + 0.1)
    online = make_group(slug="online", format=SupportGroup.Format.ONLINE, starts_in=dt.timedelta(hours=1))
    assert slugs(near()) == [nearby.slug]
    results = list(groups_search(params=near(include_online=True), now=NOW))
    assert [g.slug for g in results] == [nearby.slug, online.slug]
    assert results[1].distance_km is None
    # format=online ignores the distance: online groups have none.
    assert slugs(near(format="online")) == [online.slug]


def test_ordering_by_next_session():
    later_but_closer = make_group(slug="a", starts_in=dt.timedelta(days=5))
    sooner_but_farther = make_group(slug="b", latitude=SPRINGFIELD[0] + 0.2, starts_in=dt.timedelta(days=1))
    assert slugs(near()) == [later_but_closer.slug, sooner_but_farther.slug]
    assert slugs(near(ordering="next_session")) == [sooner_but_farther.slug, later_but_closer.slug]


def test_next_session_and_seats_are_annotated():
    group = make_group(capacity=2, starts_in=dt.timedelta(days=3))
    SessionFactory(
        series=group.series.first(), starts_at=NOW + dt.timedelta(days=10), ends_at=NOW + dt.timedelta(days=10, hours=1)
    )
    EnrollmentFactory(group=group)
    EnrollmentFactory(group=group, status=Enrollment.Status.REQUESTED)
    (result,) = groups_search(params=GroupSearch(), now=NOW)
    assert result.next_starts_at == NOW + dt.timedelta(days=3)
    assert result.active_count == 1


def test_has_openings_excludes_full_groups():
    full = make_group(slug="full", capacity=1)
    EnrollmentFactory(group=full)
    open_group = make_group(slug="open", capacity=5)
    unlimited = make_group(slug="unlimited", capacity=None)
    assert set(slugs(GroupSearch(has_openings=True))) == {open_group.slug, unlimited.slug}


def test_filters_topic_audience_language_cost_faith_accessibility_and_text():
    a = make_group(
        slug="a",
        topic="spouse_loss",
        audience="men",
        language="es-MX",
        cost="donation",
        faith_based=True,
        wheelchair_accessible=True,
        name="Viudos unidos",
    )
    b = make_group(slug="b", topic="child_loss", language="en", cost="free", childcare=True)
    assert slugs(GroupSearch(topics=("spouse_loss", "pet_loss"))) == [a.slug]
    assert slugs(GroupSearch(audience="men")) == [a.slug]
    assert slugs(GroupSearch(language="es")) == [a.slug]
    assert slugs(GroupSearch(cost="free")) == [b.slug]
    assert slugs(GroupSearch(faith="faith_based")) == [a.slug]
    assert slugs(GroupSearch(faith="secular")) == [b.slug]
    assert slugs(GroupSearch(accessibility=("wheelchair",))) == [a.slug]
    assert slugs(GroupSearch(accessibility=("childcare", "wheelchair"))) == []
    assert slugs(GroupSearch(q="viudos")) == [a.slug]
    a.organization.name = "Hospice of the Prairie"
    a.organization.save()
    assert slugs(GroupSearch(q="prairie")) == [a.slug]


def test_day_and_time_of_day_use_the_series_local_wall_clock():
    tuesday_evening = make_group(slug="tue-eve")  # factory series: BYDAY=TU at 19:00 local
    monthly_wed = make_group(slug="wed-morning", starts_in=None)
    SessionFactory(
        series=SessionSeriesFactory(
            group=monthly_wed,
            rrule="FREQ=MONTHLY;BYDAY=2WE,4WE",
            dtstart=dt.datetime(2026, 1, 14, 10, 0, tzinfo=dt.UTC),
        ),
        starts_at=NOW + dt.timedelta(days=2),
        ends_at=NOW + dt.timedelta(days=2, hours=1),
    )
    # 23:30 in Honolulu is already the next UTC day: the local day must count.
    late = make_group(slug="late-sat", starts_in=None, latitude=21.3, longitude=-157.8)
    SessionFactory(
        series=SessionSeriesFactory(
            group=late,
            rrule="FREQ=WEEKLY",
            dtstart=dt.datetime(2026, 1, 3, 23, 30, tzinfo=dt.UTC),
            timezone="Pacific/Honolulu",
        ),
        starts_at=NOW + dt.timedelta(days=5),
        ends_at=NOW + dt.timedelta(days=5, hours=1),
    )
    assert slugs(GroupSearch(days=("tue",))) == [tuesday_evening.slug]
    # "MO" inside "MONTHLY" must not count as Monday.
    assert slugs(GroupSearch(days=("mon",))) == []
    assert slugs(GroupSearch(days=("wed",))) == [monthly_wed.slug]
    assert slugs(GroupSearch(days=("sat",))) == [late.slug]
    assert set(slugs(GroupSearch(days=("tue", "wed")))) == {tuesday_evening.slug, monthly_wed.slug}
    assert slugs(GroupSearch(time_of_day="morning")) == [monthly_wed.slug]
    assert set(slugs(GroupSearch(time_of_day="evening"))) == {tuesday_evening.slug, late.slug}
    assert slugs(GroupSearch(days=("tue",), time_of_day="morning")) == []


def test_bounding_box_splits_at_the_antimeridian_and_opens_at_the_poles():
    _, _, ranges = bounding_box(latitude=0, longitude=179.9, radius_km=50)
    assert len(ranges) == 2 and ranges[1][0] == -180.0
    _, max_lat, ranges = bounding_box(latitude=89.9, longitude=0, radius_km=50)
    assert max_lat == 90.0 and ranges == [(-180.0, 180.0)]


def test_groups_across_the_antimeridian_are_found():
    east = make_group(slug="east", latitude=-17.0, longitude=179.95)
    west = make_group(slug="west", latitude=-17.0, longitude=-179.95)
    params = GroupSearch(latitude=-17.0, longitude=179.99, radius_km=30)
    assert set(slugs(params)) == {east.slug, west.slug}


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_radius_search_matches_a_brute_force_great_circle_check(seed):
    rng = random.Random(seed)
    center = (rng.uniform(-60, 60), rng.uniform(-170, 170))
    radius = rng.choice([5, 25, 40, 120])
    points = {}
    for index in range(60):
        # Spread points up to three radii away, so some fall in and many out.
        lat = center[0] + rng.uniform(-3, 3) * radius / 111.0
        lng = center[1] + rng.uniform(-3, 3) * radius / 111.0
        lng = (lng + 540) % 360 - 180
        group = make_group(
            slug=f"g{seed}-{index}", latitude=lat, longitude=lng, starts_in=dt.timedelta(hours=index + 1)
        )
        points[group.slug] = (lat, lng)
    params = GroupSearch(latitude=center[0], longitude=center[1], radius_km=radius)
    found = {g.slug: g.distance_km for g in groups_search(params=params, now=NOW)}
    expected = {slug for slug, (lat, lng) in points.items() if haversine_km(center[0], center[1], lat, lng) <= radius}
    # Points within a metre of the edge may fall either way through float rounding.
    edge = {s for s, (la, lo) in points.items() if abs(haversine_km(center[0], center[1], la, lo) - radius) < 0.001}
    assert set(found) - edge == expected - edge
    assert expected, "the generated data should put some groups inside the radius"
    for slug, distance in found.items():
        assert distance == pytest.approx(haversine_km(center[0], center[1], *points[slug]), rel=1e-6)
    assert list(found.values()) == sorted(found.values())


@pytest.mark.any_hour
def test_default_now_is_the_current_time():
    group = make_group(starts_in=None)
    SessionFactory(
        series=SessionSeriesFactory(group=group, dtstart=TUESDAY_7PM), starts_at=timezone.now() + dt.timedelta(hours=2)
    )
    assert [g.slug for g in groups_search(params=GroupSearch())] == [group.slug]
