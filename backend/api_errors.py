"""Django's 400, 403, 404 and 500 handlers: JSON under /api/, pages elsewhere.

DRF answers its own errors as `{"detail": …}`, but an unknown /api/ path never
reaches DRF, and an unhandled exception in a view escapes it: both used to get
Django's HTML page, which an API client cannot read. Everything outside /api/
(admin, pages, webhooks) keeps Django's default behaviour and templates.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults

from sessions.pages.errors import page_not_found

API_PREFIX = "/api/"
BAD_REQUEST = "Bad request."
PERMISSION_DENIED = "You do not have permission to perform this action."
NOT_FOUND = "Not found."
SERVER_ERROR = "Something went wrong on our side. Please try again later."


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": NOT_FOUND}, status=404)
    return page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": SERVER_ERROR}, status=500)
    return defaults.server_error(request)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": BAD_REQUEST}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_request(request):
        return JsonResponse({"detail": PERMISSION_DENIED}, status=403)
    return defaults.permission_denied(request, exception)
