"""Changes to a member's texting status, from keywords or provider reports.

When a number stops (or cannot) receive texts, every text still scheduled for
it is skipped at once, in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from notifications.models import Channel, OutboxMessage, Status
from sessions.models import Member


def _skip_scheduled_sms(*, member: Member, reason: str, now: dt.datetime) -> int:
    return OutboxMessage.objects.filter(member=member, channel=Channel.SMS, status=Status.SCHEDULED).update(
        status=Status.SKIPPED, error_code=reason, updated_at=now
    )


@transaction.atomic
def member_opt_out(*, member: Member, source: str, now: dt.datetime) -> bool:
    """STOP (or the provider's opted-out code, `provider_errors`). Returns True if the consent changed."""
    changed = (
        Member.objects.filter(pk=member.pk)
        .exclude(sms_consent=Member.SmsConsent.OPTED_OUT)
        .update(sms_consent=Member.SmsConsent.OPTED_OUT, sms_consent_at=now, sms_consent_source=source)
    )
    _skip_scheduled_sms(member=member, reason="opted_out", now=now)
    member.refresh_from_db(fields=["sms_consent", "sms_consent_at", "sms_consent_source"])
    return bool(changed)


@transaction.atomic
def number_opt_out(*, phone: str, source: str, now: dt.datetime) -> int:
    """STOP from a number (or the provider's opted-out code for it) opts that number out in every
    organization: the carriers block the shared sending number for the handset as a
    whole, so one organization's STOP stops everyone's texts. Returns how many records
    changed."""
    changed = 0
    for member in Member.objects.filter(phone=phone, erased_at__isnull=True).order_by("pk"):
        changed += member_opt_out(member=member, source=source, now=now)
    return changed


@transaction.atomic
def member_opt_in(*, member: Member, source: str, now: dt.datetime) -> str:
    """START / UNSTOP / YES: texts allowed again (YES also confirms a pending consent).
    Returns the previous consent."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    previous = member.sms_consent
    if previous != Member.SmsConsent.CONFIRMED:
        member.sms_consent = Member.SmsConsent.CONFIRMED
        member.sms_consent_at = now
        member.sms_consent_source = source
        fields = ["sms_consent", "sms_consent_at", "sms_consent_source"]
        if previous == Member.SmsConsent.PENDING:
            # They asked for text reminders on the join form; YES turns them on.
            member.sms_reminders = True
            fields.append("sms_reminders")
        member.save(update_fields=fields)
    return previous


@transaction.atomic
def member_mark_undeliverable(*, member: Member, code: str, now: dt.datetime) -> None:
    """A provider code saying the number cannot get texts (`provider_errors.UNDELIVERABLE_CODES`):
    facilitators see it on the roster."""
    Member.objects.filter(pk=member.pk).update(phone_undeliverable=True, phone_error_code=code)
    _skip_scheduled_sms(member=member, reason=f"undeliverable_{code}", now=now)
