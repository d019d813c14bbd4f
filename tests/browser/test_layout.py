"""The shared layout in a real browser: quick exit, language switch, axe-core, phone width."""

from __future__ import annotations

import pytest

from tests.pages.helpers import make_group

pytestmark = pytest.mark.django_db(transaction=True)


def test_finder_has_no_axe_violations_in_english_and_spanish(phone, live_server, axe):
    phone.goto("/")
    assert phone.locator("h1").inner_text() == "Find a support group near you"
    axe(phone)
    phone.get_by_role("button", name="Español").click()
    phone.wait_for_url(f"{live_server.url}/")
    assert phone.locator("html").get_attribute("lang") == "es"
    assert phone.locator("h1").inner_text() == "Encuentre un grupo de apoyo cerca de usted"
    axe(phone)


def test_shift_three_times_replaces_the_page_and_its_history_entry(phone, live_server, settings):
    # A same-origin stand-in for the neutral site, so the test loads nothing from outside.
    settings.QUICK_EXIT_URL = f"{live_server.url}/healthz"
    group = make_group()
    phone.goto("/")
    phone.goto(f"/groups/{group.slug}/")
    assert phone.get_by_text("Or press Shift 3 times").is_visible()
    phone.locator("body").click()
    for _ in range(3):
        phone.keyboard.press("Shift")
    phone.wait_for_url(f"{live_server.url}/healthz")
    phone.go_back()
    # The group page is gone from history: Back lands on the page before it.
    assert phone.url == f"{live_server.url}/"


def test_exit_button_replaces_the_page(desktop, live_server, settings):
    settings.QUICK_EXIT_URL = f"{live_server.url}/healthz"
    desktop.goto("/")
    desktop.goto("/groups/")
    desktop.get_by_role("link", name="Emergency Exit this page").click()
    desktop.wait_for_url(f"{live_server.url}/healthz")
    desktop.go_back()
    assert desktop.url == f"{live_server.url}/"


def test_without_javascript_exit_is_a_plain_link_and_the_language_switch_works(phone_nojs, live_server, settings):
    settings.QUICK_EXIT_URL = f"{live_server.url}/healthz"
    phone_nojs.goto("/")
    assert phone_nojs.get_by_role("link", name="Emergency Exit this page").get_attribute("href") == (
        f"{live_server.url}/healthz"
    )
    # The Shift shortcut needs the script, so the hint is not offered without it.
    assert not phone_nojs.get_by_text("Or press Shift 3 times").is_visible()
    phone_nojs.get_by_role("button", name="Español").click()
    assert phone_nojs.locator("h1").inner_text() == "Encuentre un grupo de apoyo cerca de usted"


def test_usable_at_320_pixels_without_sideways_scrolling(browser, live_server):
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/")
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 320
    finally:
        context.close()


def test_the_axe_runner_reports_a_real_violation(phone, live_server):
    """The harness can fail: an unlabelled input is reported by rule and element."""
    from tests.browser.conftest import run_axe

    phone.goto("/")
    assert run_axe(phone) == []
    phone.evaluate(
        "() => { const i = document.createElement('input'); i.id = 'orphan';"
        " document.querySelector('main').append(i); }"
    )
    violations = run_axe(phone)
    assert [v["id"] for v in violations] == ["label"] and violations[0]["nodes"] == ["#orphan"]
