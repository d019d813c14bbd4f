"""`/` and `/groups/?near=…`: results near a place, online apart, filters, ambiguous and unknown places."""

from __future__ import annotations

import collections
import datetime as dt
import re
import zoneinfo

import pytest
from django.test import Client
from django.utils.translation.trans_real import DjangoTranslation

from sessions.models import SupportGroup
from sessions.pages import labels
from sessions.pages.present import local_time
from tests.factories import EnrollmentFactory
from tests.pages.helpers import add_places, make_group

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def places():
    add_places()


def _get(client: Client, url: str, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def test_finder_has_one_field_and_sends_to_results(client: Client):
    html = _get(client, "/")
    assert '<form action="/groups/" method="get"' in html
    assert '<label class="label" for="id_near">ZIP code or town</label>' in html
    assert 'aria-describedby="id_near-hint"' in html


@pytest.mark.usefixtures("places")
def test_search_by_zip_lists_nearby_groups_with_next_meeting_distance_and_seats(client: Client):
    near = make_group(name="Hope Circle", capacity=10)
    EnrollmentFactory(group=near)
    far = make_group(name="Far Away Circle", latitude=41.88, longitude=-87.63)  # Chicago, 300 km
    html = _get(client, "/groups/", near="62701")
    assert "Groups near 62701 (Springfield, IL)" in html
    assert "Hope Circle" in html and far.name not in html
    assert f'href="/groups/{near.slug}/"' in html
    next_start = near.sessions.order_by("starts_at").first().starts_at
    assert local_time(next_start, CHICAGO) in html
    assert ("CST" in html) or ("CDT" in html)
    assert "9 seats left" in html
    assert "miles (" in html and "km) away" in html
    assert "Just come along" in html


@pytest.mark.usefixtures("places")
def test_online_groups_are_listed_apart_and_not_as_near(client: Client):
    make_group(name="Hope Circle")
    make_group(name="Evening Online Circle", format=SupportGroup.Format.ONLINE)
    html = _get(client, "/groups/", near="62701")
    in_person, online = html.split('id="online-title"')
    assert "Hope Circle" in in_person and "Evening Online Circle" not in in_person
    assert "Evening Online Circle" in online


@pytest.mark.usefixtures("places")
def test_full_group_offers_the_waitlist(client: Client):
    group = make_group(name="Small Circle", capacity=1)
    EnrollmentFactory(group=group)
    html = _get(client, "/groups/", near="62701")
    assert "Full: you can join the waitlist" in html


@pytest.mark.usefixtures("places")
def test_filters_are_multi_select_choices_and_narrow_the_results(client: Client):
    make_group(name="Parents Circle", topic=SupportGroup.Topic.CHILD_LOSS)
    make_group(name="Spouses Circle", topic=SupportGroup.Topic.SPOUSE_LOSS)
    make_group(name="Pets Circle", topic=SupportGroup.Topic.PET_LOSS)
    response = client.get("/groups/?near=62701&topic=child_loss&topic=spouse_loss")
    html = response.content.decode()
    assert "Parents Circle" in html and "Spouses Circle" in html and "Pets Circle" not in html
    assert 'type="checkbox" name="topic" value="child_loss"' in html
    assert re.search(r'value="child_loss" id="id_topic_\d+" checked', html)
    assert "(2 chosen)" in html


@pytest.mark.usefixtures("places")
def test_distance_choice_widens_the_search(client: Client):
    make_group(name="Decatur Circle", latitude=39.84, longitude=-88.95)  # about 37 miles away
    assert "Decatur Circle" not in _get(client, "/groups/", near="62701", radius="25")
    assert "Decatur Circle" in _get(client, "/groups/", near="62701", radius="50")


@pytest.mark.usefixtures("places")
def test_ambiguous_place_offers_the_alternatives(client: Client):
    html = _get(client, "/groups/", near="Springfield")
    assert "There is more than one place with this name. We are showing Springfield, MO." in html
    assert 'href="/groups/?near=Springfield%2C%20IL"' in html
    assert 'href="/groups/?near=Springfield%2C%20MA"' in html


@pytest.mark.usefixtures("places")
def test_picking_an_alternative_searches_there(client: Client):
    make_group(name="Hope Circle")
    html = _get(client, "/groups/", near="Springfield, IL")
    assert "Groups near Springfield, IL" in html and "Hope Circle" in html
    assert "more than one place" not in html


@pytest.mark.usefixtures("places")
def test_unknown_place_says_what_to_type_next_to_the_field_and_in_the_summary(client: Client):
    html = _get(client, "/groups/", near="Atlantis")
    assert "<title>Error: Find a support group – Lantern</title>" in html
    message = (
        "We could not find “Atlantis”. Type a 5-digit ZIP code like 62701, or a town and state like Springfield, IL."
    )
    assert f'<a href="#id_near">{message}</a>' in html
    assert 'id="id_near-error"' in html and 'aria-invalid="true"' in html
    assert 'aria-describedby="id_near-hint id_near-error"' in html


def test_empty_search_asks_for_a_place_and_still_lists_online_groups(client: Client):
    make_group(name="Evening Online Circle", format=SupportGroup.Format.ONLINE)
    html = _get(client, "/groups/")
    assert "Type a ZIP code or a town to see groups that meet near you." in html
    assert "Evening Online Circle" in html


def test_a_bad_choice_is_a_400_naming_the_field(client: Client):
    response = client.get("/groups/", {"topic": "nonsense"})
    assert response.status_code == 400
    assert 'href="#id_topic_0"' in response.content.decode()


@pytest.mark.usefixtures("places")
def test_results_cost_the_same_queries_for_1_or_15_groups(client: Client, django_assert_max_num_queries):
    make_group(name="Only Circle")
    make_group(name="Online One", format=SupportGroup.Format.ONLINE)
    with django_assert_max_num_queries(8) as one:
        client.get("/groups/", {"near": "62701"})
    for n in range(14):
        make_group(name=f"Circle {n}")
        make_group(name=f"Online {n}", format=SupportGroup.Format.ONLINE)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = _get(client, "/groups/", near="62701")
    assert "15 groups found." in html


@pytest.mark.usefixtures("places")
def test_results_translate_the_cards_words_per_page_not_per_card(client: Client, monkeypatch):
    """The cards' fixed words, labels and time pattern are looked up in the catalog as often for
    25 cards as for 2; only what depends on the group (seats, distance, its date) is per card."""
    fixed = ["Next meeting", "Room", "How to join", "Online", "In person", "session time\x04D M j, g:i A"]
    fixed += [str(label) for label in labels.ENROLLMENT_MODES.values()]
    fixed += [str(label) for label in labels.TOPICS.values()]
    lookups: collections.Counter[str] = collections.Counter()
    original = DjangoTranslation.gettext

    def counting(self, message):
        lookups[message] += 1
        return original(self, message)

    monkeypatch.setattr(DjangoTranslation, "gettext", counting)
    make_group(name="Only Circle")
    make_group(name="Online One", format=SupportGroup.Format.ONLINE)
    _get(client, "/groups/", near="62701")
    with_two_cards = lookups.copy()
    for n in range(14):
        make_group(name=f"Circle {n}")
        make_group(name=f"Online {n}", format=SupportGroup.Format.ONLINE)
    lookups.clear()
    html = _get(client, "/groups/", near="62701")
    assert html.count('class="result"') == 15 + 10
    assert {word: lookups[word] for word in fixed} == {word: with_two_cards[word] for word in fixed}


@pytest.mark.usefixtures("places")
def test_results_page_through_twenty_at_a_time(client: Client):
    for n in range(21):
        make_group(name=f"Circle {n:02d}")
    first = _get(client, "/groups/", near="62701")
    assert "Page 1 of 2" in first and "page=2" in first
    second = _get(client, "/groups/", near="62701", page="2")
    assert second.count('class="result"') == 1


def test_every_model_choice_has_plain_words():
    assert set(labels.TOPICS) == set(SupportGroup.Topic.values)
    assert set(labels.FORMATS) == set(SupportGroup.Format.values)
    assert set(labels.AUDIENCES) == set(SupportGroup.Audience.values)
    assert set(labels.COSTS) == set(SupportGroup.Cost.values)
    assert set(labels.ENROLLMENT_MODES) == set(SupportGroup.EnrollmentMode.values)


def test_local_time_names_the_zone_abbreviation():
    winter = dt.datetime(2026, 12, 9, 1, 0, tzinfo=dt.UTC)  # Tue Dec 8, 7 PM in Chicago
    assert local_time(winter, CHICAGO) == "Tue Dec 8, 7:00 PM CST"
    summer = dt.datetime(2026, 7, 8, 0, 0, tzinfo=dt.UTC)
    assert local_time(summer, CHICAGO) == "Tue Jul 7, 7:00 PM CDT"


def test_local_time_in_spanish():
    from django.utils import translation

    with translation.override("es"):
        assert local_time(dt.datetime(2026, 12, 9, 1, 0, tzinfo=dt.UTC), CHICAGO) == "Mar 8 dic, 19:00 CST"


@pytest.mark.usefixtures("places")
@pytest.mark.parametrize(
    ("page", "shown"),
    [("2", "Page 2 of 3"), ("9", "Page 3 of 3"), ("0", "Page 3 of 3"), ("two", "Page 1 of 3"), ("", "Page 1 of 3")],
)
def test_a_page_number_that_is_no_page_shows_what_the_paginator_would(client: Client, page, shown):
    for n in range(41):
        make_group(name=f"Circle {n:02d}")
    make_group(name="Online One", format=SupportGroup.Format.ONLINE)
    html = _get(client, "/groups/", near="62701", page=page)
    assert shown in html
    assert "41 groups found." in html and "Online One" in html
    assert html.count('class="result"') == (1 if shown == "Page 3 of 3" else 20) + 1


@pytest.mark.usefixtures("places")
def test_a_card_reads_no_column_the_finder_leaves_out(settings, django_assert_num_queries):
    """The finder fetches CARD_COLUMNS alone: a card, its words and its map point read nothing else
    (a column left out would cost a query per card)."""
    from django.template.loader import render_to_string

    from sessions.pages.map import map_view
    from sessions.pages.present import CARD_COLUMNS, summarize_all
    from sessions.selectors.search import GroupSearch, groups_search_page, online_groups_soonest

    settings.MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    full = make_group(name="Full Circle", capacity=1)
    EnrollmentFactory(group=full)
    make_group(name="Hybrid Circle", format=SupportGroup.Format.HYBRID)
    make_group(name="Online Circle", format=SupportGroup.Format.ONLINE)
    near = GroupSearch(latitude=39.8017, longitude=-89.6436, radius_km=40)
    groups = groups_search_page(params=near, offset=0, limit=20, columns=CARD_COLUMNS).groups
    groups += online_groups_soonest(params=near, limit=10, columns=CARD_COLUMNS)
    assert len(groups) == 3

    with django_assert_num_queries(0):
        items = summarize_all(groups)
        points = map_view(items)["points"]  # the map the page offers, MAP_TILES_URL being set
        cards = render_to_string("finder/_results.html", {"items": items})

    assert [p["name"] for p in points] == ["Full Circle", "Hybrid Circle"]
    assert "Full: you can join the waitlist" in cards and "Online Circle" in cards
