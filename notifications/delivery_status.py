"""Twilio's delivery status callbacks for the texts Lantern sent.

Idempotent: a callback only moves a row forward, so a retried or late callback
changes nothing; a callback for a message Lantern does not know answers 200 too
(the view), so Twilio does not retry it forever.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import F, QuerySet

from notifications.dispatch import retry_at
from notifications.models import OutboxMessage, Status
from notifications.provider_errors import Outcome, provider_error_outcome, record_recipient_problem
from notifications.webhook_fields import ERROR_CODE_MAX_LENGTH, SID_MAX_LENGTH, storable

# Statuses a callback may move a row away from, by the status it reports.
_FORWARD_FROM = {
    Status.SENT: [Status.SENDING],
    Status.DELIVERED: [Status.SENDING, Status.SENT],
    Status.FAILED: [Status.SENDING, Status.SENT],
}
_TWILIO_STATUS = {
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
    "canceled": Status.FAILED,
}


def _row_for_callback(*, message_sid: str, outbox_id: str, attempt: str) -> OutboxMessage | None:
    row = OutboxMessage.objects.select_related("member", "session").filter(provider_message_id=message_sid).first()
    if row is not None:
        return row
    # The callback beat our own "sent" write: the URL names the row and the attempt.
    # isdigit() alone accepts "²", which int() refuses.
    if outbox_id.isascii() and outbox_id.isdigit() and attempt.isascii() and attempt.isdigit():
        return (
            OutboxMessage.objects.select_related("member", "session")
            .filter(pk=int(outbox_id), attempts=int(attempt), provider_message_id="", status=Status.SENDING)
            .exclude(send_started_at__isnull=True)
            .first()
        )
    return None


@transaction.atomic
def handle_status(
    *, message_sid: str, message_status: str, error_code: str, outbox_id: str = "", attempt: str = "", now: dt.datetime
) -> bool:
    """Apply a delivery status. Returns True if the row changed. Unknown sids change nothing."""
    message_sid = storable(message_sid)
    if len(message_sid) > SID_MAX_LENGTH:
        return False
    target = _TWILIO_STATUS.get((message_status or "").lower())
    if target is None:
        return False
    row = _row_for_callback(message_sid=message_sid, outbox_id=outbox_id, attempt=attempt)
    if row is None:
        return False
    # Only forward, and never over a row that has since gone out again under another sid.
    movable = OutboxMessage.objects.filter(pk=row.pk, status__in=_FORWARD_FROM[target]).filter(
        provider_message_id__in=["", message_sid]
    )
    if target == Status.FAILED:
        code = storable(error_code, ERROR_CODE_MAX_LENGTH)
        return _record_failure(
            row=row, movable=movable, message_sid=message_sid, reported=message_status, code=code, now=now
        )
    return _record_progress(movable=movable, target=target, message_sid=message_sid, now=now)


def _record_progress(*, movable: QuerySet[OutboxMessage], target: str, message_sid: str, now: dt.datetime) -> bool:
    """`sent` or `delivered`, stamped with when Lantern heard it."""
    stamp = {"sent_at": now} if target == Status.SENT else {"delivered_at": now}
    return bool(movable.update(status=target, provider_message_id=message_sid, updated_at=now, **stamp))


def _record_failure(
    *,
    row: OutboxMessage,
    movable: QuerySet[OutboxMessage],
    message_sid: str,
    reported: str,
    code: str,
    now: dt.datetime,
) -> bool:
    """The provider's error policy (`provider_errors`): one more try for a code that may
    clear up, else failed, with what the code says about the recipient applied."""
    outcome = provider_error_outcome(code)
    if outcome == Outcome.RETRY_ONCE and row.carrier_retries == 0:
        next_at = retry_at(row, now=now)
        if next_at is not None:
            return _retry_once(movable=movable, code=code, next_at=next_at, now=now)
    changed = bool(
        movable.update(
            status=Status.FAILED, provider_message_id=message_sid, error_code=code or reported, updated_at=now
        )
    )
    if changed:
        record_recipient_problem(outcome=outcome, row=row, code=code, now=now)
    return changed


def _retry_once(*, movable: QuerySet[OutboxMessage], code: str, next_at: dt.datetime, now: dt.datetime) -> bool:
    """Back to `scheduled` for the dispatcher to send again (e.g. 30003, a handset switched
    off); the old sid is dropped, so its late callbacks no longer match the row."""
    return bool(
        movable.update(
            status=Status.SCHEDULED,
            claim_token="",
            send_started_at=None,
            provider_message_id="",
            next_attempt_at=next_at,
            error_code=code,
            carrier_retries=F("carrier_retries") + 1,
            updated_at=now,
        )
    )
