from __future__ import annotations

import datetime as dt

import pytest

from notifications import dispatch
from notifications.delivery_status import handle_status
from notifications.models import Channel, Kind, OutboxMessage, Status
from notifications.provider_errors import Outcome, provider_error_outcome
from notifications.transports import TransportError
from tests.notifications.helpers import sent_row

pytestmark = pytest.mark.django_db

POLICY = {
    "21610": Outcome.OPTED_OUT,
    "21211": Outcome.UNDELIVERABLE,
    "21614": Outcome.UNDELIVERABLE,
    "30005": Outcome.UNDELIVERABLE,
    "30006": Outcome.UNDELIVERABLE,
    "30003": Outcome.RETRY_ONCE,
}
# Codes the policy does not name: they fail, or are retried when the send call says so.
UNNAMED = ["21408", "30007", "20429", "timeout", ""]


@pytest.mark.parametrize(("code", "outcome"), POLICY.items())
@pytest.mark.parametrize("retryable", [False, True])
def test_a_named_code_decides_whatever_the_transport_says(code, outcome, retryable):
    assert provider_error_outcome(code, retryable=retryable) == outcome


@pytest.mark.parametrize("code", UNNAMED)
def test_an_unnamed_code_is_retried_only_when_another_try_may_help(code):
    assert provider_error_outcome(code) == Outcome.PERMANENT
    assert provider_error_outcome(code, retryable=True) == Outcome.RETRY


def test_only_opted_out_and_undeliverable_concern_the_recipient():
    assert {o for o in Outcome if o.concerns_recipient} == {Outcome.OPTED_OUT, Outcome.UNDELIVERABLE}


# --- the send call and the status callback agree ------------------------------------------------


def _row(
    *,
    status: str,
    now: dt.datetime,
    carrier_retries: int,
    sid: str,
    attempts: int = 1,
    due_at: dt.datetime | None = None,
) -> OutboxMessage:
    return sent_row(
        status=status,
        provider_message_id=sid,
        claim_token="t" if status == Status.SENDING else "",
        due_at=due_at or now,
        next_attempt_at=now,
        send_started_at=now,
        attempts=attempts,
        carrier_retries=carrier_retries,
    )


def _effect(row: OutboxMessage) -> tuple:
    """What a code did, in the terms both paths share."""
    row.refresh_from_db()
    member = row.member
    member.refresh_from_db()
    return (
        row.status,
        row.error_code,
        row.carrier_retries,
        member.sms_consent,
        member.phone_undeliverable,
        member.phone_error_code,
        OutboxMessage.objects.filter(member=member, status=Status.SCHEDULED).exclude(pk=row.pk).exists(),
    )


def _with_a_later_text(row: OutboxMessage, now: dt.datetime) -> None:
    OutboxMessage.objects.create(
        member=row.member,
        channel=Channel.SMS,
        kind=Kind.SMS_CONFIRM,
        dedupe_key="later",
        status=Status.SCHEDULED,
        due_at=now + dt.timedelta(hours=1),
        next_attempt_at=now + dt.timedelta(hours=1),
    )


@pytest.mark.parametrize("carrier_retries", [0, 1])
@pytest.mark.parametrize("code", [*POLICY, *UNNAMED[:2]])
def test_dispatch_and_the_status_callback_agree_on_every_code(code, carrier_retries, now):
    by_send = _row(status=Status.SENDING, now=now, carrier_retries=carrier_retries, sid="")
    _with_a_later_text(by_send, now)
    error = TransportError("refused", permanent=True, code=code)
    dispatch.handle_send_error(row=by_send, error=error, now=now)

    by_callback = _row(status=Status.SENT, now=now, carrier_retries=carrier_retries, sid="SMagree")
    _with_a_later_text(by_callback, now)
    handle_status(message_sid="SMagree", message_status="undelivered", error_code=code, now=now)

    assert _effect(by_send) == _effect(by_callback)
    outcome = provider_error_outcome(code)
    expected = Status.SCHEDULED if outcome == Outcome.RETRY_ONCE and carrier_retries == 0 else Status.FAILED
    assert _effect(by_send)[0] == expected


@pytest.mark.parametrize(
    ("attempts", "due_days_ago", "expected"),
    [
        (1, 0, Status.SCHEDULED),
        (dispatch.MAX_ATTEMPTS, 0, Status.FAILED),  # out of attempts
        (1, 2, Status.FAILED),  # past the row's deadline
    ],
)
def test_dispatch_and_the_status_callback_allow_the_one_carrier_retry_on_the_same_terms(
    attempts, due_days_ago, expected, now
):
    code = next(code for code, outcome in POLICY.items() if outcome == Outcome.RETRY_ONCE)
    due_at = now - dt.timedelta(days=due_days_ago)
    by_send = _row(status=Status.SENDING, now=now, carrier_retries=0, sid="", attempts=attempts, due_at=due_at)
    dispatch.handle_send_error(row=by_send, error=TransportError("refused", permanent=True, code=code), now=now)

    by_callback = _row(status=Status.SENT, now=now, carrier_retries=0, sid="SMterms", attempts=attempts, due_at=due_at)
    handle_status(message_sid="SMterms", message_status="undelivered", error_code=code, now=now)

    assert _effect(by_send)[0] == _effect(by_callback)[0] == expected
