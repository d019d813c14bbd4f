"""Headers for pages whose URL holds a secret (a member's token, a request handle, an email link)."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.http import HttpResponse


def private_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Never cached, and the URL never sent to another site.

    `same-origin`, not `no-referrer`: with no-referrer browsers send `Origin: null` on the
    page's own form posts, which Django's CSRF check refuses.
    """

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "same-origin"
        return response

    return wrapped
