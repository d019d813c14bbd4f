"""Daily caps on messages sent to a contact someone typed.

Every path that makes Lantern text or email a phone number or address that a
person typed (the public join, a member changing their own phone or email, a
facilitator adding someone in person) takes one unit from each of four counters
before anything is saved:

- per destination: that phone number or email address, whoever typed it;
- per member: the member record the message is about;
- per client: the connection it came from (`backend.client_address`), or, for
  staff, their account (a hospice office sits behind one address, and a
  facilitator's evening of sign-ups must not lock the public form out);
- global: everything, so a flood from many addresses still stops.

A counter at its cap refuses with `SendCapReached`, which the API answers with
429 and the message; the caller's transaction rolls back, so nothing is saved
and the counters already taken for this request are given back too.

Counters are per UTC day, in `RateCounter` rows. Their scope names hold a keyed
hash of the phone, email or address, never the contact itself, so the table is
not a second copy of anyone's contact details.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext_noop

from sessions.models import RateCounter

CAP_DESTINATION = gettext_noop(
    "This phone number or email address has been sent several messages today. Please try again tomorrow."
)
CAP_MEMBER = gettext_noop("Too many contact changes or confirmations for this person today. Please try again tomorrow.")
CAP_CLIENT = "Too many requests that send messages from this connection today. Please try again tomorrow."
CAP_STAFF = gettext_noop("You have added or changed many contacts today. Please try again tomorrow.")
CAP_GLOBAL = "We cannot send more confirmation messages today. Please try again tomorrow."

SCOPE_DESTINATION = "destination"
SCOPE_MEMBER = "member"
SCOPE_CLIENT = "client"
SCOPE_STAFF = "staff"
SCOPE_GLOBAL = "global"


class SendCapReached(Exception):
    """A daily cap would be passed; the caller's transaction must roll back."""

    def __init__(self, message: str, *, scope: str):
        super().__init__(message)
        self.message = message
        self.scope = scope


def send_caps() -> dict[str, int]:
    """The caps in force (settings, with the defaults documented in .env.example)."""
    return {
        SCOPE_DESTINATION: settings.SEND_CAP_PER_DESTINATION,
        SCOPE_MEMBER: settings.SEND_CAP_PER_MEMBER,
        SCOPE_CLIENT: settings.SEND_CAP_PER_CLIENT,
        SCOPE_STAFF: settings.SEND_CAP_PER_STAFF_USER,
        SCOPE_GLOBAL: settings.SEND_CAP_GLOBAL,
    }


def send_cap_scope(kind: str, key: str = "") -> str:
    """The RateCounter scope for one counter: "send:<kind>:<keyed hash of key>"."""
    if kind == SCOPE_GLOBAL:
        return "send:global"
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{key}".encode(), hashlib.sha256).hexdigest()
    return f"send:{kind}:{digest[:32]}"


def rate_counter_take(*, scope: str, day: dt.date, cap: int) -> bool:
    """Add one to today's counter for `scope` unless it has reached `cap`; True if taken.

    A conditional UPDATE … WHERE count < cap: PostgreSQL re-checks the
    condition after waiting for a concurrent writer's row lock, so two
    requests can never both take the last unit. The first request of the day
    inserts the row; a concurrent insert loses on the unique constraint and
    retries the UPDATE.
    """
    if cap <= 0:
        return False
    counters = RateCounter.objects.filter(scope=scope, day=day)
    if counters.filter(count__lt=cap).update(count=F("count") + 1):
        return True
    if counters.exists():
        return False
    try:
        with transaction.atomic():
            RateCounter.objects.create(scope=scope, day=day, count=1)
        return True
    except IntegrityError:
        return bool(counters.filter(count__lt=cap).update(count=F("count") + 1))


def send_caps_take(
    *,
    now: dt.datetime,
    destinations: Iterable[str] = (),
    member_id: int | None = None,
    client: str | None = None,
    staff_user_id: int | None = None,
    destination_message: str = CAP_DESTINATION,
    member_message: str = CAP_MEMBER,
) -> None:
    """Take one unit from each applicable daily counter, or raise SendCapReached.

    `destinations`: the E.164 phones / lower-cased emails a message will go to.
    `member_id`: the member it concerns. `client`: `client_address(request)` for
    public and self-service requests; `staff_user_id` instead for staff. Call it
    inside the transaction that saves the change, before the save.
    """
    if not transaction.get_connection().in_atomic_block:
        # Outside a transaction a refusal could not give back the units already taken.
        raise RuntimeError("send_caps_take must run inside the caller's transaction")
    caps = send_caps()
    day = now.astimezone(dt.UTC).date()
    checks: list[tuple[str, int, str, str]] = []
    for destination in sorted({d for d in destinations if d}):
        checks.append(
            (
                send_cap_scope(SCOPE_DESTINATION, destination),
                caps[SCOPE_DESTINATION],
                destination_message,
                "destination",
            )
        )
    if member_id is not None:
        checks.append((send_cap_scope(SCOPE_MEMBER, str(member_id)), caps[SCOPE_MEMBER], member_message, "member"))
    if staff_user_id is not None:
        checks.append((send_cap_scope(SCOPE_STAFF, str(staff_user_id)), caps[SCOPE_STAFF], CAP_STAFF, "staff"))
    elif client is not None:
        checks.append((send_cap_scope(SCOPE_CLIENT, client), caps[SCOPE_CLIENT], CAP_CLIENT, "client"))
    checks.append((send_cap_scope(SCOPE_GLOBAL), caps[SCOPE_GLOBAL], CAP_GLOBAL, SCOPE_GLOBAL))
    for scope, cap, message, name in checks:
        if not rate_counter_take(scope=scope, day=day, cap=cap):
            raise SendCapReached(message, scope=name)
