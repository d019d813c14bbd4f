"""Browser tests: Debian's Chromium driven by Playwright against pytest-django's live_server.

Fixtures: `phone` (390×844) and `desktop` (1280×800) pages with JavaScript, `phone_nojs` with it
off, `axe(page)` to run axe-core (WCAG 2.2 AA tags) and fail on any violation, and
`screenshot(page, name)` writing docs/screenshots/NAME.png. Chromium missing is a failure, never
a skip. Every page fixture fails its test on a page error or a Content-Security-Policy violation.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS

# Playwright's sync API runs an event loop in this thread; Django's ORM would then refuse to run
# in the test body. The test body is still plain synchronous code, so this is safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
AXE_PATH = "/__axe__/axe.min.js"
# axe-core's rule tags for WCAG 2.0, 2.1 and 2.2 levels A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


@pytest.fixture(autouse=True)
def _public_base_url(settings, live_server):
    """Links Lantern builds (texts, emails, "Go to my page") point at the test server."""
    settings.PUBLIC_BASE_URL = live_server.url


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"browser tests need Chromium at {CHROMIUM} (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _open_page(browser, live_server, *, viewport: dict, javascript: bool, mobile: bool, locale: str = "en-US"):
    context = browser.new_context(
        viewport=viewport,
        java_script_enabled=javascript,
        is_mobile=mobile,
        has_touch=mobile,
        locale=locale,
        timezone_id="America/Chicago",
        base_url=live_server.url,
    )
    context.set_default_timeout(10_000)
    axe_source = AXE_JS.read_text(encoding="utf-8")
    # Same origin as the page, so script-src 'self' admits it.
    context.route(
        f"{live_server.url}{AXE_PATH}",
        lambda route: route.fulfill(status=200, body=axe_source, content_type="application/javascript"),
    )
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    # Nothing may be fetched from another origin.
    page.on(
        "request",
        lambda request: (
            problems.append(f"cross-origin request: {request.url}")
            if not request.url.startswith((live_server.url, "data:", "about:"))
            else None
        ),
    )
    page.problems = problems
    return context, page


def _page_fixture(browser, live_server, **kwargs) -> Iterator:
    context, page = _open_page(browser, live_server, **kwargs)
    yield page
    context.close()
    assert page.problems == [], page.problems


@pytest.fixture
def phone(browser, live_server) -> Iterator:
    yield from _page_fixture(browser, live_server, viewport=PHONE, javascript=True, mobile=True)


@pytest.fixture
def desktop(browser, live_server) -> Iterator:
    yield from _page_fixture(browser, live_server, viewport=DESKTOP, javascript=True, mobile=False)


@pytest.fixture
def phone_nojs(browser, live_server) -> Iterator:
    yield from _page_fixture(browser, live_server, viewport=PHONE, javascript=False, mobile=True)


@pytest.fixture
def phone_es(browser, live_server) -> Iterator:
    """A phone whose browser prefers Spanish."""
    yield from _page_fixture(browser, live_server, viewport=PHONE, javascript=True, mobile=True, locale="es-US")


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page as it is now (WCAG 2.2 AA tags)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_PATH)
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map(n => n.target.join(' '))}))",
        AXE_TAGS,
    )


@pytest.fixture
def axe() -> Callable:
    """axe(page): fails the test on any axe-core violation, naming each rule and element."""

    def check(page) -> None:
        violations = run_axe(page)
        assert violations == [], f"axe-core violations on {page.url}: {violations}"

    return check


@pytest.fixture
def screenshot() -> Callable:
    """screenshot(page, name): the whole page as docs/screenshots/NAME.png."""

    def take(page, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        # From the top, so the sticky "Exit this page" bar sits where a person sees it.
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def deliver_messages(monkeypatch):
    """deliver_messages(): plan and send every due text and email now, in this process
    (texts to the console transport's record, emails to Django's test outbox)."""
    from django.utils import timezone

    from notifications import dispatch
    from notifications.transports import ConsoleSms

    ConsoleSms.sent = []

    def run() -> None:
        queued: list[tuple[int, str]] = []
        monkeypatch.setattr(dispatch, "enqueue", queued.extend)
        now = timezone.now()
        dispatch.dispatch_notifications(now=now)
        for outbox_id, token in queued:
            dispatch.deliver(outbox_id=outbox_id, claim_token=token, now=now, sleep=lambda seconds: None)

    yield run
    ConsoleSms.sent = []
