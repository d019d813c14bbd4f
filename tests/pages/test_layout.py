"""The base layout every page shares: landmarks, quick exit, crisis line, language switch, errors."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import VenueFactory
from tests.pages.helpers import make_group

pytestmark = pytest.mark.django_db


def _html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def test_every_page_has_one_main_a_skip_link_and_the_quick_exit(client: Client, settings):
    settings.QUICK_EXIT_URL = "https://weather.example/"
    group = make_group()
    for url in ("/", "/groups/", f"/groups/{group.slug}/", f"/groups/{group.slug}/join/"):
        html = _html(client.get(url))
        assert html.count("<main") == 1, url
        assert html.count("<h1") == 1, url
        assert 'href="#main"' in html and 'id="main"' in html
        assert re.search(
            r'<a href="https://weather.example/" class="quick-exit__button" rel="nofollow noreferrer"', html
        )


def test_crisis_line_follows_the_deployment_country_by_default(client: Client, settings):
    settings.CRISIS_LINE_COUNTRY = "US"
    html = _html(client.get("/"))
    assert "Call or text 988" in html and 'href="tel:988"' in html and 'href="sms:988"' in html


def test_group_page_shows_the_crisis_line_of_the_venue_country(client: Client, settings):
    settings.CRISIS_LINE_COUNTRY = "US"
    venue = VenueFactory(country="GB", city="Manchester", region="", timezone="Europe/London")
    group = make_group(venue=venue)
    html = _html(client.get(f"/groups/{group.slug}/"))
    assert "Samaritans free on 116 123" in html and 'href="tel:116123"' in html
    assert "988" not in html


def test_elsewhere_the_configured_crisis_line_is_shown(client: Client, settings):
    settings.CRISIS_LINE_COUNTRY = "AU"
    settings.CRISIS_LINE_TEXT = "Call Lifeline on 13 11 14, any time."
    settings.CRISIS_LINE_URL = "https://lifeline.example/"
    html = _html(client.get("/"))
    assert "Call Lifeline on 13 11 14, any time." in html and 'href="https://lifeline.example/"' in html


def test_language_switch_is_a_post_form_that_switches_to_spanish(client: Client):
    html = _html(client.get("/"))
    assert re.search(r'<form action="/i18n/setlang/" method="post"', html)
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'name="language" value="es"' in html and 'lang="es"' in html
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    spanish = _html(client.get("/"))
    assert '<html lang="es">' in spanish
    assert "Buscar grupos" in spanish and "Find groups" not in spanish


def test_browser_preference_picks_spanish(client: Client):
    html = _html(client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9"))
    assert '<html lang="es">' in html


def test_pages_load_nothing_inline_or_from_another_origin(client: Client):
    group = make_group()
    for url in ("/", "/groups/?near=", f"/groups/{group.slug}/", f"/groups/{group.slug}/join/"):
        html = client.get(url).content.decode()
        assert "<style" not in html and " style=" not in html, url
        for tag in re.findall(r"<script[^>]*>", html):
            assert re.fullmatch(r'<script src="/static/js/[a-z]+\.js" defer>', tag), tag
        # Links (a href) may lead elsewhere; nothing may be loaded from elsewhere.
        assert not re.search(r'src="(https?:)?//', html), f"{url} loads from another origin"
        for link in re.findall(r'<link [^>]*href="([^"]+)"', html):
            assert link.startswith("/static/"), link


def test_a_dead_link_page_never_echoes_its_path(client: Client):
    response = client.get("/me/an-old-secret-token/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "an-old-secret-token" not in html
    assert "Page not found" in html and 'name="next" value="/"' in html
