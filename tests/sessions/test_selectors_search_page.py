"""The finder's cheaper reads agree with the search: a page with its count in one query, the online list."""

from __future__ import annotations

import datetime as dt

import pytest

from sessions.models import SupportGroup
from sessions.selectors.search import (
    GroupSearch,
    groups_search,
    groups_search_page,
    online_groups_soonest,
)
from tests.factories import EnrollmentFactory
from tests.sessions.test_selectors_search import NOW, SPRINGFIELD, make_group

pytestmark = pytest.mark.django_db


def _nearby(**fields) -> GroupSearch:
    return GroupSearch(latitude=SPRINGFIELD[0], longitude=SPRINGFIELD[1], radius_km=60, ordering="distance", **fields)


@pytest.fixture
def groups():
    # Ties on distance and on next session, so the tie-breakers show in the order.
    for n in range(7):
        make_group(
            slug=f"near-{n}",
            latitude=SPRINGFIELD[0] + 0.02 * (n % 4),
            longitude=SPRINGFIELD[1],
            starts_in=dt.timedelta(hours=1 + n % 3),
            topic="spouse_loss" if n % 2 else "child_loss",
            capacity=1 if n == 3 else None,
        )
    make_group(slug="far", latitude=SPRINGFIELD[0] + 3)  # outside the radius
    for n in range(4):
        make_group(slug=f"online-{n}", format=SupportGroup.Format.ONLINE, starts_in=dt.timedelta(hours=1 + n % 2))
    make_group(slug="hybrid", format=SupportGroup.Format.HYBRID, latitude=SPRINGFIELD[0] - 0.01)
    EnrollmentFactory(group=SupportGroup.objects.get(slug="near-3"))


@pytest.mark.usefixtures("groups")
@pytest.mark.parametrize(
    "params",
    [
        _nearby(),
        _nearby(topics=("spouse_loss",)),
        _nearby(has_openings=True),
        _nearby(format=SupportGroup.Format.HYBRID),
        _nearby(include_online=True),
        GroupSearch(format=SupportGroup.Format.ONLINE, ordering="next_session"),
    ],
    ids=["all", "topic", "openings", "hybrid", "with-online", "online"],
)
@pytest.mark.parametrize("offset", [0, 3, 6, 12])
def test_a_slice_and_its_count_are_the_searchs(params, offset):
    everything = list(groups_search(params=params, now=NOW))

    found = groups_search_page(params=params, offset=offset, limit=3, now=NOW)

    expected = everything[offset : offset + 3]
    assert [g.slug for g in found.groups] == [g.slug for g in expected]
    assert found.count == (len(everything) if expected or offset == 0 else None)
    for row, twin in zip(found.groups, expected, strict=True):
        assert (row.next_starts_at, row.active_count, row.distance_km) == (
            twin.next_starts_at,
            twin.active_count,
            twin.distance_km,
        )


@pytest.mark.usefixtures("groups")
def test_one_query_whatever_the_page_size(django_assert_num_queries):
    with django_assert_num_queries(1):
        found = groups_search_page(params=_nearby(), offset=0, limit=20, now=NOW)
        [(g.organization.name, g.venue.city) for g in found.groups]
    assert (len(found.groups), found.count) == (8, 8)


def _online_search(**fields) -> GroupSearch:
    # What the finder asks for its online list: the filters, no place, soonest first.
    return GroupSearch(format=SupportGroup.Format.ONLINE, ordering="next_session", **fields)


@pytest.fixture
def online_groups(groups):
    for n in range(4, 9):
        make_group(
            slug=f"online-{n}",
            format=SupportGroup.Format.ONLINE,
            starts_in=dt.timedelta(hours=1 + n % 3),
            topic="spouse_loss" if n % 2 else "child_loss",
            capacity=1 if n == 5 else None,
            language="es" if n == 6 else "en",
        )
    make_group(slug="online-unlisted", format=SupportGroup.Format.ONLINE, listed=False)
    make_group(slug="online-nothing-planned", format=SupportGroup.Format.ONLINE, starts_in=None)
    make_group(slug="online-past", format=SupportGroup.Format.ONLINE, starts_in=-dt.timedelta(hours=2))
    EnrollmentFactory(group=SupportGroup.objects.get(slug="online-5"))


@pytest.mark.usefixtures("online_groups")
@pytest.mark.parametrize(
    "filters",
    [{}, {"topics": ("spouse_loss",)}, {"has_openings": True}, {"language": "es"}, {"days": ("tue",)}, {"q": "zz"}],
    ids=["none", "topic", "openings", "language", "day", "text"],
)
@pytest.mark.parametrize("limit", [3, 20])
def test_the_online_list_is_the_online_search_s_first_rows(filters, limit):
    expected = list(groups_search(params=_online_search(**filters), now=NOW)[:limit])
    # Asked with the nearby search's parameters, as the finder holds them.
    nearby_params = _nearby(**filters)
    found = online_groups_soonest(params=nearby_params, limit=limit, now=NOW)
    assert [g.slug for g in found] == [g.slug for g in expected]
    assert [(g.next_starts_at, g.next_ends_at, g.active_count) for g in found] == [
        (g.next_starts_at, g.next_ends_at, g.active_count) for g in expected
    ]


@pytest.mark.usefixtures("online_groups")
def test_the_online_list_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        found = online_groups_soonest(params=_online_search(), limit=10, now=NOW)
        [(g.venue_id and g.venue.timezone, g.timezone) for g in found]
    assert len(found) == 9


@pytest.mark.usefixtures("online_groups")
@pytest.mark.parametrize("offset", [0, 6])
def test_with_columns_the_rows_are_the_same_with_only_those_columns(offset, django_assert_num_queries):
    columns = ("name", "topic", "venue__city")
    whole = groups_search_page(params=_nearby(include_online=True), offset=offset, limit=5, now=NOW)
    with django_assert_num_queries(2):  # the page and the online list, nothing per row
        slim = groups_search_page(params=_nearby(include_online=True), offset=offset, limit=5, now=NOW, columns=columns)
        online = online_groups_soonest(params=_nearby(), limit=4, now=NOW, columns=columns)
        read = [(g.name, g.topic, g.venue_id and g.venue.city) for g in slim.groups] + [(g.name,) for g in online]
    assert len(read) == len(slim.groups) + 4
    assert slim.count == whole.count
    assert [(g.slug, g.next_starts_at, g.active_count, g.distance_km) for g in slim.groups] == [
        (g.slug, g.next_starts_at, g.active_count, g.distance_km) for g in whole.groups
    ]
    assert [g.slug for g in online] == [g.slug for g in online_groups_soonest(params=_nearby(), limit=4, now=NOW)]
    for group in slim.groups + online:
        assert {"description", "conference_url", "organization_id"} <= group.get_deferred_fields()
        assert not {"name", "topic"} & group.get_deferred_fields()
        assert "organization" not in group._state.fields_cache  # no join to the organization
