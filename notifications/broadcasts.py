"""Facilitator broadcasts: one message to a group's active members, by their channels."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone as dj_timezone

from notifications import gsm, texts
from notifications.models import Broadcast, Channel, Kind, OutboxMessage
from notifications.quiet import sms_send_time
from notifications.send_rules import notice_channels
from sessions.models import Enrollment, SupportGroup
from sessions.services.audit import audit_record

BROADCAST_EMPTY = "Write a message to send."
BROADCAST_TOO_LONG = "The message is too long to fit in two text messages: at most {limit} characters."
BROADCAST_NOT_GSM = "The message has characters a text message cannot carry (e.g. emoji): {chars}"


def broadcast_check(body: str) -> str:
    """The message as it will be stored, or the ValidationError a send would raise."""
    return _clean_body(body)


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": [BROADCAST_EMPTY]})
    lost = sorted({char for char in body if char != "?" and "?" in gsm.normalize(char)})
    if lost:
        raise ValidationError({"body": [BROADCAST_NOT_GSM.format(chars=" ".join(lost))]})
    normalized = gsm.normalize(body)
    if gsm.septets(normalized) > texts.BROADCAST_MAX_SEPTETS:
        raise ValidationError({"body": [BROADCAST_TOO_LONG.format(limit=texts.BROADCAST_MAX_SEPTETS)]})
    return body


def _recipients(group: SupportGroup, enrollment_ids: list[int] | None = None):
    enrollments = Enrollment.objects.filter(group=group, status=Enrollment.Status.ACTIVE).select_related("member")
    if enrollment_ids is not None:
        enrollments = enrollments.filter(pk__in=enrollment_ids)
    return enrollments


def broadcast_text(*, group: SupportGroup, body: str) -> dict:
    """The text exactly as a phone shows it (label first, so a lock screen shows nothing
    about the group's topic), with its GSM-7 characters and SMS segments."""
    text = texts.sms(texts.sms_broadcast(group=group, text=body or ""))
    return {"text": text, "characters": gsm.septets(text), "segments": gsm.segments(text)}


@dataclass(frozen=True)
class BroadcastPreview:
    text: str
    characters: int
    segments: int
    sms: int  # members who will get a text
    email: int  # members who will get an email


def broadcast_preview(*, group: SupportGroup, body: str) -> BroadcastPreview:
    """What broadcast_send would send, without sending: refuses what it refuses."""
    body = _clean_body(body)
    counts = {Channel.SMS: 0, Channel.EMAIL: 0}
    for enrollment in _recipients(group):
        for channel in notice_channels(enrollment.member):
            counts[channel] += 1
    return BroadcastPreview(
        **broadcast_text(group=group, body=body), sms=counts[Channel.SMS], email=counts[Channel.EMAIL]
    )


@transaction.atomic
def broadcast_send(
    *,
    group: SupportGroup,
    author,
    body: str,
    now: dt.datetime | None = None,
    enrollment_ids: list[int] | None = None,
) -> Broadcast:
    """Record the broadcast and one outbox row per active member and channel (only the
    given enrollments' members when `enrollment_ids` is set: a check-in to one person).
    Texts respect quiet hours; the dispatcher sends them."""
    now = now or dj_timezone.now()
    body = _clean_body(body)
    broadcast = Broadcast.objects.create(group=group, author=author, body=body, created_at=now)
    rows = []
    members = set()
    for enrollment in _recipients(group, enrollment_ids):
        member = enrollment.member
        for channel in notice_channels(member):
            due = now
            if channel == Channel.SMS:
                due = sms_send_time(due=now, tz_name=member.timezone, session_starts_at=None)
            members.add(member.pk)
            rows.append(
                OutboxMessage(
                    member=member,
                    channel=channel,
                    kind=Kind.BROADCAST,
                    group=group,
                    enrollment=enrollment,
                    broadcast=broadcast,
                    dedupe_key=f"broadcast:b{broadcast.pk}",
                    due_at=due,
                    next_attempt_at=due,
                )
            )
    OutboxMessage.objects.bulk_create(rows)
    broadcast.recipients = len(members)
    broadcast.save(update_fields=["recipients"])
    broadcast.sms_count = sum(1 for r in rows if r.channel == Channel.SMS)
    broadcast.email_count = sum(1 for r in rows if r.channel == Channel.EMAIL)
    # Every message a facilitator sends to members is in the owning organization's log.
    audit_record(
        action="broadcast.send",
        actor=author,
        group=group,
        target=broadcast,
        details={"recipients": broadcast.recipients, "sms": broadcast.sms_count, "email": broadcast.email_count},
    )
    return broadcast
