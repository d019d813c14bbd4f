"""The finder's map view in Chromium: tiles from a small tile server on 127.0.0.1 (another origin,
so the page's Content-Security-Policy must admit it), markers for the listed in-person groups,
keyboard use, axe-core, and the list unchanged with JavaScript off."""

from __future__ import annotations

import http.server
import struct
import threading
import zlib
from collections.abc import Iterator

import pytest

from tests.browser.conftest import PHONE, _open_page
from tests.pages.helpers import add_places, make_group

pytestmark = pytest.mark.django_db(transaction=True)


def _png(width: int = 256, height: int = 256, rgb: tuple[int, int, int] = (232, 238, 228)) -> bytes:
    """A plain light tile, so the map's own text keeps its contrast over it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class _TileServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _TileHandler)
        self.paths: list[str] = []
        self.tile = _png()

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _TileHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        self.server.paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.server.tile)))
        self.end_headers()
        self.wfile.write(self.server.tile)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def tile_server() -> Iterator[_TileServer]:
    server = _TileServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def map_settings(settings, tile_server):
    settings.MAP_TILES_URL = f"{tile_server.origin}/tiles/{{z}}/{{x}}/{{y}}.png"
    settings.MAP_TILES_ATTRIBUTION = "© Test tiles"


@pytest.fixture
def phone_with_tiles(browser, live_server, tile_server) -> Iterator:
    """A phone page like conftest's `phone`, except that requests to the tile server are expected."""
    context, page = _open_page(browser, live_server, viewport=PHONE, javascript=True, mobile=True)
    yield page
    context.close()
    tiles = f"cross-origin request: {tile_server.origin}/tiles/"
    assert [problem for problem in page.problems if not problem.startswith(tiles)] == []


@pytest.fixture
def groups():
    add_places()
    make_group(name="Hope Circle", latitude=39.8003, longitude=-89.6437)
    make_group(name="River Room Circle", latitude=39.7817, longitude=-89.6501)
    make_group(name="Evening Online Circle", format="online")


@pytest.mark.usefixtures("groups", "map_settings")
def test_map_shows_the_listed_groups_on_demand_and_passes_axe(phone_with_tiles, tile_server, axe, screenshot):
    page = phone_with_tiles
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
    page.goto("/groups/?near=62701")
    toggle = page.get_by_role("button", name="Show on a map")
    assert toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false"
    assert not page.locator("#group-map").is_visible()
    # Until the person asks: no Leaflet, no tile, nothing told to the tile server.
    assert page.evaluate("() => typeof window.L") == "undefined"
    assert not any("leaflet" in url for url in scripts)
    assert tile_server.paths == []
    axe(page)

    toggle.click()
    markers = page.locator(".leaflet-marker-icon")
    markers.nth(1).wait_for()
    assert markers.count() == 2  # the two in-person groups; never the online one
    assert sorted(markers.evaluate_all("els => els.map(e => e.alt)")) == ["Hope Circle", "River Room Circle"]
    page.locator(".leaflet-tile-loaded").first.wait_for()
    assert tile_server.paths and all(path.startswith("/tiles/") for path in tile_server.paths)
    assert page.get_by_role("button", name="Hide the map").get_attribute("aria-expanded") == "true"
    assert page.get_by_role("heading", name="Map of these groups").is_visible()
    assert page.get_by_text("The same groups are listed below.").is_visible()
    assert "© Test tiles" in page.locator(".leaflet-control-attribution").inner_text()
    # The list is still there, whole, below the map.
    assert page.locator(".result-list .result").count() == 3

    # Keyboard: from the button, Tab reaches the map (arrow keys pan it), then a marker; Enter opens
    # its popup with the group's link and next meeting.
    page.get_by_role("button", name="Hide the map").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.classList.contains('leaflet-container')")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.getAttribute('role'), document.activeElement.alt]")
    assert focused == ["button", markers.first.get_attribute("alt")]
    page.keyboard.press("Enter")
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    name = markers.first.get_attribute("alt")
    link = popup.get_by_role("link", name=name)
    assert link.get_attribute("href").startswith("/groups/")
    assert "Next meeting: " in popup.inner_text()
    axe(page)
    screenshot(page, "results-map")

    link.click()
    page.wait_for_url("**/groups/*/")
    assert page.locator("h1").inner_text() == name


@pytest.mark.usefixtures("groups", "map_settings")
def test_with_javascript_off_the_list_is_the_page_and_no_map_control_shows(phone_nojs, tile_server):
    page = phone_nojs
    page.goto("/groups/?near=62701")
    assert page.get_by_role("link", name="Hope Circle").is_visible()
    assert page.get_by_role("link", name="Evening Online Circle").is_visible()
    assert page.get_by_role("button", name="Show on a map").count() == 0  # hidden, not offered
    assert not page.locator("#group-map").is_visible()
    page.get_by_role("link", name="River Room Circle").click()
    assert page.locator("h1").inner_text() == "River Room Circle"
    assert tile_server.paths == []


@pytest.mark.usefixtures("groups", "map_settings")
def test_when_leaflet_cannot_load_the_page_says_so_and_the_list_stays(phone_with_tiles, live_server):
    page = phone_with_tiles
    page.route(f"{live_server.url}/static/vendor/leaflet/leaflet.js", lambda route: route.abort())
    page.goto("/groups/?near=62701")
    page.get_by_role("button", name="Show on a map").click()
    status = page.get_by_role("status").filter(has_text="The map did not load.")
    status.wait_for()
    assert "Every group is in the list below." in status.inner_text()
    assert page.locator(".result-list .result").count() == 3
