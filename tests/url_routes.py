"""The URL resolver as a list of routes, for the authorization matrices' "nothing left out" checks."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, get_resolver, resolve

# Django's admin is one include with its own sign-in (is_staff) and permission checks.
ADMIN = "admin/"


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if route == ADMIN:
                yield ADMIN
            else:
                yield from _walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route


def every_route() -> set[str]:
    """Each route as Django writes it, e.g. "api/manage/groups/<int:pk>/roster/"."""
    return set(_walk(get_resolver().url_patterns))


def route_of(path: str) -> str:
    """The route a concrete path (e.g. "/api/manage/groups/7/roster/") resolves to."""
    return resolve(path.split("?", 1)[0]).route
