"""/api/docs/ in a real browser: works offline, breaks no rule of the Content-Security-Policy."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.chromium import CHROMIUM, CHROMIUM_ARGS


@pytest.mark.django_db(transaction=True)
def test_api_docs_render_from_local_files_under_the_csp(live_server):
    origin = urlparse(live_server.url).netloc
    elsewhere: list[str] = []
    violations: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            def only_local(route):
                # Offline: anything that is not this server is refused, and recorded.
                if urlparse(route.request.url).netloc == origin:
                    route.continue_()
                else:
                    elsewhere.append(route.request.url)
                    route.abort()

            page.route("**/*", only_local)
            page.on(
                "console",
                lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None,
            )
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
            assert "Lantern API" in page.inner_text(".swagger-ui .info .title")
            # The operations are listed: the schema was fetched and rendered.
            page.wait_for_selector(".opblock", timeout=20_000)
        finally:
            browser.close()
    assert elsewhere == []
    assert violations == []
