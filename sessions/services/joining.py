"""Joining a group from the public page: every join is a request until a contact is proven.

Typing a phone or email proves nothing (docs/privacy.md, "Identity and proof").
So a join enrols nobody and reveals nothing: whoever the contact belongs to (no
one, a member of this organization, proven or not, already in the group, opted
out), it records a JoinRequest and one ContactProof, and answers the same way.
The request becomes an enrollment only when the contact's owner replies YES to
the confirmation text or presses Confirm on the emailed link
(`sessions.services.proofs`). Nothing of a member found by the contact is read
into the answer or changed by the form.

Lookups are scoped to the group's organization: a number known in another
organization is unknown here, and the person proves it again.

Each confirmation counts against daily abuse caps, taken atomically in the same
transaction as the join, whatever the member's state, so a refused join writes
nothing and a 429 says nothing about anyone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions.models import ContactProof, Enrollment, JoinRequest, Member, SupportGroup
from sessions.services.members import (
    contact_proof_request,
    member_detach_contact,
    proof_valid_for,
    typed_contacts,
)
from sessions.services.send_caps import CAP_CLIENT, CAP_GLOBAL, SendCapReached, send_caps_take
from sessions.services.send_caps import rate_counter_take as rate_counter_take  # re-exported

JOIN_CAP_NUMBER = (
    "This number has been sent several confirmation texts today. "
    "Please try again tomorrow, or join with an email address."
)
JOIN_CAP_CLIENT = CAP_CLIENT
JOIN_CAP_GLOBAL = CAP_GLOBAL
JOIN_CAP_CONTACT = (
    "This phone number or email address has been sent several confirmation messages today. Please try again tomorrow."
)
MESSAGE_JOIN_REQUESTED_SMS = (
    "We sent a text to the number you gave. Reply YES to it to confirm. Nothing happens until you do."
)
MESSAGE_JOIN_REQUESTED_EMAIL = (
    "We sent an email to the address you gave. Open the link in it and press Confirm. Nothing happens until you do."
)
MESSAGE_REQUEST_PRIVATE = (
    "This page shows your request as waiting until it expires, even after you confirm, so that nobody who "
    "typed your number or email can tell whether you joined. When you confirm, the link to your own page "
    "comes to you by text or email."
)
MESSAGE_REQUEST_CANCELLED = "This request is cancelled. Nothing more will happen because of it."
MESSAGE_REQUEST_EXPIRED = "This request has expired. You can ask to join again from the group's page."

# What the request handle shows: never "confirmed" (see join_request_public_state).
STATUS_WAITING = "waiting_for_confirmation"
STATUS_CANCELLED = "cancelled"
STATUS_EXPIRED = "expired"


# The caps are shared by every path that sends to a typed contact (sessions.services.send_caps).
JoinLimitReached = SendCapReached


def _take_confirmation_caps(
    *, phone: str, client: str, now: dt.datetime, number_message: str = JOIN_CAP_NUMBER
) -> None:
    # "email:<address>" names an email destination: the counter is the address's own,
    # shared with every other path that writes to it.
    destination = phone.removeprefix("email:")
    send_caps_take(destinations=[destination], client=client, now=now, destination_message=number_message)


def _take_caps_for_destination(*, channel: str, destination: str, client: str, now: dt.datetime) -> None:
    if channel == ContactProof.Channel.SMS:
        _take_confirmation_caps(phone=destination, client=client, now=now)
    else:
        _take_confirmation_caps(phone=f"email:{destination}", client=client, now=now, number_message=JOIN_CAP_CONTACT)


@dataclass
class JoinResult:
    """What a public join did. Only `join_request` (its handle) and `messages` may be
    shown: both depend on nothing but what was typed."""

    join_request: JoinRequest
    confirm_by: list[str]
    messages: list[str] = field(default_factory=list)

    @property
    def request_url(self) -> str:
        return join_request_url(self.join_request)


def join_request_url(join_request: JoinRequest) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/join-requests/{join_request.token}/"


def _holder(*, organization_id: int, field_name: str, value: str, now: dt.datetime) -> Member | None:
    """The record of this organization holding `value`, if a join may use it.

    A record may be used when the contact is proven on it, or when nothing on it
    is proven (an earlier unconfirmed join). A contact merely pending on someone's
    proven record (typed, never confirmed) is taken off it: it was never theirs
    to keep, and leaving it there would let that record absorb the owner's joins.
    """
    member = (
        Member.objects.select_for_update()
        .filter(organization_id=organization_id, erased_at__isnull=True, **{field_name: value})
        .first()
    )
    if member is None:
        return None
    verified = member.phone_verified_at if field_name == "phone" else member.email_verified_at
    if verified is not None or not member.is_proven:
        return member
    member_detach_contact(member=member, channel=field_name, now=now)
    return None


def _member_for_request(
    *, group: SupportGroup, display_name: str, phone: str | None, email: str | None, time_zone: str, now: dt.datetime
) -> Member:
    """The record a join request belongs to: found by the contact it will prove (the phone
    if one was typed, else the email), or a new record holding only that contact.

    The other typed contact is never attached: whoever proves the phone has not proven
    the email, and a record must not gather contacts that different people typed
    (docs/privacy.md, "What a confirmation does"). The member adds an email from
    their own page, where it gets its own confirmation.
    """
    organization_id = group.organization_id
    field_name, value = ("phone", phone) if phone else ("email", email)
    member = _holder(organization_id=organization_id, field_name=field_name, value=value, now=now)
    if member is not None:
        return member
    member = Member(
        organization_id=organization_id,
        display_name=display_name.strip(),
        timezone=time_zone,
        **{field_name: value},
    )
    member.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        # A concurrent join with the same contact a moment ago: use that record.
        member = (
            Member.objects.select_for_update()
            .filter(organization_id=organization_id, erased_at__isnull=True, **{field_name: value})
            .first()
        )
        if member is None:
            raise
    return member


def _unproven_record_takes_language(*, member: Member, language: str) -> None:
    """A record nobody has proven yet takes the join page's language, so its confirmation goes out
    in it; a proven record keeps the language its owner chose."""
    if language and not member.is_proven and member.language != language:
        member.language = language
        member.save(update_fields=["language"])


@transaction.atomic
def group_join(
    *,
    group: SupportGroup,
    display_name: str,
    phone: str | None = None,
    email: str | None = None,
    sms_reminders: bool = False,
    email_reminders: bool = False,
    time_zone: str | None = None,
    note: str = "",
    client: str = "unknown",
    language: str = "",
    now: dt.datetime | None = None,
) -> JoinResult:
    """Ask to join `group` as the person with this phone and/or email.

    Records a JoinRequest and one confirmation: a "reply YES" text when a phone
    was given, else an emailed link. Raises ValidationError (bad or missing
    contact) or JoinLimitReached (a cap); either way nothing is written.
    `language` is the join page's (the request keeps it for the proof).
    """
    now = now or timezone.now()
    phone_e164, email = typed_contacts(group=group, phone=phone, email=email)
    channel = ContactProof.Channel.SMS if phone_e164 else ContactProof.Channel.EMAIL
    destination = phone_e164 if channel == ContactProof.Channel.SMS else email
    # Taken whatever happens next, so a 429 cannot tell a known contact from a new one.
    _take_caps_for_destination(channel=channel, destination=destination, client=client, now=now)

    zone = time_zone or group.local_zone.key
    member = _member_for_request(
        group=group, display_name=display_name, phone=phone_e164, email=email, time_zone=zone, now=now
    )
    _unproven_record_takes_language(member=member, language=language)
    join_request = JoinRequest(
        group=group,
        member=member,
        display_name=display_name.strip(),
        phone=phone_e164,
        email=email,
        note=note,
        sms_reminders=bool(sms_reminders and phone_e164),
        email_reminders=bool(email_reminders and email),
        time_zone=time_zone or "",
        language=language,
        requested_at=now,
        expires_at=now + proof_valid_for(),
    )
    join_request.full_clean()
    join_request.save()
    on_record = member.phone if channel == ContactProof.Channel.SMS else member.email
    if on_record == destination and member.erased_at is None:
        contact_proof_request(member=member, channel=channel, join_request=join_request, now=now)
    message = MESSAGE_JOIN_REQUESTED_SMS if channel == ContactProof.Channel.SMS else MESSAGE_JOIN_REQUESTED_EMAIL
    return JoinResult(join_request=join_request, confirm_by=[channel], messages=[message])


def join_request_by_token(*, token: str) -> JoinRequest | None:
    """The request this handle names, or None. A NUL byte is never in a stored token."""
    if not token or "\x00" in token or len(token) > 64:
        return None
    return JoinRequest.objects.select_related("group").filter(token=token).first()


@dataclass
class JoinRequestState:
    """What the request handle may show: built from the clock, the request's own
    fields as typed, and cancels through the handle, never from the proof."""

    group_name: str
    group_slug: str
    status: str
    contacts: list[str]
    expires_at: dt.datetime
    messages: list[str]


def mask_phone(phone: str) -> str:
    return "•" * max(len(phone) - 2, 0) + phone[-2:]


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}•••@{domain[:1]}•••"


def join_request_public_state(*, join_request: JoinRequest, now: dt.datetime | None = None) -> JoinRequestState:
    now = now or timezone.now()
    if join_request.cancelled_at is not None:
        status, messages = STATUS_CANCELLED, [MESSAGE_REQUEST_CANCELLED]
    elif now >= join_request.expires_at:
        status, messages = STATUS_EXPIRED, [MESSAGE_REQUEST_EXPIRED]
    else:
        message = MESSAGE_JOIN_REQUESTED_SMS if join_request.phone else MESSAGE_JOIN_REQUESTED_EMAIL
        status, messages = STATUS_WAITING, [message, MESSAGE_REQUEST_PRIVATE]
    contacts = [mask_phone(join_request.phone)] if join_request.phone else [mask_email(join_request.email)]
    return JoinRequestState(
        group_name=join_request.group.name,
        group_slug=join_request.group.slug,
        status=status,
        contacts=contacts,
        expires_at=join_request.expires_at,
        messages=messages,
    )


@transaction.atomic
def join_request_cancel(*, join_request: JoinRequest, now: dt.datetime | None = None) -> JoinRequest:
    """Cancel through the handle. An unconfirmed request's confirmation stops working;
    a confirmed one keeps its enrollment (the member leaves from their own page), and
    the answer is the same either way. Cancelling twice changes nothing."""
    now = now or timezone.now()
    join_request = JoinRequest.objects.select_for_update().get(pk=join_request.pk)
    if join_request.cancelled_at is None:
        join_request.cancelled_at = now
        join_request.save(update_fields=["cancelled_at"])
        ContactProof.objects.filter(
            join_request=join_request, proven_at__isnull=True, cancelled_at__isnull=True
        ).update(cancelled_at=now)
    return join_request


@transaction.atomic
def member_join_group(
    *, member: Member, group: SupportGroup, now: dt.datetime | None = None
) -> tuple[Enrollment, bool]:
    """A proven member joins a group of their own organization through their page.
    Enrolment rules as for any join."""
    from sessions.services.enrollment import enrollment_join

    return enrollment_join(group=group, member=member, now=now or timezone.now())
