"""Examples for the API documentation (/api/docs/, the OpenAPI schema), kept out of the
views so that a view reads as what it does. Request examples are what a client sends;
response examples are what the views answer, with made-up people and places."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample

# --- Sign-in ---------------------------------------------------------------------------

LOG_IN_EXAMPLE = OpenApiExample(
    "Log in", value={"username": "maria", "password": "correct horse battery"}, request_only=True
)
TOKEN_EXAMPLE = OpenApiExample(
    "Token",
    value={"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", "expires_at": "2026-04-01T15:00:00Z"},
    response_only=True,
)

# --- Organizations and the audit log ----------------------------------------------------

ORGANIZATION_EXAMPLE = OpenApiExample(
    "Organization",
    value={
        "id": 3,
        "name": "Prairie Hospice",
        "slug": "prairie-hospice",
        "contact_email": "care@prairie-hospice.example.org",
        "contact_phone": "+12175550100",
        "website": "https://prairie-hospice.example.org",
        "admins": ["maria"],
        "created_at": "2026-01-05T15:00:00Z",
    },
    response_only=True,
)
ORGANIZATION_CREATE_EXAMPLE = OpenApiExample(
    "New organization",
    value={"name": "Prairie Hospice", "slug": "prairie-hospice", "contact_email": "care@example.org"},
    request_only=True,
)
ORGANIZATION_ADMIN_ADD_EXAMPLE = OpenApiExample("Add an admin", value={"username": "joan"})
AUDIT_ENTRY_EXAMPLE = OpenApiExample(
    "Audit entry",
    value={
        "id": 812,
        "created_at": "2026-03-02T15:04:11Z",
        "actor_label": "maria",
        "action": "roster.approve",
        "group": "tuesday-grief-circle",
        "target_type": "enrollment",
        "target_id": "57",
        "details": {"member_id": 41, "from_status": "requested", "to_status": "active"},
    },
    response_only=True,
)

# --- Venues -----------------------------------------------------------------------------

VENUE_EXAMPLE = OpenApiExample(
    "Venue located from its postal code",
    value={
        "organization": 3,
        "name": "Chapel Room",
        "address": "700 E Adams St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "US",
    },
    request_only=True,
)

# --- Groups and facilitators ------------------------------------------------------------

GROUP_CREATE_EXAMPLE = OpenApiExample(
    "New in-person group",
    value={
        "organization": 3,
        "name": "Tuesday Grief Circle",
        "topic": "grief",
        "format": "in_person",
        "venue": 12,
        "capacity": 12,
        "enrollment_mode": "approval",
        "sms_label": "Tuesday evening group",
        "reminder_offsets": [1440, 120],
    },
    request_only=True,
)
GROUP_CAPACITY_EXAMPLE = OpenApiExample("Raise capacity", value={"capacity": 15}, request_only=True)
FACILITATOR_ADD_EXAMPLE = OpenApiExample("Add a co-facilitator", value={"username": "dev", "role": "co"})

# --- Rosters ----------------------------------------------------------------------------

ROSTER_ENTRY_EXAMPLE = OpenApiExample(
    "Roster entry",
    value={
        "enrollment_id": 57,
        "member_id": 41,
        "display_name": "Ana",
        "phone": "+12175550142",
        "email": None,
        "sms_reminders": True,
        "sms_consent": "confirmed",
        "sms_consent_source": "web_form",
        "email_reminders": False,
        "email_consent": False,
        "phone_undeliverable": False,
        "status": "waitlisted",
        "waitlist_position": 1,
        "joined": "2026-03-02T15:00:00Z",
        "activated_at": None,
        "status_changed_at": "2026-03-02T15:00:00Z",
        "join_note": "My husband died in January.",
        "notes": "",
    },
    response_only=True,
)
ROSTER_ADD_EXAMPLE = OpenApiExample(
    "Someone who signed up at the door",
    value={"display_name": "Ruth", "phone": "(217) 555-0199", "sms_reminders": True},
    request_only=True,
)
ROSTER_APPROVE_EXAMPLE = OpenApiExample("Approve", value={"action": "approve"}, request_only=True)
ROSTER_MOVE_EXAMPLE = OpenApiExample(
    "Move up the waitlist", value={"action": "move", "waitlist_position": 1}, request_only=True
)
ROSTER_NOTES_EXAMPLE = OpenApiExample("Edit notes", value={"notes": "Prefers to be called Annie."}, request_only=True)

# --- Series, sessions and attendance ----------------------------------------------------

SERIES_CREATE_EXAMPLE = OpenApiExample(
    "Every Tuesday at 7 pm for 13 weeks",
    value={
        "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=13",
        "dtstart": "2026-01-06T19:00",
        "timezone": "America/Chicago",
        "duration_minutes": 90,
        "venue": 4,
    },
    request_only=True,
)
SERIES_MONTHLY_EXAMPLE = OpenApiExample(
    "The 2nd and 4th Thursday until June",
    value={"rrule": "FREQ=MONTHLY;BYDAY=2TH,4TH;UNTIL=20260630T235959Z", "dtstart": "2026-01-08T18:30"},
    request_only=True,
    description="`timezone` defaults to the group's; `venue` to none (the group's venue applies).",
)
SERIES_EXAMPLE = OpenApiExample(
    "Series",
    value={
        "id": 12,
        "group": 7,
        "rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=13",
        "dtstart": "2026-01-06T19:00:00",
        "timezone": "America/Chicago",
        "duration_minutes": 90,
        "venue": {
            "id": 4,
            "name": "St. Mark's Hall",
            "address": "12 Elm St",
            "city": "Springfield",
            "region": "IL",
            "country": "US",
        },
        "active": True,
        "sequence": 0,
        "materialized_until": "2026-07-05T05:00:00Z",
        "created_at": "2026-01-02T15:00:00Z",
        "updated_at": "2026-01-02T15:00:00Z",
    },
    response_only=True,
)
SERIES_CHANGED_EXAMPLE = OpenApiExample(
    "Meets an hour later, and who will be told",
    value={
        **SERIES_EXAMPLE.value,
        "dtstart": "2026-01-06T20:00:00",
        "sequence": 1,
        "notifications": {
            "kind": "series_changed",
            "unchanged": False,
            "notices": [
                {
                    "first_name": "Ana",
                    "channel": "sms",
                    "when": "after_quiet_hours",
                    "send_at": "2026-01-05T08:00:00-06:00",
                    "local_time": "08:00",
                    "timezone": "America/Chicago",
                    "summary": "Ana: text after quiet hours, at 08:00 on Mon 05 Jan their time",
                },
                {
                    "first_name": "Ben",
                    "channel": "email",
                    "when": "at_once",
                    "send_at": "2026-01-04T23:40:00-06:00",
                    "local_time": "23:40",
                    "timezone": "America/Chicago",
                    "summary": "Ben: email, now",
                },
            ],
            "not_notified": ["Cy"],
        },
    },
    response_only=True,
)
SERIES_LATER_EXAMPLE = OpenApiExample("Meet an hour later", value={"dtstart": "2026-01-06T20:00"}, request_only=True)
SESSION_CANCEL_EXAMPLE = OpenApiExample(
    "Cancel a session",
    value={"status": "cancelled", "note": "Snowstorm: the hall is closed. See you next Tuesday."},
    request_only=True,
)
SESSION_MOVE_EXAMPLE = OpenApiExample(
    "Move a session",
    value={"starts_at": "2026-03-11T18:00:00-05:00", "ends_at": "2026-03-11T19:30:00-05:00"},
    request_only=True,
    description="Both times carry their UTC offset. The original start stays as `original_start`.",
)
SESSION_VENUE_EXAMPLE = OpenApiExample(
    "Meet somewhere else this once", value={"venue": 9, "note": "Room 2, upstairs"}, request_only=True
)
SESSION_EXAMPLE = OpenApiExample(
    "Cancelled session",
    value={
        "id": 301,
        "series": 12,
        "group": 7,
        "starts_at": "2026-03-10T19:00:00-05:00",
        "ends_at": "2026-03-10T20:30:00-05:00",
        "original_start": "2026-03-10T19:00:00-05:00",
        "timezone": "America/Chicago",
        "status": "cancelled",
        "note": "Snowstorm: the hall is closed. See you next Tuesday.",
        "venue": None,
        "sequence": 1,
        "modified": True,
    },
    response_only=True,
)
SESSION_CHANGED_EXAMPLE = OpenApiExample(
    "Cancelled, and who will be told",
    value={
        **SESSION_EXAMPLE.value,
        "notifications": {
            "kind": "session_cancelled",
            "notices": [
                {
                    "first_name": "Ana",
                    "channel": "sms",
                    "when": "after_quiet_hours",
                    "send_at": "2026-03-10T08:00:00-05:00",
                    "local_time": "08:00",
                    "timezone": "America/Chicago",
                    "summary": "Ana: text after quiet hours, at 08:00 their time",
                },
                {
                    "first_name": "Ana",
                    "channel": "email",
                    "when": "at_once",
                    "send_at": "2026-03-09T22:14:00-05:00",
                    "local_time": "22:14",
                    "timezone": "America/Chicago",
                    "summary": "Ana: email, now",
                },
            ],
            "not_notified": ["Carl"],
        },
    },
    response_only=True,
)
ATTENDANCE_MARK_EXAMPLE = OpenApiExample(
    "Mark attendance",
    value={
        "marks": [
            {"enrollment": 41, "attendance": "present"},
            {"enrollment": 42, "attendance": "excused"},
            {"enrollment": 43, "attendance": None},
        ]
    },
    request_only=True,
    description="Only the listed enrollments change; `null` clears a mark.",
)
ATTENDANCE_EXAMPLE = OpenApiExample(
    "Roster",
    value={
        "session": 301,
        "status": "scheduled",
        "roster": [
            {
                "enrollment": 41,
                "member": 88,
                "display_name": "Ana",
                "enrollment_status": "active",
                "rsvp": "yes",
                "attendance": "present",
            },
            {
                "enrollment": 42,
                "member": 89,
                "display_name": "Ben",
                "enrollment_status": "active",
                "rsvp": "unknown",
                "attendance": "excused",
            },
        ],
    },
    response_only=True,
)

# --- Member self-service ----------------------------------------------------------------

ME_EXAMPLE = OpenApiExample(
    "Member",
    value={
        "display_name": "Ana",
        "phone": "+12175550142",
        "email": None,
        "timezone": "America/Chicago",
        "sms_reminders": True,
        "email_reminders": False,
        "sms_consent": "pending",
        "email_consent": False,
        "phone_undeliverable": False,
        "phone_verified": True,
        "email_verified": False,
        "self_service_url": "https://lantern.example.org/me/Xy…/",
        "groups": [
            {
                "group_name": "Tuesday Grief Circle",
                "group_slug": "tuesday-grief-circle",
                "status": "active",
                "waitlist_position": None,
                "created_at": "2026-03-02T15:00:00Z",
            }
        ],
    },
    response_only=True,
)
ME_PHONE_CHANGE_EXAMPLE = OpenApiExample(
    "New phone number",
    value={"phone": "(217) 555-0177"},
    request_only=True,
    description="With text reminders on, the new number must reply YES before texts resume.",
)
LEFT_GROUP_EXAMPLE = OpenApiExample(
    "Left",
    value={
        "group_name": "Tuesday Grief Circle",
        "group_slug": "tuesday-grief-circle",
        "status": "left",
        "waitlist_position": None,
        "created_at": "2026-03-02T15:00:00Z",
    },
    response_only=True,
)
