"""Joining a group from the public page: find or create the member, enrol, record consent.

A phone number is not a secret. Anyone may type anyone's number, so a join
that names an existing member's phone or email enrols nobody and reveals
nothing: the answer is the same 202 "confirmation_sent" whether or not that
person is already in the group, opted out, or anything else. Such a join
records a JoinConfirmation (unless the member is already on the roster) and
notifications send ONE link to the contact on file; the member joins only by
opening it (`member_join_group`, through their self-service token). Their
name, contacts, time zone and consent are never changed by the form.

Text-message consent is double opt-in: a new member's join only sets it to
"pending"; the notifications app sends the "Reply YES" text by reading pending
consent, and nothing goes by SMS before the YES. Each such text, and each join
naming an existing member (it may send a link), counts against daily abuse
caps, taken atomically in the same transaction as the join, so a refused join
writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from sessions.models import Enrollment, JoinConfirmation, Member, SupportGroup
from sessions.services.members import default_phone_region, member_find_for_update, normalize_contacts
from sessions.services.send_caps import CAP_CLIENT, CAP_GLOBAL, SendCapReached, send_caps_take
from sessions.services.send_caps import rate_counter_take as rate_counter_take  # re-exported

JOIN_CAP_NUMBER = (
    "This number has been sent several confirmation texts today. "
    "Please try again tomorrow, or join with an email address."
)
JOIN_CAP_CLIENT = CAP_CLIENT
JOIN_CAP_GLOBAL = CAP_GLOBAL
MESSAGE_CONFIRM_SMS = "We will text you to confirm: reply YES to receive reminders by text."
JOIN_CAP_CONTACT = (
    "This phone number or email address has been sent several confirmation messages today. Please try again tomorrow."
)
# The whole answer to a join naming a known phone or email, whatever that person's state.
MESSAGE_CONFIRMATION_SENT = (
    "If this number or email is already registered with Lantern, we sent it a link to confirm. "
    "Nothing changes until it is confirmed."
)
STATUS_CONFIRMATION_SENT = "confirmation_sent"


# The caps are shared by every path that sends to a typed contact (sessions.services.send_caps).
JoinLimitReached = SendCapReached


@dataclass
class JoinResult:
    """What a public join did. For an existing member (`member_created` False)
    only `messages` may be shown: everything else would describe them."""

    enrollment: Enrollment | None
    member: Member
    created: bool
    member_created: bool
    sms_consent: str
    messages: list[str] = field(default_factory=list)

    @property
    def self_service_url(self) -> str | None:
        # Only a member created by this very request may see their token.
        if not self.member_created:
            return None
        return f"{settings.PUBLIC_BASE_URL}/api/me/{self.member.token}/"


def _take_confirmation_caps(
    *, phone: str, client: str, now: dt.datetime, number_message: str = JOIN_CAP_NUMBER
) -> None:
    # "email:<address>" names an email destination: the counter is the address's own,
    # shared with every other path that writes to it.
    destination = phone.removeprefix("email:")
    send_caps_take(destinations=[destination], client=client, now=now, destination_message=number_message)


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
    now: dt.datetime | None = None,
) -> JoinResult:
    """Join `group` as the person with this phone and/or email.

    Raises ValidationError (bad phone) or JoinLimitReached (a confirmation-text
    cap); either way nothing is written.
    """
    now = now or timezone.now()
    phone_e164, email = normalize_contacts(phone=phone, email=email, default_region=default_phone_region(group))

    member = member_find_for_update(phone=phone_e164, email=email)
    member_created = member is None
    if member_created:
        member = Member(
            display_name=display_name.strip(),
            phone=phone_e164,
            email=email,
            timezone=time_zone or (group.venue.timezone if group.venue_id else group.timezone),
        )
        # Uniqueness is left to the database: a concurrent join with the same phone
        # lands in the IntegrityError branch below instead of a 400 that would
        # reveal the number is known.
        member.full_clean(validate_unique=False, validate_constraints=False)
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError:
            # Someone joined with the same phone or email a moment ago: use that member.
            member = member_find_for_update(phone=phone_e164, email=email)
            if member is None:
                raise
            member_created = False

    if not member_created:
        return _confirmation_requested(group=group, member=member, note=note, client=client, now=now)

    # Imported here: the enrollment rules live in their own module, which imports this app's models.
    from sessions.services.enrollment import enrollment_join

    enrollment, created = enrollment_join(group=group, member=member, join_note=note, now=now)
    result = JoinResult(
        enrollment=enrollment,
        member=member,
        created=created,
        member_created=True,
        sms_consent=member.sms_consent,
    )
    update_fields: list[str] = []
    if sms_reminders and member.phone:
        # This is what makes notifications send a "Reply YES" text.
        _take_confirmation_caps(phone=member.phone, client=client, now=now)
        member.sms_consent = Member.SmsConsent.PENDING
        member.sms_consent_at = now
        member.sms_consent_source = Member.ConsentSource.WEB_FORM
        member.sms_reminders = True
        update_fields += ["sms_consent", "sms_consent_at", "sms_consent_source", "sms_reminders"]
        result.messages.append(MESSAGE_CONFIRM_SMS)
    if email_reminders and member.email:
        member.email_reminders = True
        member.email_consent = True
        member.email_consent_at = now
        member.email_consent_source = Member.ConsentSource.WEB_FORM
        update_fields += ["email_reminders", "email_consent", "email_consent_at", "email_consent_source"]
    if update_fields:
        member.save(update_fields=update_fields)
    result.sms_consent = member.sms_consent
    return result


def _confirmation_requested(
    *, group: SupportGroup, member: Member, note: str, client: str, now: dt.datetime
) -> JoinResult:
    """A join naming a known phone or email: ask the member, tell the caller nothing.

    The caps are taken whatever the member's state, so a 429 cannot tell an
    enrolled member from one who is not. A member already on the roster (or
    erased) gets no message; one already asked keeps that request (no second
    link); otherwise the request is recorded and notifications send the link.
    """
    _take_confirmation_caps(phone=f"member:{member.pk}", client=client, now=now, number_message=JOIN_CAP_CONTACT)
    result = JoinResult(
        enrollment=None,
        member=member,
        created=False,
        member_created=False,
        sms_consent="",
        messages=[MESSAGE_CONFIRMATION_SENT],
    )
    from sessions.services.enrollment import ON_ROSTER

    if member.erased_at is not None:
        return result
    if Enrollment.objects.filter(member=member, group=group, status__in=ON_ROSTER).exists():
        return result
    confirmation = JoinConfirmation.objects.select_for_update().filter(member=member, group=group).first()
    if confirmation is None:
        try:
            with transaction.atomic():
                JoinConfirmation.objects.create(member=member, group=group, join_note=note, requested_at=now)
        except IntegrityError:
            pass  # a concurrent request recorded it a moment ago: one request, one link
    elif confirmation.confirmed_at is not None:
        # They joined through an earlier link and have left since: a new request, a new link.
        confirmation.confirmed_at = None
        confirmation.requested_at = now
        confirmation.join_note = note
        confirmation.save(update_fields=["confirmed_at", "requested_at", "join_note"])
    return result


@transaction.atomic
def member_join_group(
    *, member: Member, group: SupportGroup, now: dt.datetime | None = None
) -> tuple[Enrollment, bool]:
    """A member joins `group` through their own self-service link (the confirmation
    link sends them here). Enrolment rules as for any join; a pending confirmation
    is marked confirmed and its note goes on the enrollment."""
    from sessions.services.enrollment import enrollment_join

    now = now or timezone.now()
    confirmation = JoinConfirmation.objects.select_for_update().filter(member=member, group=group).first()
    pending = confirmation is not None and confirmation.confirmed_at is None
    enrollment, created = enrollment_join(
        group=group, member=member, join_note=confirmation.join_note if pending else "", now=now
    )
    if pending:
        confirmation.confirmed_at = now
        confirmation.save(update_fields=["confirmed_at"])
    return enrollment, created
