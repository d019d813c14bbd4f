"""May this message still go out? Every reason it may not, declared once.

Each rule holds the same test in two forms side by side: `q(now)`, a filter on
outbox rows the planner uses to retire them in bulk (`retire_unwanted`), and
`check(row, now)`, the test the send task applies to the one row it is about to
send (the state may have changed since the planner looked). The order of
`SEND_RULES` is the order in which reasons are recorded when several apply.
tests/notifications/test_send_rules.py checks over a grid of member and session
states that both forms agree.

The member-level rules (who takes texts, who takes email, which confirmations may
still be sent) are here too: the planner uses them to choose the channels of new rows.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import F, Q

from notifications.erasure import ERASED_REASON
from notifications.models import Channel, Kind, OutboxMessage, Status
from sessions.models import ContactProof, Enrollment, Member, Session

PROOF_KINDS = (Kind.SMS_CONFIRM, Kind.EMAIL_CONFIRM)

# --- Members: who may be told anything that names a group --------------------------------

# Only proven contacts get anything that names a group (reminders, conference links,
# notices, broadcasts): a YES proved the number, a confirmed link the address.
SMS_NOTICE_Q = (
    Q(phone__isnull=False)
    & ~Q(phone="")
    & Q(phone_verified_at__isnull=False)
    & Q(sms_consent=Member.SmsConsent.CONFIRMED)
    & Q(phone_undeliverable=False)
    & Q(erased_at__isnull=True)
)
EMAIL_NOTICE_Q = (
    Q(email__isnull=False)
    & ~Q(email="")
    & Q(email_verified_at__isnull=False)
    & Q(email_consent=True)
    & Q(erased_at__isnull=True)
)
# A calendar cancellation of a series goes to any address on file: it only removes
# what an earlier invite put in that calendar.
SERIES_CANCEL_Q = Q(email__isnull=False) & ~Q(email="") & Q(erased_at__isnull=True)


def sms_notice_ok(member: Member) -> bool:
    return bool(
        member.phone
        and member.phone_verified_at is not None
        and member.sms_consent == Member.SmsConsent.CONFIRMED
        and not member.phone_undeliverable
        and member.erased_at is None
    )


def email_notice_ok(member: Member) -> bool:
    return bool(
        member.email and member.email_verified_at is not None and member.email_consent and member.erased_at is None
    )


def series_cancel_ok(member: Member) -> bool:
    return bool(member.email and member.erased_at is None)


def reminder_channels(member: Member) -> list[str]:
    channels = []
    if member.sms_reminders and sms_notice_ok(member):
        channels.append(Channel.SMS)
    if member.email_reminders and email_notice_ok(member):
        channels.append(Channel.EMAIL)
    return channels


def notice_channels(member: Member) -> list[str]:
    channels = []
    if sms_notice_ok(member):
        channels.append(Channel.SMS)
    if email_notice_ok(member):
        channels.append(Channel.EMAIL)
    return channels


# --- Confirmations: may this ContactProof's text or link still be sent ------------------------


def proof_sendable_q(now: dt.datetime, *, proof: str = "", member: str = "member__") -> Q:
    """`proof_may_be_sent` as a filter. `proof` and `member` are the paths to the proof and
    its member: ("", "member__") on ContactProof, ("contact_proof__", "member__") on the outbox."""
    is_open = Q(
        **{
            f"{proof}proven_at__isnull": True,
            f"{proof}cancelled_at__isnull": True,
            f"{proof}expires_at__gt": now,
            f"{member}erased_at__isnull": True,
        }
    )
    request_open = Q(**{f"{proof}join_request__isnull": True}) | Q(
        **{f"{proof}join_request__cancelled_at__isnull": True}
    )
    texts_reach = Q(
        **{
            f"{proof}channel": ContactProof.Channel.SMS,
            f"{member}phone": F(f"{proof}destination"),
            f"{member}phone_undeliverable": False,
        }
    ) & ~Q(**{f"{member}sms_consent": Member.SmsConsent.OPTED_OUT})
    email_reaches = Q(**{f"{proof}channel": ContactProof.Channel.EMAIL, f"{member}email": F(f"{proof}destination")})
    return is_open & request_open & (texts_reach | email_reaches)


def proof_may_be_sent(proof: ContactProof | None, *, member: Member, now: dt.datetime) -> bool:
    """Still open, still the member's contact, and (texts) the number has not said STOP."""
    if proof is None or proof.proven_at is not None or proof.cancelled_at is not None or proof.expires_at <= now:
        return False
    if member.erased_at is not None:
        return False
    if proof.join_request_id and proof.join_request.cancelled_at is not None:
        return False
    if proof.channel == ContactProof.Channel.SMS:
        return (
            member.phone == proof.destination
            and not member.phone_undeliverable
            and member.sms_consent != Member.SmsConsent.OPTED_OUT
        )
    return member.email == proof.destination


def proof_for_row(row: OutboxMessage) -> ContactProof | None:
    """The ContactProof a confirmation row is about, if any."""
    if row.kind not in PROOF_KINDS:
        return None
    return row.contact_proof


# --- Outbox rows: the reasons a planned row must not go out -------------------------------------


class SendRule:
    """One reason a row must not go out: the rows it retires (`q`) and the same test on one row (`check`)."""

    reason: str
    status: str = Status.SKIPPED

    def q(self, now: dt.datetime) -> Q:
        raise NotImplementedError

    def check(self, row: OutboxMessage, now: dt.datetime) -> bool:
        raise NotImplementedError


class MemberErased(SendRule):
    reason = ERASED_REASON

    def q(self, now):
        return Q(member__erased_at__isnull=False)

    def check(self, row, now):
        return row.member.erased_at is not None


class SessionStarted(SendRule):
    reason = "session_started"
    status = Status.MISSED

    def q(self, now):
        return Q(session__starts_at__lte=now)

    def check(self, row, now):
        return row.session is not None and row.session.starts_at <= now


class SessionCancelled(SendRule):
    """A reminder of a cancelled session (its notice goes instead)."""

    reason = "session_cancelled"

    def q(self, now):
        return Q(kind=Kind.REMINDER, session__status=Session.Status.CANCELLED)

    def check(self, row, now):
        return row.kind == Kind.REMINDER and row.session is not None and row.session.status == Session.Status.CANCELLED


class LeftGroup(SendRule):
    """The member is no longer active in the group (the calendar cancellation still goes)."""

    reason = "not_active"

    def q(self, now):
        return (
            Q(enrollment__isnull=False) & ~Q(kind=Kind.SERIES_CANCEL) & ~Q(enrollment__status=Enrollment.Status.ACTIVE)
        )

    def check(self, row, now):
        return bool(
            row.enrollment_id and row.kind != Kind.SERIES_CANCEL and row.enrollment.status != Enrollment.Status.ACTIVE
        )


class RetiredKind(SendRule):
    """The old "someone used your number" link, replaced by join requests."""

    reason = "retired_kind"

    def q(self, now):
        return Q(kind=Kind.JOIN_CONFIRMATION)

    def check(self, row, now):
        return row.kind == Kind.JOIN_CONFIRMATION


class ProofSettled(SendRule):
    """A confirmation whose proof was answered, cancelled, expired, or no longer reaches the member."""

    reason = "proof_settled"

    def q(self, now):
        sendable = OutboxMessage.objects.filter(kind__in=PROOF_KINDS).filter(
            proof_sendable_q(now, proof="contact_proof__")
        )
        return Q(kind__in=PROOF_KINDS) & ~Q(pk__in=sendable.values("pk"))

    def check(self, row, now):
        return row.kind in PROOF_KINDS and not proof_may_be_sent(proof_for_row(row), member=row.member, now=now)


class SmsNotAllowed(SendRule):
    """A text to a number not proven, not consenting or undeliverable; a reminder also needs the switch on."""

    reason = "sms_not_allowed"

    def q(self, now):
        refused = ~Q(member__in=Member.objects.filter(SMS_NOTICE_Q)) | Q(
            kind=Kind.REMINDER, member__sms_reminders=False
        )
        return Q(channel=Channel.SMS) & ~Q(kind=Kind.SMS_CONFIRM) & refused

    def check(self, row, now):
        if row.channel != Channel.SMS or row.kind == Kind.SMS_CONFIRM:
            return False
        if row.kind == Kind.REMINDER:
            return Channel.SMS not in reminder_channels(row.member)
        return not sms_notice_ok(row.member)


class EmailNotAllowed(SendRule):
    """An email to an address not proven or not consenting; a reminder also needs the switch on."""

    reason = "email_not_allowed"

    def q(self, now):
        cancel = Q(kind=Kind.SERIES_CANCEL) & ~Q(member__in=Member.objects.filter(SERIES_CANCEL_Q))
        others = ~Q(kind=Kind.SERIES_CANCEL) & (
            ~Q(member__in=Member.objects.filter(EMAIL_NOTICE_Q)) | Q(kind=Kind.REMINDER, member__email_reminders=False)
        )
        return Q(channel=Channel.EMAIL) & ~Q(kind=Kind.EMAIL_CONFIRM) & (cancel | others)

    def check(self, row, now):
        if row.channel != Channel.EMAIL or row.kind == Kind.EMAIL_CONFIRM:
            return False
        if row.kind == Kind.SERIES_CANCEL:
            return not series_cancel_ok(row.member)
        if row.kind == Kind.REMINDER:
            return Channel.EMAIL not in reminder_channels(row.member)
        return not email_notice_ok(row.member)


SEND_RULES: tuple[SendRule, ...] = (
    MemberErased(),
    SessionStarted(),
    SessionCancelled(),
    LeftGroup(),
    RetiredKind(),
    ProofSettled(),
    SmsNotAllowed(),
    EmailNotAllowed(),
)


def broken_rule(row: OutboxMessage, *, now: dt.datetime) -> SendRule | None:
    """The first rule that keeps this row from going out, or None."""
    for rule in SEND_RULES:
        if rule.check(row, now):
            return rule
    return None
