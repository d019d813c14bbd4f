"""Proving a contact: a YES to our text, or Confirm pressed on the emailed link.

A proof proves only the destination it was sent to, and only while it is open
(not proven, cancelled or expired, its join request not cancelled, the member's
contact unchanged). Proving turns the join request it belongs to into an
enrollment by the ordinary rules. The first proof of a record through a join
request also makes the record safe to hand out: it takes the name typed with that
request, and the record's other, unproven contact is taken off (someone typed it
who has not proven it), so a stranger cannot attach their own contact to
someone's number or email and later read that person's record (docs/privacy.md,
"What a confirmation does"). In-person adds (no join request) keep both contacts:
the facilitator saw the person give them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from sessions.models import ContactProof, Enrollment, JoinRequest, Member
from sessions.services.audit import ACTOR_MEMBER, audit_record
from sessions.services.members import email_consent_grant, member_detach_contact

PROOF_EXPIRED = "This link has expired or is no longer valid. Please ask to join again from the group's page."
MESSAGE_CONFIRMED = "Thank you: your email address is confirmed."
CONFIRM_HOW = "POST to this URL"

STATUS_WAITING = "waiting_for_confirmation"
STATUS_CONFIRMED = "confirmed"
STATUS_EXPIRED = "expired"


class ProofExpired(Exception):
    """The confirmation is no longer open; nothing was changed."""

    def __init__(self, message: str = PROOF_EXPIRED):
        super().__init__(message)
        self.message = message


@dataclass
class ProofResult:
    member: Member
    proof: ContactProof
    join_request: JoinRequest | None
    enrollment: Enrollment | None
    # True when this proof made the record proven for the first time.
    first_proof: bool


def _is_open(proof: ContactProof, *, now: dt.datetime) -> bool:
    member = proof.member
    on_record = member.phone if proof.channel == ContactProof.Channel.SMS else member.email
    request = proof.join_request
    return (
        proof.proven_at is None
        and proof.cancelled_at is None
        and proof.expires_at > now
        and member.erased_at is None
        and on_record == proof.destination
        and (request is None or request.cancelled_at is None)
    )


def contact_proof_by_secret(*, secret: str) -> ContactProof | None:
    """The email confirmation this link's secret names, or None."""
    if not secret or "\x00" in secret or len(secret) > 64:
        return None
    return (
        ContactProof.objects.select_related("member", "join_request", "join_request__group")
        .filter(secret=secret, channel=ContactProof.Channel.EMAIL)
        .first()
    )


@dataclass
class EmailConfirmationState:
    group_name: str | None
    group_slug: str | None
    contact: str
    status: str
    confirm: str = CONFIRM_HOW


def email_confirmation_state(*, proof: ContactProof, now: dt.datetime | None = None) -> EmailConfirmationState:
    """What the emailed link shows before Confirm is pressed. Changes nothing."""
    from sessions.services.joining import mask_email

    now = now or timezone.now()
    if proof.proven_at is not None:
        status = STATUS_CONFIRMED
    elif _is_open(proof, now=now):
        status = STATUS_WAITING
    else:
        status = STATUS_EXPIRED
    group = proof.join_request.group if proof.join_request_id else None
    return EmailConfirmationState(
        group_name=group.name if group else None,
        group_slug=group.slug if group else None,
        contact=mask_email(proof.destination),
        status=status,
    )


def _number_proven(member: Member, *, request: JoinRequest | None, now: dt.datetime) -> list[str]:
    member.phone_verified_at = now
    # The YES that proves the number is also its consent to texts.
    if member.sms_consent != Member.SmsConsent.CONFIRMED:
        member.sms_consent = Member.SmsConsent.CONFIRMED
        member.sms_consent_at = now
        member.sms_consent_source = Member.ConsentSource.SMS_KEYWORD
    fields = ["phone_verified_at", "sms_consent", "sms_consent_at", "sms_consent_source"]
    if request is not None and request.sms_reminders:
        member.sms_reminders = True
        fields.append("sms_reminders")
    return fields


def _address_proven(member: Member, *, request: JoinRequest | None, now: dt.datetime) -> list[str]:
    member.email_verified_at = now
    fields = ["email_verified_at"]
    if request is not None and request.email_reminders:
        fields += email_consent_grant(member, source=Member.ConsentSource.EMAIL_LINK, now=now)
    return fields


def _take_name_and_zone_from(member: Member, request: JoinRequest) -> list[str]:
    # An earlier unconfirmed join (perhaps by someone else) must not name the owner.
    member.display_name = request.display_name
    if not request.time_zone:
        return ["display_name"]
    member.timezone = request.time_zone
    return ["display_name", "timezone"]


def _keep_only_the_proven_contact(member: Member, proof: ContactProof, *, now: dt.datetime) -> None:
    # Any other contact on the record was typed by someone who has not proven it
    # (perhaps not the owner).
    other = "email" if proof.channel == ContactProof.Channel.SMS else "phone"
    if getattr(member, other) is not None:
        member_detach_contact(member=member, channel=other, now=now)
    member.refresh_from_db()


def _confirm_join_request(
    request: JoinRequest, *, member: Member, proof: ContactProof, now: dt.datetime
) -> tuple[JoinRequest, Enrollment | None]:
    """Enrol the member by the ordinary rules, once, while the request is open; its other
    confirmations stop working. A request confirmed already answers with its enrollment."""
    request = JoinRequest.objects.select_for_update().get(pk=request.pk)
    if request.confirmed_at is not None or request.cancelled_at is not None or request.expires_at <= now:
        return request, Enrollment.objects.filter(group_id=request.group_id, member=member).first()
    from sessions.services.enrollment import enrollment_join

    enrollment, _ = enrollment_join(group=request.group, member=member, join_note=request.note, now=now)
    request.confirmed_at = now
    request.save(update_fields=["confirmed_at"])
    ContactProof.objects.filter(join_request=request, proven_at__isnull=True).exclude(pk=proof.pk).update(
        cancelled_at=now
    )
    return request, enrollment


def _prove(proof: ContactProof, *, now: dt.datetime) -> ProofResult:
    member = Member.objects.select_for_update().get(pk=proof.member_id)
    proof.member = member
    first_proof = not member.is_proven
    proof.proven_at = now
    proof.save(update_fields=["proven_at"])
    request = proof.join_request
    if proof.channel == ContactProof.Channel.SMS:
        fields = _number_proven(member, request=request, now=now)
    else:
        fields = _address_proven(member, request=request, now=now)
    adopts_request = first_proof and request is not None
    if adopts_request:
        fields += _take_name_and_zone_from(member, request)
    member.save(update_fields=fields)
    if adopts_request:
        _keep_only_the_proven_contact(member, proof, now=now)

    enrollment = None
    if request is not None:
        request, enrollment = _confirm_join_request(request, member=member, proof=proof, now=now)
    audit_record(
        action="member.contact_proven",
        organization=member.organization,
        actor_label=ACTOR_MEMBER,
        target=member,
        details={"channel": proof.channel, "join_request": request.pk if request else None},
    )
    return ProofResult(member=member, proof=proof, join_request=request, enrollment=enrollment, first_proof=first_proof)


@transaction.atomic
def email_confirm(*, proof: ContactProof, now: dt.datetime | None = None) -> ProofResult:
    """Confirm pressed on the emailed link: prove the address, confirm its join request.

    Pressing it again answers the same. Raises ProofExpired when the link is no
    longer open (expired, cancelled, or the address changed); nothing changes then.
    """
    now = now or timezone.now()
    proof = (
        ContactProof.objects.select_for_update(of=("self",)).select_related("member", "join_request").get(pk=proof.pk)
    )
    if proof.proven_at is not None:
        request = proof.join_request
        enrollment = (
            Enrollment.objects.filter(group_id=request.group_id, member_id=proof.member_id).first() if request else None
        )
        return ProofResult(
            member=proof.member, proof=proof, join_request=request, enrollment=enrollment, first_proof=False
        )
    if not _is_open(proof, now=now):
        raise ProofExpired()
    return _prove(proof, now=now)


@transaction.atomic
def phone_confirm(*, member: Member, proof_id: int | None = None, now: dt.datetime | None = None) -> ProofResult | None:
    """A YES from the member's number: prove it with the confirmation that YES answers.

    `proof_id` names the confirmation whose text was sent last (the SMS webhook passes
    it: a YES answers the last text, and a confirmation never sent, e.g. to a number
    that said STOP, cannot be answered). Without it, the latest open one. None when
    that confirmation is not open.
    """
    now = now or timezone.now()
    proofs = (
        ContactProof.objects.select_for_update(of=("self",))
        .select_related("member", "join_request")
        .filter(member=member, channel=ContactProof.Channel.SMS, proven_at__isnull=True, cancelled_at__isnull=True)
        .order_by("-requested_at", "-id")
    )
    if proof_id is not None:
        proofs = proofs.filter(pk=proof_id)
    for proof in proofs[:1]:
        if _is_open(proof, now=now):
            return _prove(proof, now=now)
    return None
