"""Erasure reaches the notifications too.

`sessions.services.members.member_erase` clears a member's own record (name,
phone, email, consent), but `sessions` never imports `notifications`, so the
outbox and the inbox would still hold the phone number, the email address and
every text that went either way. This step, run by every dispatcher pass,
derives the work from state (`Member.erased_at`) and blanks those fields.

What stays: which kind of message went to which (erased) member on which
channel, its status, timestamps, attempts and error code, and the provider's
message id — the record that Lantern did or did not send something, without
what it said or where it went. The provider keeps its own log for its own
retention period; an operator who must purge it there can use the kept ids.

Rows being sent right now (`sending`) are left for one more pass: reconciling
a row the worker may still be sending needs its recipient and body. The send
task itself refuses a member who is erased by the time it starts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone as dj_timezone

from notifications.models import Channel, InboundMessage, OutboxMessage, Status
from sessions.models import Member

ERASED_REASON = "member_erased"

_OUTBOX_PERSONAL = Q(to__gt="") | Q(body__gt="") | Q(subject__gt="") | Q(error_message__gt="")
_INBOUND_PERSONAL = Q(from_number__gt="") | Q(body__gt="") | Q(reply__gt="")


@dataclass
class ScrubResult:
    cancelled: int = 0
    outbox_scrubbed: int = 0
    inbound_scrubbed: int = 0


def scrub_erased_members(*, now: dt.datetime | None = None) -> ScrubResult:
    """Blank erased members' numbers, addresses and message bodies in the outbox
    and inbox, and skip their scheduled messages. Idempotent: a second run finds
    nothing to do."""
    now = now or dj_timezone.now()
    result = ScrubResult()
    erased = Member.objects.filter(erased_at__isnull=False)
    outbox = OutboxMessage.objects.filter(member__in=erased)
    result.cancelled = outbox.filter(status=Status.SCHEDULED).update(
        status=Status.SKIPPED, error_code=ERASED_REASON, updated_at=now
    )
    dirty_outbox = outbox.exclude(status=Status.SENDING).filter(_OUTBOX_PERSONAL)
    dirty_inbound = InboundMessage.objects.filter(member__in=erased).filter(_INBOUND_PERSONAL)
    if not dirty_outbox.exists() and not dirty_inbound.exists():
        return result

    with transaction.atomic():
        # Texts from the member's old number that no member record claimed (e.g. a
        # STOP sent before they joined) are theirs too; known only from their rows.
        erased_at_by_number: dict[str, dt.datetime] = {}
        for number, erased_at in dirty_outbox.filter(channel=Channel.SMS, to__gt="").values_list(
            "to", "member__erased_at"
        ):
            erased_at_by_number[number] = max(erased_at, erased_at_by_number.get(number, erased_at))
        for number, erased_at in dirty_inbound.filter(from_number__gt="").values_list(
            "from_number", "member__erased_at"
        ):
            erased_at_by_number[number] = max(erased_at, erased_at_by_number.get(number, erased_at))

        result.outbox_scrubbed = dirty_outbox.update(to="", body="", subject="", error_message="", updated_at=now)
        result.inbound_scrubbed = dirty_inbound.update(from_number="", body="", reply="")
        for number, erased_at in erased_at_by_number.items():
            # Only what arrived before the erasure: the number may belong to someone new since.
            result.inbound_scrubbed += (
                InboundMessage.objects.filter(member__isnull=True, from_number=number, received_at__lte=erased_at)
                .filter(_INBOUND_PERSONAL)
                .update(from_number="", body="", reply="")
            )
    return result
