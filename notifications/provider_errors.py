"""What a provider's error code means for a message and its recipient, decided once.

A code reaches Lantern two ways: from the send call itself (`dispatch.handle_send_error`)
and from a status callback (`delivery_status.handle_status`). Both ask
`provider_error_outcome` what the code means and `record_recipient_problem` to apply
what it says about the recipient, so the two paths cannot drift apart.
"""

from __future__ import annotations

import datetime as dt
import enum

from notifications.consent import member_mark_undeliverable, number_opt_out
from notifications.models import OutboxMessage
from sessions.models import Member

# Twilio's error codes (https://www.twilio.com/docs/api/errors).
# 21610: the recipient replied STOP to the sending number; the carrier refuses until START.
OPTED_OUT_CODES = frozenset({"21610"})
# 21211 invalid 'To' number, 21614 not a mobile number, 30005 unknown destination handset,
# 30006 landline or unreachable carrier: trying again cannot help.
UNDELIVERABLE_CODES = frozenset({"21211", "21614", "30005", "30006"})
# 30003 unreachable handset (switched off, out of coverage): often fine a little later.
RETRY_ONCE_CODES = frozenset({"30003"})


class Outcome(enum.StrEnum):
    OPTED_OUT = "opted_out"  # fail the message; opt the number out everywhere
    UNDELIVERABLE = "undeliverable"  # fail the message; mark the member's phone
    RETRY_ONCE = "retry_once"  # one more try, then fail
    RETRY = "retry"  # try again with backoff (the transport said it may help)
    PERMANENT = "permanent"  # fail visibly

    @property
    def concerns_recipient(self) -> bool:
        return self in (Outcome.OPTED_OUT, Outcome.UNDELIVERABLE)


def provider_error_outcome(code: str, *, retryable: bool = False) -> Outcome:
    """The policy for a provider error `code`. Codes the policy names decide on their own;
    any other code is retried only when the caller knows another try may help (`retryable`:
    a 429 or 5xx answer to the send call; a status callback reports a final failure)."""
    if code in OPTED_OUT_CODES:
        return Outcome.OPTED_OUT
    if code in UNDELIVERABLE_CODES:
        return Outcome.UNDELIVERABLE
    if code in RETRY_ONCE_CODES:
        return Outcome.RETRY_ONCE
    return Outcome.RETRY if retryable else Outcome.PERMANENT


def record_recipient_problem(*, outcome: Outcome, row: OutboxMessage, code: str, now: dt.datetime) -> None:
    """What an outcome says about the recipient, applied to them (nothing for the others)."""
    if outcome == Outcome.OPTED_OUT:
        # The carrier blocks the shared sending number for this handset, whichever
        # organization's text hit it.
        number_opt_out(phone=row.to or row.member.phone or "", source=Member.ConsentSource.PROVIDER, now=now)
    elif outcome == Outcome.UNDELIVERABLE:
        member_mark_undeliverable(member=row.member, code=code, now=now)
