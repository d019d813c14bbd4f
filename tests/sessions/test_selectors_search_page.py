"""A page of search results with its count in one query agrees with the search and its count."""

from __future__ import annotations

import datetime as dt

import pytest

from sessions.models import SupportGroup
from sessions.selectors.search import GroupSearch, groups_search, groups_search_page
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
