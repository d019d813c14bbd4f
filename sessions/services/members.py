"""Member writes: self-service profile changes, token rotation, erasure, and
facilitators adding someone to a roster in person.

Consent rules: text-message consent is double opt-in. Turning SMS reminders on,
or changing the phone while they are on, sets consent to "pending" so the new
number must answer YES before anything is texted to it. An opted-out number
stays opted out until its owner texts START.

Proof rules (docs/privacy.md): a new or changed contact is unproven until its
owner answers the ContactProof sent to it; nothing but that confirmation goes to
an unproven contact. Every lookup by contact is scoped to one organization.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from sessions.models import (
    Attendance,
    ContactProof,
    Enrollment,
    Member,
    Organization,
    SupportGroup,
    new_member_token,
)
from sessions.services.audit import ACTOR_MEMBER, audit_record
from sessions.services.enrollment import ON_ROSTER, REASON_ERASE, enrollment_add, enrollment_leave
from sessions.services.send_caps import send_caps_take
from sessions.validators import normalize_sms_phone

CONTACT_REQUIRED = "Keep a phone number or an email address so we can reach you, or erase your data instead."
PHONE_IN_USE = "This phone number is already on another member's record."
EMAIL_IN_USE = "This email address is already on another member's record."
SMS_NEEDS_PHONE = "Text reminders need a phone number."
EMAIL_NEEDS_ADDRESS = "Email reminders need an email address."
CONTACT_FOR_ROSTER = "Give a phone number or an email address."
MESSAGE_EMAIL_PROOF_SENT = "If your email address still needs confirming, we sent it a link. Open it and press Confirm."
ERASED_NAME = "Former member"

Consent = Member.SmsConsent
SELF_SERVICE_FIELDS = ("display_name", "phone", "email", "timezone", "sms_reminders", "email_reminders")


def proof_valid_for() -> dt.timedelta:
    """How long a confirmation (and a join request) stays valid."""
    return dt.timedelta(hours=settings.CONTACT_PROOF_VALID_HOURS)


def contact_proof_request(*, member: Member, channel: str, now: dt.datetime, join_request=None) -> ContactProof:
    """Record one confirmation for the member's current phone or email; the
    notifications planner sends it. Proves only that destination."""
    destination = member.phone if channel == ContactProof.Channel.SMS else member.email
    if not destination:
        raise ValueError(f"member {member.pk} has no {channel} contact to prove")
    return ContactProof.objects.create(
        member=member,
        channel=channel,
        destination=destination,
        join_request=join_request,
        requested_at=now,
        expires_at=now + proof_valid_for(),
    )


def _cancel_open_proofs(*, member: Member, channel: str, now: dt.datetime) -> None:
    ContactProof.objects.filter(
        member=member, channel=channel, proven_at__isnull=True, cancelled_at__isnull=True
    ).update(cancelled_at=now)


def member_detach_contact(*, member: Member, channel: str, now: dt.datetime) -> None:
    """Take an unproven phone ("phone"/"sms") or email off a record, with its pending
    confirmations. A record left with no contact and nothing proven is erased: it
    only ever held what someone typed."""
    field_name = "phone" if channel in ("phone", ContactProof.Channel.SMS) else "email"
    member = Member.objects.select_for_update().get(pk=member.pk)
    setattr(member, field_name, None)
    if field_name == "phone":
        member.phone_verified_at = None
        member.sms_reminders = False
        member.phone_undeliverable = False
        member.phone_error_code = ""
        if member.sms_consent == Consent.PENDING:
            member.sms_consent = Consent.NONE
        _cancel_open_proofs(member=member, channel=ContactProof.Channel.SMS, now=now)
    else:
        member.email_verified_at = None
        member.email_reminders = False
        member.email_consent = False
        _cancel_open_proofs(member=member, channel=ContactProof.Channel.EMAIL, now=now)
    if member.phone is None and member.email is None:
        member.erased_at = now
        member.token = new_member_token()
    member.save()


def member_for_self_service(*, token: str) -> Member | None:
    """The member this self-service token belongs to, if it may be used: unknown,
    erased and unproven members are all None (the token is not a credential until
    the owner proved a contact)."""
    if not token or "\x00" in token or len(token) > 64:
        return None
    member = Member.objects.filter(token=token, erased_at__isnull=True).first()
    return member if member is not None and member.is_proven else None


def default_region_for_member(member: Member) -> str:
    # A member typing a local number means their group's country.
    country = (
        Enrollment.objects.filter(member=member, group__venue__isnull=False)
        .order_by("-status_changed_at")
        .values_list("group__venue__country", flat=True)
        .first()
    )
    return country or "US"


def default_phone_region(group: SupportGroup) -> str:
    # Online groups have no venue country; most members are in the US.
    return group.venue.country if group.venue_id and group.venue.country else "US"


def normalize_contacts(*, phone: str | None, email: str | None, default_region: str) -> tuple[str | None, str | None]:
    """(E.164 phone, lower-cased email), None where not given; a bad phone is a 400 on "phone"."""
    phone_e164 = None
    if phone:
        try:
            phone_e164 = normalize_sms_phone(phone, default_region=default_region)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.error_list}) from None
    email = (email or "").strip().lower() or None
    return phone_e164, email


def typed_contacts(*, group: SupportGroup, phone: str | None, email: str | None) -> tuple[str | None, str | None]:
    """The phone and email typed for someone joining `group`, normalized; at least one
    is needed (a local number means the group's country)."""
    phone_e164, email = normalize_contacts(phone=phone, email=email, default_region=default_phone_region(group))
    if phone_e164 is None and email is None:
        raise ValidationError({"phone": CONTACT_FOR_ROSTER, "email": CONTACT_FOR_ROSTER}, code="contact_required")
    return phone_e164, email


def _save_member(member: Member, *, phone_changed: bool, email_changed: bool) -> None:
    member.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:
        errors = {}
        same_org = Member.objects.filter(organization_id=member.organization_id).exclude(pk=member.pk)
        if phone_changed and same_org.filter(phone=member.phone).exists():
            errors["phone"] = PHONE_IN_USE
        if email_changed and same_org.filter(email=member.email).exists():
            errors["email"] = EMAIL_IN_USE
        if not errors:
            raise
        raise ValidationError(errors) from None


EMAIL_CONSENT_FIELDS = ["email_reminders", "email_consent", "email_consent_at", "email_consent_source"]


def email_consent_grant(member: Member, *, source: str, now: dt.datetime) -> list[str]:
    """Record that the member agreed to email reminders: reminders on, consent given,
    when and how (self-service, in person, by the emailed link). Returns the fields
    written, for `save(update_fields=...)`; the caller saves."""
    member.email_reminders = True
    member.email_consent = True
    member.email_consent_at = now
    member.email_consent_source = source
    return list(EMAIL_CONSENT_FIELDS)


def _email_consent_withdraw(member: Member, *, now: dt.datetime) -> list[str]:
    # The time of the "no" is kept, as the time of a "yes" is.
    member.email_reminders = False
    member.email_consent = False
    member.email_consent_at = now
    member.email_consent_source = ""
    return list(EMAIL_CONSENT_FIELDS)


def _request_sms_consent(member: Member, *, source: str, now: dt.datetime) -> None:
    # Confirmed stays confirmed (same number); opted-out stays opted out (STOP is honoured).
    if member.sms_consent == Consent.NONE:
        member.sms_consent = Consent.PENDING
        member.sms_consent_at = now
        member.sms_consent_source = source


def _apply_contact_changes(member: Member, fields: dict) -> tuple[bool, bool]:
    """Set the typed phone and email; (phone changed, email changed). A member keeps at
    least one way to be reached."""
    phone_changed = email_changed = False
    if "phone" in fields:
        phone, _ = normalize_contacts(
            phone=fields["phone"], email=None, default_region=default_region_for_member(member)
        )
        phone_changed = phone != member.phone
        member.phone = phone
    if "email" in fields:
        _, email = normalize_contacts(phone=None, email=fields["email"], default_region="US")
        email_changed = email != member.email
        member.email = email
    if member.phone is None and member.email is None:
        raise ValidationError({"phone": CONTACT_REQUIRED, "email": CONTACT_REQUIRED}, code="contact_required")
    return phone_changed, email_changed


def _apply_name_and_zone(member: Member, fields: dict) -> None:
    if "display_name" in fields:
        member.display_name = fields["display_name"].strip()
    if "timezone" in fields:
        member.timezone = fields["timezone"]


def _forget_old_number(member: Member, *, now: dt.datetime) -> None:
    # Status and proof of the old number say nothing about the new one.
    member.phone_undeliverable = False
    member.phone_error_code = ""
    member.phone_verified_at = None
    if member.phone is None:
        member.sms_reminders = False
        member.sms_consent, member.sms_consent_at, member.sms_consent_source = Consent.NONE, now, ""
    else:
        member.sms_consent = Consent.NONE


def _apply_sms_choice(member: Member, fields: dict, *, phone_changed: bool, now: dt.datetime) -> bool:
    """Text reminders as asked (kept as they were unless the number went). Turning them on,
    or a new number while they are on, asks for consent again; True when that is a new
    "reply YES" request."""
    sms_wanted = fields.get("sms_reminders", member.sms_reminders and member.phone is not None)
    if sms_wanted and member.phone is None:
        raise ValidationError({"sms_reminders": SMS_NEEDS_PHONE}, code="sms_needs_phone")
    if phone_changed:
        _forget_old_number(member, now=now)
    member.sms_reminders = bool(sms_wanted)
    if member.sms_reminders and (phone_changed or "sms_reminders" in fields):
        sms_asked = member.sms_consent == Consent.NONE
        _request_sms_consent(member, source=Member.ConsentSource.SELF_SERVICE, now=now)
        return sms_asked
    if phone_changed and member.phone is not None:
        member.sms_consent_at, member.sms_consent_source = now, ""
    return False


def _apply_email_choice(member: Member, fields: dict, *, email_changed: bool, now: dt.datetime) -> None:
    """Email reminders as asked. A new address gets its consent recorded afresh: the
    choice carries over, the record says it was given for this address, now."""
    email_wanted = fields.get("email_reminders", member.email_reminders and member.email is not None)
    if email_wanted and member.email is None:
        raise ValidationError({"email_reminders": EMAIL_NEEDS_ADDRESS}, code="email_needs_address")
    if "email_reminders" in fields or email_changed:
        if email_wanted:
            email_consent_grant(member, source=Member.ConsentSource.SELF_SERVICE, now=now)
        else:
            _email_consent_withdraw(member, now=now)
    if email_changed:
        # A new address receives nothing but its confirmation until its owner confirms it.
        member.email_verified_at = None


def _destinations_to_message(member: Member, *, email_changed: bool, now: dt.datetime) -> list[str]:
    # A new "Reply YES" request (set to pending just now), or a new email address, sends a message.
    send_to = [member.phone] if member.sms_consent == Consent.PENDING and member.sms_consent_at == now else []
    send_to += [member.email] if email_changed and member.email else []
    return send_to


def _renew_proofs(
    member: Member, *, phone_changed: bool, email_changed: bool, sms_asked: bool, now: dt.datetime
) -> None:
    """Confirmations of an old contact stop working; a new contact, or a new "reply YES"
    request, gets its own."""
    if phone_changed:
        _cancel_open_proofs(member=member, channel=ContactProof.Channel.SMS, now=now)
    if member.phone is not None and member.sms_consent == Consent.PENDING and (phone_changed or sms_asked):
        # The "reply YES" text; the YES proves the number too.
        contact_proof_request(member=member, channel=ContactProof.Channel.SMS, now=now)
    if email_changed:
        _cancel_open_proofs(member=member, channel=ContactProof.Channel.EMAIL, now=now)
        if member.email is not None:
            contact_proof_request(member=member, channel=ContactProof.Channel.EMAIL, now=now)


@transaction.atomic
def member_update(*, member: Member, client: str | None = None, now: dt.datetime | None = None, **fields) -> Member:
    """Self-service changes to name, contacts, time zone and reminder channels.

    A change that makes Lantern message a new contact counts against the send caps
    (SendCapReached: nothing is saved); `client` is the caller's client address."""
    now = now or timezone.now()
    member = Member.objects.select_for_update().get(pk=member.pk)
    fields = {k: v for k, v in fields.items() if k in SELF_SERVICE_FIELDS}
    phone_changed, email_changed = _apply_contact_changes(member, fields)
    _apply_name_and_zone(member, fields)
    sms_asked = _apply_sms_choice(member, fields, phone_changed=phone_changed, now=now)
    _apply_email_choice(member, fields, email_changed=email_changed, now=now)
    send_to = _destinations_to_message(member, email_changed=email_changed, now=now)
    if send_to:
        send_caps_take(destinations=send_to, member_id=member.pk, client=client, now=now)
    _save_member(member, phone_changed=phone_changed, email_changed=email_changed)
    _renew_proofs(member, phone_changed=phone_changed, email_changed=email_changed, sms_asked=sms_asked, now=now)
    audit_record(action="member.update", actor_label=ACTOR_MEMBER, target=member, details={"fields": sorted(fields)})
    return member


@transaction.atomic
def member_request_email_proof(*, member: Member, now: dt.datetime | None = None) -> ContactProof | None:
    """From the member's own page: send the address on file a confirmation link, unless
    it is confirmed already or one is still open. Returns the new proof, if any."""
    now = now or timezone.now()
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.email is None or member.email_verified_at is not None:
        return None
    open_proofs = ContactProof.objects.filter(
        member=member,
        channel=ContactProof.Channel.EMAIL,
        destination=member.email,
        proven_at__isnull=True,
        cancelled_at__isnull=True,
        expires_at__gt=now,
    )
    if open_proofs.exists():
        return None
    return contact_proof_request(member=member, channel=ContactProof.Channel.EMAIL, now=now)


@transaction.atomic
def member_rotate_token(*, member: Member) -> Member:
    """A new secret link; the old one stops working at once."""
    member.token = new_member_token()
    member.save(update_fields=["token"])
    audit_record(action="member.rotate_token", actor_label=ACTOR_MEMBER, target=member)
    return member


@transaction.atomic
def member_erase(*, member: Member, now: dt.datetime | None = None) -> Member:
    """Erase a member's personal data. Their enrollments end ("left", reason "erase"),
    facilitators' notes about them go, attendance rows stay but point at "Former member"."""
    now = now or timezone.now()
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.erased_at is not None:
        return member
    for enrollment in Enrollment.objects.filter(member=member, status__in=ON_ROSTER).order_by("pk"):
        enrollment_leave(enrollment=enrollment, reason=REASON_ERASE, now=now)
    Enrollment.objects.filter(member=member).update(notes="", join_note="")
    attendance_rows = Attendance.objects.filter(enrollment__member=member).count()
    member.display_name = ERASED_NAME
    member.phone = None
    member.email = None
    member.sms_reminders = False
    member.email_reminders = False
    member.sms_consent = Consent.NONE
    member.sms_consent_at = None
    member.sms_consent_source = ""
    member.email_consent = False
    member.email_consent_at = None
    member.email_consent_source = ""
    member.phone_undeliverable = False
    member.phone_error_code = ""
    member.phone_verified_at = None
    member.email_verified_at = None
    member.token = new_member_token()
    member.erased_at = now
    member.save()
    ContactProof.objects.filter(member=member, proven_at__isnull=True, cancelled_at__isnull=True).update(
        cancelled_at=now
    )
    audit_record(
        action="member.erase",
        actor_label=ACTOR_MEMBER,
        target=member,
        details={"attendance_rows_kept": attendance_rows},
    )
    return member


@dataclass
class RosterAddResult:
    enrollment: Enrollment
    member: Member
    created: bool
    member_created: bool


def member_find_for_update(*, organization: Organization, phone: str | None, email: str | None) -> Member | None:
    """The member of `organization` holding this phone or email, row-locked, for
    in-person adds. Other organizations' records are never looked at.

    The phone wins when phone and email belong to two people: texts go to phones.
    """
    members = Member.objects.select_for_update().filter(organization=organization, erased_at__isnull=True)
    if phone:
        member = members.filter(phone=phone).first()
        if member:
            return member
    if email:
        return members.filter(email__iexact=email).first()
    return None


def _new_in_person_member(*, group: SupportGroup, display_name: str, phone: str | None, email: str | None) -> Member:
    member = Member(
        organization_id=group.organization_id,
        display_name=display_name.strip(),
        phone=phone,
        email=email,
        timezone=group.local_zone.key,
    )
    _save_member(member, phone_changed=True, email_changed=True)
    return member


def _record_in_person_consents(
    member: Member, *, sms_reminders: bool, email_reminders: bool, now: dt.datetime
) -> list[str]:
    """Consent agreed in person, only where none is on file: texts still wait for the
    number's YES, email reminders start at once. Returns the fields written."""
    update_fields: list[str] = []
    if sms_reminders and member.phone and member.sms_consent == Consent.NONE:
        member.sms_reminders = True
        _request_sms_consent(member, source=Member.ConsentSource.IN_PERSON, now=now)
        update_fields += ["sms_reminders", "sms_consent", "sms_consent_at", "sms_consent_source"]
    if email_reminders and member.email and not member.email_consent:
        update_fields += email_consent_grant(member, source=Member.ConsentSource.IN_PERSON, now=now)
    return update_fields


def _in_person_destinations(member: Member, update_fields: list[str]) -> list[str]:
    send_to = [member.phone] if "sms_consent" in update_fields else []
    send_to += [member.email] if "email_consent" in update_fields else []
    return send_to


@transaction.atomic
def roster_add_in_person(
    *,
    group: SupportGroup,
    actor,
    display_name: str,
    phone: str | None = None,
    email: str | None = None,
    sms_reminders: bool = False,
    email_reminders: bool = False,
    notes: str = "",
    now: dt.datetime | None = None,
) -> RosterAddResult:
    """A facilitator adds someone who agreed in person.

    The facilitator vouches that the person is there, so they are enrolled; but
    their contacts are not proven by being typed. Consent is recorded with source
    "in_person"; a new record's phone gets a "reply YES" text (if text reminders
    were agreed) and its email a confirmation link, and nothing else reaches them
    before they confirm. A member of this organization already on file keeps their
    name, contacts and choices (a typed number is not proof of identity); only
    missing consent is requested. A member of another organization is never found:
    the person gets a new record here and proves their contact again.
    """
    now = now or timezone.now()
    phone_e164, email = typed_contacts(group=group, phone=phone, email=email)
    member = member_find_for_update(organization=group.organization, phone=phone_e164, email=email)
    member_created = member is None
    if member_created:
        member = _new_in_person_member(group=group, display_name=display_name, phone=phone_e164, email=email)
    update_fields = _record_in_person_consents(
        member, sms_reminders=sms_reminders, email_reminders=email_reminders, now=now
    )
    if update_fields:
        # Counted per staff account, not per address: an office's sign-up evening must not lock out its public form.
        send_caps_take(
            destinations=_in_person_destinations(member, update_fields),
            member_id=member.pk,
            staff_user_id=getattr(actor, "pk", None),
            now=now,
        )
        member.save(update_fields=update_fields)
    if "sms_consent" in update_fields and member.phone_verified_at is None:
        contact_proof_request(member=member, channel=ContactProof.Channel.SMS, now=now)
    if member_created and member.email is not None:
        contact_proof_request(member=member, channel=ContactProof.Channel.EMAIL, now=now)
    enrollment, created = enrollment_add(group=group, member=member, actor=actor, notes=notes, now=now)
    return RosterAddResult(enrollment=enrollment, member=member, created=created, member_created=member_created)


LANGUAGE_UNKNOWN = gettext_noop("Choose one of the languages Lantern speaks.")


@transaction.atomic
def member_set_language(*, member: Member, language: str) -> Member:
    """The language of the member's pages, texts and emails (one of settings.LANGUAGES)."""
    if language not in {code for code, _ in settings.LANGUAGES}:
        raise ValidationError({"language": LANGUAGE_UNKNOWN}, code="language_unknown")
    if member.language != language:
        Member.objects.filter(pk=member.pk).update(language=language)
        member.language = language
        audit_record(action="member.update", actor_label=ACTOR_MEMBER, target=member, details={"fields": ["language"]})
    return member
