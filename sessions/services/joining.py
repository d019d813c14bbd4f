"""Joining a group from the public page: find or create the member, enrol, record consent.

A phone number is not a secret. Anyone may type anyone's number, so a join
never reveals or changes an existing member's data: their token stays out of
the response (their link goes to the contact on file, through notifications),
their name, contacts and time zone are left as they are, and an opted-out
number stays opted out (STOP is honoured; they re-subscribe by texting START).

Text-message consent is double opt-in: a join only sets it to "pending"; the
notifications app sends the "Reply YES" text by reading pending consent, and
nothing goes by SMS before the YES. Each such text counts against daily abuse
caps (per destination number, per client address, overall), taken atomically
in the same transaction as the join, so a refused join writes nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sessions.models import Enrollment, Member, RateCounter, SupportGroup
from sessions.services.members import member_find_for_update
from sessions.validators import normalize_phone

JOIN_CAP_NUMBER = (
    "This number has been sent several confirmation texts today. "
    "Please try again tomorrow, or join with an email address."
)
JOIN_CAP_CLIENT = "Too many sign-ups from this connection today. Please try again tomorrow."
JOIN_CAP_GLOBAL = (
    "We cannot send more confirmation texts today. Please try again tomorrow, or join with an email address."
)
MESSAGE_CONFIRM_SMS = "We will text you to confirm: reply YES to receive reminders by text."
MESSAGE_SMS_CONFIRMED = "Text reminders are on for this number."
MESSAGE_OPTED_OUT = (
    "This number opted out of our texts, so we will not text it. To receive text reminders again, text START to us."
)
MESSAGE_LINK_SENT = (
    "We already know this phone number or email address: your self-service link is sent there, not shown here."
)
MESSAGE_ALREADY_JOINED = "You had already joined this group; nothing changed."


class JoinLimitReached(Exception):
    """A confirmation-text cap would be passed; the join is refused and nothing is written."""

    def __init__(self, message: str, *, scope: str):
        super().__init__(message)
        self.message = message
        self.scope = scope


@dataclass
class JoinResult:
    enrollment: Enrollment
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


def join_caps() -> dict[str, int]:
    return {
        "number": getattr(settings, "JOIN_SMS_CAP_PER_NUMBER", 3),
        "client": getattr(settings, "JOIN_SMS_CAP_PER_CLIENT", 10),
        "global": getattr(settings, "JOIN_SMS_CAP_GLOBAL", 1000),
    }


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


def _take_confirmation_caps(*, phone: str, client: str, now: dt.datetime) -> None:
    caps = join_caps()
    day = now.astimezone(dt.UTC).date()
    checks = (
        (f"join-sms:number:{phone}", caps["number"], JOIN_CAP_NUMBER, "number"),
        (f"join-sms:client:{client}", caps["client"], JOIN_CAP_CLIENT, "client"),
        ("join-sms:global", caps["global"], JOIN_CAP_GLOBAL, "global"),
    )
    for scope, cap, message, name in checks:
        if not rate_counter_take(scope=scope, day=day, cap=cap):
            raise JoinLimitReached(message, scope=name)


def default_phone_region(group: SupportGroup) -> str:
    # Online groups have no venue country; most members are in the US.
    return group.venue.country if group.venue_id and group.venue.country else "US"


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
    phone_e164 = None
    if phone:
        try:
            phone_e164 = normalize_phone(phone, default_region=default_phone_region(group))
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    email = (email or "").strip().lower() or None

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

    # Imported here: the enrollment rules live in their own module, which imports this app's models.
    from sessions.services.enrollment import enrollment_join

    enrollment, created = enrollment_join(group=group, member=member, join_note=note, now=now)
    result = JoinResult(
        enrollment=enrollment,
        member=member,
        created=created,
        member_created=member_created,
        sms_consent=member.sms_consent,
    )
    if not created:
        # A repeat join: same enrollment back, no second confirmation text.
        result.messages.append(MESSAGE_ALREADY_JOINED)
        return result

    update_fields: list[str] = []
    # The texts go to the number on file, which may differ from the one typed.
    texts_to = member.phone
    if sms_reminders and texts_to:
        if member.sms_consent == Member.SmsConsent.OPTED_OUT:
            result.messages.append(MESSAGE_OPTED_OUT)
        elif member.sms_consent == Member.SmsConsent.CONFIRMED:
            # An existing member's choice to stop reminders is theirs, changed from their link only.
            if member.sms_reminders:
                result.messages.append(MESSAGE_SMS_CONFIRMED)
        else:
            if member.sms_consent == Member.SmsConsent.NONE:
                # This is what makes notifications send a "Reply YES" text.
                _take_confirmation_caps(phone=texts_to, client=client, now=now)
                member.sms_consent = Member.SmsConsent.PENDING
                member.sms_consent_at = now
                member.sms_consent_source = Member.ConsentSource.WEB_FORM
                member.sms_reminders = True
                update_fields += ["sms_consent", "sms_consent_at", "sms_consent_source", "sms_reminders"]
            result.messages.append(MESSAGE_CONFIRM_SMS)
    if email_reminders and member_created and member.email:
        member.email_reminders = True
        member.email_consent = True
        member.email_consent_at = now
        member.email_consent_source = Member.ConsentSource.WEB_FORM
        update_fields += ["email_reminders", "email_consent", "email_consent_at", "email_consent_source"]
    if update_fields:
        member.save(update_fields=update_fields)
    if not member_created:
        result.messages.append(MESSAGE_LINK_SENT)
    result.sms_consent = member.sms_consent
    return result
