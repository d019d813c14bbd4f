"""Send what the outbox says is due, each row at most once.

The life of a row:

1. `dispatch_notifications` (every minute, and `manage.py dispatch_notifications`)
   reconciles stale rows, plans, then claims due rows: in one transaction it
   locks them (SELECT … FOR UPDATE SKIP LOCKED; a conditional UPDATE from
   `scheduled` decides on databases without row locks), marks them `sending`
   with a fresh claim token and commits. Only after the commit are their ids
   handed to Celery (`transaction.on_commit`).
2. The send task (`deliver`) proceeds only if the row is still `sending` with
   its token and has not been started. It renders the text and, in one
   conditional UPDATE, records body, recipient and `send_started_at`. A second
   copy of the task (a doubled beat, a redelivered message) finds the row
   started and does nothing.
3. The provider is called; the result (sid, or an error policy) is saved.

A worker killed between 2 and 3 leaves a row `sending` with `send_started_at`.
After the send lease (NOTIFICATIONS_SEND_LEASE_SECONDS) the dispatcher reconciles it:
for Twilio by listing the messages sent to that number since the start and matching the body; found → `sent`,
not found → scheduled again. Email and the console cannot be asked, so such
a row is failed as `outcome_unknown` (visible in the admin) rather than sent twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone as dj_timezone

from notifications.erasure import ERASED_REASON, scrub_erased_members
from notifications.models import Channel, Kind, OutboxMessage, Status
from notifications.planner import URGENT_KINDS, plan_notifications
from notifications.provider_errors import Outcome, provider_error_outcome, record_recipient_problem
from notifications.quiet import in_quiet_hours, sms_send_time
from notifications.ratelimit import limiter
from notifications.rendering import first_cancelled, render
from notifications.send_rules import broken_rule
from notifications.transports import OutgoingMessage, TransportError, redact_contacts, transport_for
from sessions.models import Member

logger = logging.getLogger(__name__)

BATCH_SIZE = 1000
MAX_ATTEMPTS = 5
BACKOFF_CAP = dt.timedelta(minutes=30)
# A task that would wait longer than this for a rate-limit slot puts the row back instead.
MAX_RATE_WAIT = 20.0
# A text that would expire sooner than this before its session starts is not sent.
VALIDITY_MIN = 60

ERROR_OUTCOME_UNKNOWN = "outcome_unknown"
ERROR_RETRIES_EXHAUSTED = "retries_exhausted"
ERROR_RENDER = "render_error"
ERROR_SEND = "send_error"


@dataclass
class DispatchResult:
    planned: int = 0
    reconciled: int = 0
    scrubbed: int = 0
    claimed: list[tuple[int, str]] = field(default_factory=list)


def _describe(exc: Exception) -> str:
    """An unexpected error as a row's error_message: its type and text, without contact data."""
    return redact_contacts(f"{type(exc).__name__}: {exc}")[:500]


# --- Claiming --------------------------------------------------------------------------------


def sms_claim_limit() -> int | None:
    """At most a minute's worth of texts per run, so no task waits long for its rate slot."""
    rate = float(settings.SMS_RATE_PER_SECOND or 0)
    if rate <= 0:
        return None
    return max(1, math.ceil(rate * 60))


def _claim(*, queryset, now: dt.datetime, limit: int) -> list[tuple[int, str]]:
    token = uuid.uuid4().hex
    with transaction.atomic():
        ids = list(
            queryset.select_for_update(skip_locked=True)
            .filter(status=Status.SCHEDULED, next_attempt_at__lte=now)
            .order_by("next_attempt_at", "id")
            .values_list("id", flat=True)[:limit]
        )
        if not ids:
            return []
        OutboxMessage.objects.filter(pk__in=ids, status=Status.SCHEDULED).update(
            status=Status.SENDING, claim_token=token, claimed_at=now, send_started_at=None, updated_at=now
        )
        claimed = [
            (pk, token)
            for pk in OutboxMessage.objects.filter(pk__in=ids, claim_token=token, status=Status.SENDING).values_list(
                "id", flat=True
            )
        ]
        transaction.on_commit(lambda: enqueue(claimed))
    return claimed


def claim_due(*, now: dt.datetime, limit: int = BATCH_SIZE) -> list[tuple[int, str]]:
    """Mark due rows `sending` and queue them after commit. Returns (id, claim token) pairs."""
    claimed: list[tuple[int, str]] = []
    sms_limit = sms_claim_limit()
    sms_rows = OutboxMessage.objects.filter(channel=Channel.SMS)
    remaining = sms_limit if sms_limit is not None else math.inf
    while remaining > 0:
        take = int(min(limit, remaining))
        batch = _claim(queryset=sms_rows, now=now, limit=take)
        claimed += batch
        remaining -= len(batch)
        if len(batch) < take:
            break
    while True:
        batch = _claim(queryset=OutboxMessage.objects.filter(channel=Channel.EMAIL), now=now, limit=limit)
        claimed += batch
        if len(batch) < limit:
            break
    return claimed


def send_batch_size() -> int:
    """Rows per send task. With a send rate, one row per task (each waits for its own
    slot); without one, batches save a database round trip per row and per step."""
    if float(settings.SMS_RATE_PER_SECOND or 0) > 0:
        return 1
    return max(1, int(settings.NOTIFICATIONS_SEND_BATCH))


def enqueue(claimed: list[tuple[int, str]]) -> None:
    from notifications.tasks import send_outbox_batch, send_outbox_message

    size = send_batch_size()
    if size == 1:
        for outbox_id, token in claimed:
            send_outbox_message.delay(outbox_id, token)
        return
    for start in range(0, len(claimed), size):
        send_outbox_batch.delay([[pk, token] for pk, token in claimed[start : start + size]])


def dispatch_notifications(*, now: dt.datetime | None = None) -> DispatchResult:
    """The periodic job: reconcile stale sends, scrub erased members' rows, plan,
    claim and queue due rows. Idempotent."""
    now = now or dj_timezone.now()
    result = DispatchResult()
    result.reconciled = reconcile_stale(now=now)
    scrub = scrub_erased_members(now=now)
    result.scrubbed = scrub.outbox_scrubbed + scrub.inbound_scrubbed
    result.planned = plan_notifications(now=now).created
    result.claimed = claim_due(now=now)
    return result


# --- Sending one row ---------------------------------------------------------------------------


def _deadline(row: OutboxMessage) -> dt.datetime:
    if row.session_id:
        return row.session.starts_at
    return row.due_at + dt.timedelta(days=1)


def _session_start(row: OutboxMessage, *, now: dt.datetime) -> dt.datetime | None:
    """The meeting a text is about, for quiet hours: its session, or for a series-ended
    notice the first meeting that will not happen (a late text beats a wasted trip)."""
    if row.session is not None:
        return row.session.starts_at
    if row.kind == Kind.SERIES_ENDED:
        first = first_cancelled(row, now=now)
        return first.starts_at if first else None
    return None


def _unwanted_reason(row: OutboxMessage, *, now: dt.datetime) -> tuple[str, str] | None:
    """(final status, reason) if the row must not go out any more (notifications.send_rules)."""
    rule = broken_rule(row, now=now)
    return None if rule is None else (rule.status, rule.reason)


def _load_many(ids: list[int]):
    # One query: the row, what it talks about, and whether its number was texted before.
    texted_before = OutboxMessage.objects.filter(
        member_id=OuterRef("member_id"),
        channel=Channel.SMS,
        to=OuterRef("member__phone"),
        send_started_at__isnull=False,
    ).exclude(pk=OuterRef("pk"))
    return (
        OutboxMessage.objects.select_related(
            "member",
            "session",
            "session__group",
            "session__series",
            "session__venue",
            "group",
            "enrollment",
            "series",
            "contact_proof__join_request",
        )
        .annotate(number_texted_before=Exists(texted_before))
        .filter(pk__in=ids)
    )


def _owned(row: OutboxMessage, token: str):
    """The row while this claim still owns it and the provider has not been called."""
    return OutboxMessage.objects.filter(
        pk=row.pk, status=Status.SENDING, claim_token=token, send_started_at__isnull=True
    )


def _prepare(
    row: OutboxMessage, *, claim_token: str, now: dt.datetime, sleep: Callable[[float], None]
) -> OutgoingMessage | str:
    """The message to send for a claimed row, or the outcome if it must not go out now."""
    unwanted = _unwanted_reason(row, now=now)
    if unwanted is not None:
        status, reason = unwanted
        _owned(row, claim_token).update(status=status, error_code=reason, updated_at=now)
        return status

    if row.channel == Channel.SMS and row.kind != Kind.SMS_CONFIRM and in_quiet_hours(now, row.member.timezone):
        later = sms_send_time(
            due=now,
            tz_name=row.member.timezone,
            session_starts_at=_session_start(row, now=now),
            urgent=row.kind in URGENT_KINDS,
        )
        if later < now:
            _owned(row, claim_token).update(status=Status.SKIPPED, error_code="quiet_hours", updated_at=now)
            return "skipped"
        if later > now:
            _owned(row, claim_token).update(
                status=Status.SCHEDULED, claim_token="", next_attempt_at=later, due_at=later, updated_at=now
            )
            return "deferred"
        # later == now: an urgent notice whose session starts before quiet hours end.

    try:
        message = render(row, now=now)
    except Exception as exc:
        # A message that cannot be built now will not build on the next try either (bad data,
        # a template bug): end the row visibly rather than leave it in flight for ever.
        logger.exception("outbox %s could not be rendered", row.pk)
        _owned(row, claim_token).update(
            status=Status.FAILED, error_code=ERROR_RENDER, error_message=_describe(exc), updated_at=now
        )
        return "failed"
    if row.channel == Channel.SMS and message.validity_period is not None and message.validity_period < VALIDITY_MIN:
        _owned(row, claim_token).update(status=Status.MISSED, error_code="session_started", updated_at=now)
        return "missed"

    if row.channel == Channel.SMS:
        wait = limiter().reserve()
        if wait > MAX_RATE_WAIT:
            _owned(row, claim_token).update(
                status=Status.SCHEDULED,
                claim_token="",
                next_attempt_at=now + dt.timedelta(seconds=wait),
                updated_at=now,
            )
            return "rate_limited"
        if wait > 0:
            sleep(wait)
    return message


_STARTED_FIELDS = ["send_started_at", "to", "body", "subject", "attempts", "updated_at"]
_SENT_FIELDS = ["status", "provider_message_id", "sent_at", "error_code", "error_message", "updated_at"]


def _start(
    prepared: list[tuple[OutboxMessage, OutgoingMessage]], *, tokens: dict, now: dt.datetime
) -> tuple[list, set[int]]:
    """Record body, recipient and send_started_at for every row this claim still owns,
    in one transaction, before any provider call. Locked rows cannot be started twice.
    Returns the started rows and the ids skipped because their member was erased
    since the task loaded them."""
    if not prepared:
        return [], set()
    with transaction.atomic():
        owned = {
            pk
            for pk, token in OutboxMessage.objects.select_for_update()
            .filter(pk__in=[row.pk for row, _ in prepared], status=Status.SENDING, send_started_at__isnull=True)
            .values_list("pk", "claim_token")
            if token == tokens[pk]
        }
        # Looked at again here, not only when the task loaded the rows: an erasure
        # in between must not let the old number or address be written and used.
        erased_members = set(
            Member.objects.filter(pk__in={row.member_id for row, _ in prepared}, erased_at__isnull=False).values_list(
                "pk", flat=True
            )
        )
        erased_rows = {row.pk for row, _ in prepared if row.pk in owned and row.member_id in erased_members}
        if erased_rows:
            OutboxMessage.objects.filter(pk__in=erased_rows).update(
                status=Status.SKIPPED, error_code=ERASED_REASON, updated_at=now
            )
        started = [(row, message) for row, message in prepared if row.pk in owned and row.pk not in erased_rows]
        for row, message in started:
            row.attempts += 1
            row.send_started_at, row.updated_at = now, now
            row.to, row.body, row.subject = message.to, message.body, message.subject
        OutboxMessage.objects.bulk_update([row for row, _ in started], _STARTED_FIELDS)
    return started, erased_rows


def _record_sent(sent: list[tuple[OutboxMessage, str]], *, now: dt.datetime) -> None:
    if not sent:
        return
    with transaction.atomic():
        still_sending = set(
            OutboxMessage.objects.select_for_update()
            .filter(pk__in=[row.pk for row, _ in sent], status=Status.SENDING)
            .values_list("pk", flat=True)
        )
        rows = []
        for row, provider_id in sent:
            if row.pk not in still_sending:
                # A status callback got here first (it found the row by its id).
                OutboxMessage.objects.filter(pk=row.pk, provider_message_id="").update(provider_message_id=provider_id)
                continue
            row.status, row.provider_message_id, row.sent_at = Status.SENT, provider_id, now
            row.error_code, row.error_message, row.updated_at = "", "", now
            rows.append(row)
        OutboxMessage.objects.bulk_update(rows, _SENT_FIELDS)


def _prepare_claims(
    tokens: dict[int, str], *, now: dt.datetime, sleep: Callable[[float], None]
) -> tuple[dict[int, str], list[tuple[OutboxMessage, OutgoingMessage]]]:
    """Load the claimed rows in one query; returns the outcome of each row that will not
    be sent now, and the message of each that will."""
    rows = {row.pk: row for row in _load_many(list(tokens))}
    outcomes: dict[int, str] = {}
    prepared = []
    for pk, token in tokens.items():
        row = rows.get(pk)
        if row is None or row.status != Status.SENDING or row.claim_token != token or row.send_started_at:
            outcomes[pk] = "duplicate"
            continue
        result = _prepare(row, claim_token=token, now=now, sleep=sleep)
        if isinstance(result, str):
            outcomes[pk] = result
        else:
            prepared.append((row, result))
    return outcomes, prepared


def _send_one(row: OutboxMessage, message: OutgoingMessage, *, now: dt.datetime, sent: list) -> str:
    """One provider call; a success is added to `sent` (recorded with the batch), an error
    goes through the error policy."""
    try:
        sent.append((row, transport_for(row.channel).send(message)))
    except TransportError as error:
        return handle_send_error(row=row, error=error, now=now)
    except Exception as exc:
        # Not a provider answer but a bug or bad data on our side (a header Django refuses,
        # say): trying again sends nothing new, so the row fails with its reason, and the
        # rest of the batch still goes out and is recorded.
        logger.exception("outbox %s: unexpected error while sending", row.pk)
        error = TransportError(_describe(exc), permanent=True, code=ERROR_SEND)
        return handle_send_error(row=row, error=error, now=now)
    return "sent"


def deliver_batch(
    *,
    claims: list[tuple[int, str]],
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> list[str]:
    """Send claimed rows: one query to load them, one transaction to mark them
    started, one provider call each, one transaction to record the results.
    Idempotent: rows already started (by this or another copy of the task) are left
    alone. Returns each claim's outcome ("sent", "duplicate", "skipped", "retry", …)."""
    now = now or dj_timezone.now()
    tokens = {int(pk): token for pk, token in claims}
    outcomes, prepared = _prepare_claims(tokens, now=now, sleep=sleep)
    started, erased_rows = _start(prepared, tokens=tokens, now=now)
    for row, _ in prepared:
        outcomes.setdefault(row.pk, "skipped" if row.pk in erased_rows else "duplicate")
    sent: list[tuple[OutboxMessage, str]] = []
    # Every row of the batch was started together. Stop well inside the lease, so a
    # row is never sent after reconciliation may have judged it "never sent".
    stop_at = _monotonic() + lease().total_seconds() / 2
    for row, message in started:
        if _monotonic() > stop_at:
            outcomes[row.pk] = _unstart(row, now=now)
        else:
            outcomes[row.pk] = _send_one(row, message, now=now, sent=sent)
    _record_sent(sent, now=now)
    return [outcomes[int(pk)] for pk, _ in claims]


def _monotonic() -> float:
    return time.monotonic()


def _unstart(row: OutboxMessage, *, now: dt.datetime) -> str:
    """Give back a started row whose provider call never happened."""
    OutboxMessage.objects.filter(pk=row.pk, status=Status.SENDING, send_started_at=row.send_started_at).update(
        status=Status.SCHEDULED,
        claim_token="",
        send_started_at=None,
        attempts=F("attempts") - 1,
        next_attempt_at=now,
        updated_at=now,
    )
    return "requeued"


def deliver(
    *,
    outbox_id: int,
    claim_token: str,
    now: dt.datetime | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> str:
    """Send one claimed row (a batch of one). Idempotent."""
    return deliver_batch(claims=[(outbox_id, claim_token)], now=now, sleep=sleep)[0]


def _mark_sent(*, row: OutboxMessage, provider_id: str, now: dt.datetime) -> None:
    _record_sent([(row, provider_id)], now=now)


def lease() -> dt.timedelta:
    """How long a claim may stay `sending` before it is reconciled. Far longer than a
    send can take (the Twilio client times out after TWILIO_HTTP_TIMEOUT)."""
    return dt.timedelta(seconds=settings.NOTIFICATIONS_SEND_LEASE_SECONDS)


def backoff(attempt: int, *, rng: random.Random | None = None) -> dt.timedelta:
    """Exponential backoff with jitter: 30 s, 1 min, 2 min… ±50%, capped at 30 min."""
    rng = rng or random
    first = dt.timedelta(seconds=settings.NOTIFICATIONS_RETRY_BASE_SECONDS)
    base = min(first * (2 ** max(0, attempt - 1)), BACKOFF_CAP)
    return base * rng.uniform(0.5, 1.5)


def retry_at(row: OutboxMessage, *, now: dt.datetime) -> dt.datetime | None:
    """When a failed row may be tried again; None once the attempts or the time ran out.
    The send call and the delivery-status callback both ask this."""
    next_at = now + backoff(row.attempts)
    if row.attempts >= MAX_ATTEMPTS or next_at >= _deadline(row):
        return None
    return next_at


def schedule_retry(*, row: OutboxMessage, now: dt.datetime, code: str, message: str, extra: dict | None = None) -> str:
    """Back to `scheduled` for another try, unless the attempts or the time ran out."""
    next_at = retry_at(row, now=now)
    if next_at is None:
        OutboxMessage.objects.filter(pk=row.pk, status=Status.SENDING).update(
            status=Status.FAILED, error_code=code, error_message=f"{ERROR_RETRIES_EXHAUSTED}: {message}", updated_at=now
        )
        logger.error("outbox %s failed after %s attempts: %s %s", row.pk, row.attempts, code, message)
        return "failed"
    OutboxMessage.objects.filter(pk=row.pk, status=Status.SENDING).update(
        status=Status.SCHEDULED,
        claim_token="",
        send_started_at=None,
        next_attempt_at=next_at,
        error_code=code,
        error_message=message,
        updated_at=now,
        **(extra or {}),
    )
    return "retry"


def _fail(*, row: OutboxMessage, now: dt.datetime, code: str, message: str, status: str = Status.FAILED) -> str:
    OutboxMessage.objects.filter(pk=row.pk, status=Status.SENDING).update(
        status=status, error_code=code, error_message=message, updated_at=now
    )
    return "failed"


def handle_send_error(*, row: OutboxMessage, error: TransportError, now: dt.datetime) -> str:
    """The error policy (docs/notifications.md, `provider_errors`): opted out, undeliverable,
    retry, or fail visibly."""
    code = error.code
    outcome = provider_error_outcome(code, retryable=not error.permanent)
    if outcome.concerns_recipient:
        record_recipient_problem(outcome=outcome, row=row, code=code, now=now)
        return _fail(row=row, now=now, code=code, message=error.message)
    if error.ambiguous:
        # The provider may have the message: look before trying again.
        transport = transport_for(row.channel)
        if transport.can_reconcile:
            try:
                sid = _find_at_provider(row=row, transport=transport)
            except TransportError:
                return "unknown"  # left `sending`; the lease-based reconciliation decides later
            if sid:
                _mark_sent(row=row, provider_id=sid, now=now)
                return "sent"
        else:
            return _fail(row=row, now=now, code=ERROR_OUTCOME_UNKNOWN, message=error.message)
    if outcome == Outcome.RETRY_ONCE:
        if row.carrier_retries >= 1:
            return _fail(row=row, now=now, code=code, message=error.message)
        return schedule_retry(
            row=row, now=now, code=code, message=error.message, extra={"carrier_retries": F("carrier_retries") + 1}
        )
    if outcome == Outcome.RETRY:
        return schedule_retry(row=row, now=now, code=code, message=error.message)
    logger.error("outbox %s failed permanently: %s %s", row.pk, code, error.message)
    return _fail(row=row, now=now, code=code or "error", message=error.message)


def _find_at_provider(*, row: OutboxMessage, transport) -> str | None:
    exclude = set(
        OutboxMessage.objects.filter(member_id=row.member_id, channel=Channel.SMS)
        .exclude(pk=row.pk)
        .exclude(provider_message_id="")
        .values_list("provider_message_id", flat=True)
    )
    return transport.find_sent(to=row.to, body=row.body, since=row.send_started_at, exclude=exclude)


# --- Reconciling rows left `sending` ---------------------------------------------------------


def reconcile_stale(*, now: dt.datetime | None = None) -> int:
    """Rows whose claim is older than lease(): never started → scheduled again;
    started → looked up at the provider (SMS) or failed as outcome unknown."""
    now = now or dj_timezone.now()
    cutoff = now - lease()
    count = OutboxMessage.objects.filter(
        status=Status.SENDING, send_started_at__isnull=True, claimed_at__lt=cutoff
    ).update(status=Status.SCHEDULED, claim_token="", updated_at=now)
    stale = OutboxMessage.objects.filter(status=Status.SENDING, send_started_at__lt=cutoff).select_related(
        "member", "session"
    )
    for row in stale[:BATCH_SIZE]:
        count += 1
        transport = transport_for(row.channel)
        if not transport.can_reconcile:
            _fail(row=row, now=now, code=ERROR_OUTCOME_UNKNOWN, message="the worker stopped while sending")
            continue
        try:
            sid = _find_at_provider(row=row, transport=transport)
        except TransportError as exc:
            logger.warning("outbox %s: could not reconcile yet: %s", row.pk, exc)
            continue
        if sid:
            _mark_sent(row=row, provider_id=sid, now=now)
        elif row.session_id and row.session.starts_at <= now:
            _fail(row=row, now=now, code="session_started", message="not sent before the session", status=Status.MISSED)
        else:
            # Twilio never got it: safe to send, straight away.
            OutboxMessage.objects.filter(pk=row.pk, status=Status.SENDING).update(
                status=Status.SCHEDULED, claim_token="", send_started_at=None, next_attempt_at=now, updated_at=now
            )
    return count
