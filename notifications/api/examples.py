"""Examples for the API documentation of the messaging endpoints, kept out of the views."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

from notifications.broadcasts import BROADCAST_EMPTY

BROADCAST_EXAMPLES = [
    OpenApiExample(
        "Broadcast",
        value={"body": "We're in room 4 tonight."},
        request_only=True,
    ),
    OpenApiExample(
        "Broadcast queued",
        value={
            "id": 3,
            "body": "We're in room 4 tonight.",
            "author": "facilitator",
            "recipients": 7,
            "created_at": "2026-11-23T13:00:00Z",
            "sms": 6,
            "email": 4,
        },
        response_only=True,
        status_codes=["201"],
    ),
    OpenApiExample(
        "Empty message",
        value={"body": [BROADCAST_EMPTY]},
        response_only=True,
        status_codes=["400"],
    ),
]
