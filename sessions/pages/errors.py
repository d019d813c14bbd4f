"""The "page not found" page for the site's HTML routes (the API answers its own JSON 404)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseNotFound
from django.template import loader


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponseNotFound:
    # A dead link may hold a secret (an old member token): the page must not echo its path,
    # so the language switch returns to the home page instead of to it.
    body = loader.render_to_string("404.html", {"language_next": "/"}, request)
    return HttpResponseNotFound(body)
