"""Inbound texts: keywords (STOP, START, YES, HELP, in English and Spanish), RSVPs,
and messages for the facilitators.

Idempotent: an inbound text is recorded by its MessageSid before it is acted on, so
Twilio's retry of the same webhook gets the same reply and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from notifications import texts
from notifications.consent import member_opt_in, number_opt_out
from notifications.models import Channel, InboundMessage, Kind, OutboxMessage
from notifications.webhook_fields import NUMBER_MAX_LENGTH, SID_MAX_LENGTH, storable
from sessions.links import self_service_url
from sessions.models import Attendance, Enrollment, JoinRequest, Member, Session, SupportGroup
from sessions.selectors.schedule import scheduled_from
from sessions.services.attendance import attendance_rsvp
from sessions.services.members import member_set_language
from sessions.services.proofs import phone_confirm

# Twilio's and the CTIA's standard keywords.
OPT_OUT_KEYWORDS = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
OPT_IN_KEYWORDS = {"START", "UNSTOP", "YES"}
HELP_KEYWORDS = {"HELP", "INFO"}
RSVP_KEYWORDS = {"1": Attendance.Rsvp.YES, "2": Attendance.Rsvp.NO}
# Spanish words for the same keywords. The standard words above stay honoured in any
# language (the texts name them); ALTO/PARAR only widen opt-out, never narrow it.
KEYWORD_SYNONYMS = {"SI": "YES", "SÍ": "YES", "ALTO": "STOP", "PARAR": "STOP", "AYUDA": "HELP"}


def keyword_of(body: str) -> str:
    """'  Stop. ' → 'STOP', 'stop all' → 'STOPALL', 'Sí' → 'YES': case, spaces and
    closing punctuation ignored, Spanish synonyms mapped to the standard keyword."""
    keyword = re.sub(r"[\s.!¡]+", "", body or "").upper()
    return KEYWORD_SYNONYMS.get(keyword, keyword)


def is_us_number(phone: str) -> bool:
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(phone, None)) == "US"
    except phonenumbers.NumberParseException:
        return False


def _member_for(phone: str) -> Member | None:
    """The record a text from this number is about: the one whose organization Lantern
    last texted the number for. Never across organizations: a number known in several
    that none of them has texted yet is routed to none of them."""
    last = (
        OutboxMessage.objects.filter(
            channel=Channel.SMS, member__phone=phone, member__erased_at__isnull=True, send_started_at__isnull=False
        )
        .select_related("member")
        .order_by("-send_started_at", "-id")
        .first()
    )
    if last is not None:
        return last.member
    candidates = list(Member.objects.filter(phone=phone, erased_at__isnull=True)[:2])
    return candidates[0] if len(candidates) == 1 else None


def _active_enrollments(member: Member):
    return Enrollment.objects.filter(member=member, status=Enrollment.Status.ACTIVE).select_related(
        "group", "group__organization"
    )


def conversation_group(member: Member) -> SupportGroup | None:
    """The group a text from this member is about: the one we last texted them for,
    else their earliest active group."""
    last = (
        OutboxMessage.objects.filter(member=member, channel=Channel.SMS, group__isnull=False)
        .exclude(send_started_at__isnull=True)
        .select_related("group", "group__organization")
        .order_by("-send_started_at", "-id")
        .first()
    )
    if last is not None:
        return last.group
    enrollment = _active_enrollments(member).order_by("created_at", "id").first()
    return enrollment.group if enrollment else None


def _next_session(member: Member, *, now: dt.datetime) -> tuple[Session, Enrollment] | None:
    enrollments = {e.group_id: e for e in _active_enrollments(member)}
    session = scheduled_from(now=now).filter(group_id__in=enrollments).select_related("group").first()
    if session is None:
        return None
    return session, enrollments[session.group_id]


def _rsvp(member: Member, *, rsvp: str, now: dt.datetime) -> str:
    found = _next_session(member, now=now)
    if found is None:
        return _(texts.REPLY_RSVP_NONE)
    session, enrollment = found
    try:
        attendance_rsvp(session=session, enrollment=enrollment, rsvp=rsvp, now=now)
    except ValidationError:
        return _(texts.REPLY_RSVP_NONE)
    template = texts.REPLY_RSVP_YES if rsvp == Attendance.Rsvp.YES else texts.REPLY_RSVP_NO
    return _(template).format(
        label=texts.label_of(session.group), when=texts.local_when(session.starts_at, member.timezone)
    )


def _last_confirmation_sent(member: Member) -> int | None:
    """The ContactProof of the last "reply YES" text actually sent to this member."""
    row = (
        OutboxMessage.objects.filter(
            member=member, channel=Channel.SMS, kind=Kind.SMS_CONFIRM, send_started_at__isnull=False
        )
        .order_by("-send_started_at", "-id")
        .first()
    )
    return row.contact_proof_id if row is not None else None


def _take_join_language(member: Member, join_request: JoinRequest) -> None:
    """The person who just proved the number joined on a page in this language: their texts
    and emails follow it (the emailed link's Confirm page does the same with its own)."""
    if not join_request.language or join_request.language == member.language:
        return
    try:
        member_set_language(member=member, language=join_request.language)
    except ValidationError:
        pass  # a language Lantern no longer speaks: keep theirs


def _opt_in(member: Member, *, keyword: str, now: dt.datetime) -> str:
    """YES answers the last confirmation text (proving the number, confirming its join
    request); START/UNSTOP (and a YES with nothing to confirm) turn texts back on."""
    proof = None
    if keyword == "YES":
        answered = _last_confirmation_sent(member)
        if answered is not None:
            proof = phone_confirm(member=member, proof_id=answered, now=now)
    if proof is not None:
        member = proof.member
        if proof.join_request is not None:
            if proof.first_proof:
                _take_join_language(member, proof.join_request)
            with translation.override(texts.language_of(member)):
                return _(texts.REPLY_JOIN_CONFIRMED).format(
                    label=texts.label_of(proof.join_request.group), link=self_service_url(member)
                )
        group = conversation_group(member)
        label = texts.label_of(group) if group is not None else _("your group")
        if proof.first_proof:
            return _(texts.REPLY_CONFIRMED_PAGE).format(label=label, link=self_service_url(member))
        return _(texts.REPLY_CONFIRMED).format(label=label)
    previous = member_opt_in(member=member, source=Member.ConsentSource.SMS_KEYWORD, now=now)
    group = conversation_group(member)
    if previous == Member.SmsConsent.PENDING and group is not None:
        return _(texts.REPLY_CONFIRMED).format(label=texts.label_of(group))
    return _(texts.REPLY_OPTED_IN)


def _act(*, member: Member | None, keyword: str, from_number: str, now: dt.datetime) -> tuple[str, str]:
    """What an inbound text does, and the reply to it ('' for none)."""
    reply = ""
    if keyword in OPT_OUT_KEYWORDS:
        kind = InboundMessage.Kind.OPT_OUT
        # Twilio (and the carriers) send the standard opt-out confirmation themselves;
        # a second text from us would be refused (21610) anyway.
        number_opt_out(phone=from_number, source=Member.ConsentSource.SMS_KEYWORD, now=now)
    elif keyword in OPT_IN_KEYWORDS:
        kind = InboundMessage.Kind.OPT_IN
        if member is not None:
            reply = _opt_in(member, keyword=keyword, now=now)
        else:
            reply = _(texts.REPLY_HELP_UNKNOWN).format(crisis="")
    elif keyword in HELP_KEYWORDS:
        kind = InboundMessage.Kind.HELP
        group = conversation_group(member) if member else None
        reply = texts.reply_help(group=group, us_number=is_us_number(from_number))
    elif keyword in RSVP_KEYWORDS and member is not None:
        kind = InboundMessage.Kind.RSVP
        reply = _rsvp(member, rsvp=RSVP_KEYWORDS[keyword], now=now)
    else:
        kind = InboundMessage.Kind.MESSAGE
        if member is not None:
            reply = _(texts.REPLY_FORWARDED)
    return kind, reply


def handle_inbound(*, message_sid: str, from_number: str, to_number: str, body: str, now: dt.datetime) -> str:
    """Act on one inbound text once; return the reply ('' for none)."""
    message_sid = storable(message_sid)
    if not message_sid or len(message_sid) > SID_MAX_LENGTH:
        return ""
    from_number = storable(from_number, NUMBER_MAX_LENGTH)
    to_number = storable(to_number, NUMBER_MAX_LENGTH)
    body = storable(body)
    existing = InboundMessage.objects.filter(provider_message_id=message_sid).first()
    if existing is not None:
        return existing.reply
    member = _member_for(from_number)
    keyword = keyword_of(body)
    # The reply is in the member's language (English for a number Lantern does not know).
    with translation.override(texts.language_of(member)):
        kind, reply = _act(member=member, keyword=keyword, from_number=from_number, now=now)
    try:
        with transaction.atomic():
            InboundMessage.objects.create(
                provider_message_id=message_sid,
                from_number=from_number,
                to_number=to_number,
                body=body,
                kind=kind,
                member=member,
                group=conversation_group(member) if member else None,
                reply=texts.sms(reply) if reply else "",
                received_at=now,
            )
    except IntegrityError:
        # The same webhook, retried concurrently: the first one answers.
        return InboundMessage.objects.get(provider_message_id=message_sid).reply
    return texts.sms(reply) if reply else ""
