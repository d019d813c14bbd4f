"""The finder's optional map view: off without MAP_TILES_URL; with it, the in-person groups of the
list as points (public data only), Leaflet never on the page itself, and the tiles' origin in the
results page's CSP and nowhere else."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from sessions.models import SupportGroup
from sessions.pages.map import tiles_origin
from tests.factories import EnrollmentFactory, MemberFactory
from tests.pages.helpers import add_places, make_group

pytestmark = pytest.mark.django_db

TILES = "https://tiles.example.org/{z}/{x}/{y}.png"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def places():
    add_places()


@pytest.fixture
def map_on(settings):
    settings.MAP_TILES_URL = TILES
    settings.MAP_TILES_ATTRIBUTION = "© Example <Tiles> contributors"


def _img_src(response) -> list[str]:
    policy = response.headers["Content-Security-Policy"]
    directive = next(part.strip() for part in policy.split(";") if part.strip().startswith("img-src"))
    return directive.split()[1:]


def _points(html: str) -> list[dict]:
    found = re.search(r'<script id="map-points" type="application/json">(.*?)</script>', html, re.S)
    assert found, "no map data on the page"
    return json.loads(found.group(1))


@pytest.mark.usefixtures("places")
def test_without_tiles_url_there_is_no_map_no_script_and_no_extra_origin(client: Client, settings):
    settings.MAP_TILES_URL = ""
    make_group(name="Hope Circle")
    response = client.get("/groups/", {"near": "62701"})
    html = response.content.decode()
    assert "Hope Circle" in html
    for absent in ("data-map", "map-points", "finder-map.js", "leaflet", "Show on a map"):
        assert absent not in html
    assert _img_src(response) == ["'self'", "data:"]


@pytest.mark.usefixtures("places", "map_on")
def test_with_tiles_url_the_results_offer_the_map_as_an_extra_view_of_the_list(client: Client):
    make_group(name="Hope Circle")
    response = client.get("/groups/", {"near": "62701"})
    html = response.content.decode()
    # The list is still the page: the group's card is there, after the map.
    assert html.index("data-map-toggle") < html.index('<ul class="result-list">')
    assert '<h3><a href="/groups/' in html
    # The toggle and the map start hidden (the script reveals the button); heading and text alternative.
    assert re.search(
        r"<button [^>]*data-map-toggle[^>]*aria-controls=\"group-map\"[^>]*hidden>Show on a map</button>", html
    )
    assert '<div id="group-map" class="map-panel" hidden>' in html
    assert '<h3 id="group-map-title">Map of these groups</h3>' in html
    assert "The same groups are listed below." in html
    # Our small script only; Leaflet's files are named for it to load on demand, never loaded by the page.
    assert re.search(r'<script src="/static/js/finder-map\.js" defer></script>', html)
    assert not re.search(r"<script [^>]*leaflet", html) and not re.search(r"<link [^>]*leaflet", html)
    assert 'data-leaflet-js="/static/vendor/leaflet/leaflet.js"' in html
    assert f'data-tiles="{TILES}"' in html
    # The attribution is text: escaped in the attribute, escaped again by the script.
    assert 'data-attribution="© Example &lt;Tiles&gt; contributors"' in html


@pytest.mark.usefixtures("places", "map_on")
def test_map_points_are_the_listed_in_person_groups_with_public_data_only(client: Client):
    hope = make_group(name="Hope Circle", latitude=39.8003, longitude=-89.6437)
    hybrid = make_group(
        name="Both Ways Circle",
        format=SupportGroup.Format.HYBRID,
        conference_url="https://meet.example.org/secret-room",
    )
    make_group(name="Evening Online Circle", format=SupportGroup.Format.ONLINE)
    member = MemberFactory(organization=hope.organization, display_name="Dana", email="dana@example.org")
    EnrollmentFactory(group=hope, member=member)
    html = client.get("/groups/", {"near": "62701"}).content.decode()
    points = _points(html)
    assert {point["name"] for point in points} == {"Hope Circle", "Both Ways Circle"}
    hope_point = next(point for point in points if point["name"] == "Hope Circle")
    assert set(hope_point) == {"name", "url", "place", "next_meeting", "lat", "lng"}
    assert hope_point["url"] == f"/groups/{hope.slug}/"
    assert (hope_point["lat"], hope_point["lng"]) == (39.8003, -89.6437)
    assert hope_point["next_meeting"] and hope_point["next_meeting"] in html  # the card's words
    data = json.dumps(points)
    assert "meet.example.org" not in data and hybrid.conference_url not in html
    assert "Dana" not in data and "dana@example.org" not in data


@pytest.mark.usefixtures("places", "map_on")
def test_csp_admits_the_tiles_origin_on_the_results_page_only(client: Client):
    group = make_group(name="Hope Circle")
    response = client.get("/groups/", {"near": "62701"})
    assert _img_src(response) == ["'self'", "data:", "https://tiles.example.org"]
    policy = response.headers["Content-Security-Policy"]
    assert "tiles.example.org" not in policy.replace("img-src 'self' data: https://tiles.example.org", "")
    # Nothing else gains the origin: the finder, a group page, an empty search.
    for path, params in (("/", {}), (f"/groups/{group.slug}/", {}), ("/groups/", {})):
        other = client.get(path, params)
        assert other.status_code == 200
        assert "tiles.example.org" not in other.headers["Content-Security-Policy"], path
        assert "leaflet" not in other.content.decode() and "finder-map.js" not in other.content.decode()


@pytest.mark.usefixtures("places", "map_on")
def test_no_map_when_no_listed_group_meets_in_person(client: Client):
    make_group(name="Evening Online Circle", format=SupportGroup.Format.ONLINE)
    response = client.get("/groups/", {"near": "62701"})
    html = response.content.decode()
    assert "Evening Online Circle" in html
    assert "data-map" not in html and "finder-map.js" not in html
    assert _img_src(response) == ["'self'", "data:"]


@pytest.mark.parametrize(
    ("template", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}{r}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8123/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8123"),
    ],
)
def test_tiles_origin_is_the_csp_source_for_the_template(template: str, origin: str):
    assert tiles_origin(template) == origin


@pytest.mark.parametrize(
    "template",
    [
        "tile.example.org/{z}/{x}/{y}.png",  # no scheme
        "https://tile.example.org/tiles.png",  # no placeholders
        "https://tiles.{s}.example.org/{z}/{x}/{y}.png",  # {s} not first: no CSP source can match it
    ],
)
def test_a_bad_tiles_url_stops_the_start(template: str):
    env = {**os.environ, "MAP_TILES_URL": template, "SECRET_KEY": "x"}
    result = subprocess.run(
        [sys.executable, "-c", "import backend.settings"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert "MAP_TILES_URL must be an http(s) URL template" in result.stderr
