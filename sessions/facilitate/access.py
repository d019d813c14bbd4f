"""Who may open a facilitator page: signed in, then the API's own checks.

The API's lookups (sessions.api.access) raise DRF's PermissionDenied, which a
plain Django view would turn into a 500. `facilitate_page` signs people in first
and renders those refusals as a 403 page carrying the API's message, in the page's language.
"""

from __future__ import annotations

import functools

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import render
from rest_framework.exceptions import PermissionDenied as ApiPermissionDenied

from sessions.pages.messages import translated

FORBIDDEN_TEMPLATE = "sessions/facilitate/forbidden.html"


def forbidden(request, message: str):
    return render(request, FORBIDDEN_TEMPLATE, {"message": translated(message)}, status=403)


def facilitate_page(view):
    """Signed out: to the sign-in page, then back. Not allowed: 403 with the API's message."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        try:
            response = view(request, *args, **kwargs)
        except ApiPermissionDenied as exc:
            return forbidden(request, str(exc.detail))
        except DjangoPermissionDenied as exc:
            return forbidden(request, str(exc))
        # Pages with member data must not be kept by a shared cache or the back-forward cache of a shared phone.
        response.setdefault("Cache-Control", "private, no-store")
        return response

    return wrapper
