"""One error shape for the API: DRF's field-keyed dict, never an HTML 500 page
for input problems. Django ValidationErrors raised by services (full_clean)
become 400s with the field named; a send cap reached becomes a 429 with its
plain message."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from sessions.services.send_caps import SendCapReached


def api_exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, SendCapReached):
        # No Retry-After: the caps are per UTC day and the message says "tomorrow".
        exc = exceptions.Throttled(detail=exc.message, code="send_cap")
    return exception_handler(exc, context)
