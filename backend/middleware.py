"""Refuse requests whose credentials carry NUL bytes.

PostgreSQL rejects NUL in text, so a token or session key containing one would
reach the database lookup and fail as a 500. gunicorn refuses such headers
itself; this keeps runserver and other servers from doing worse.
"""

from __future__ import annotations

from django.http import JsonResponse

BAD_CREDENTIALS = "Malformed credentials."


class RejectNulCredentialsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        authorization = request.META.get("HTTP_AUTHORIZATION", "")
        cookie = request.META.get("HTTP_COOKIE", "")
        if "\x00" in authorization or "\x00" in cookie:
            return JsonResponse({"detail": BAD_CREDENTIALS}, status=400)
        return self.get_response(request)
