from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import timezone

from notifications.models import Channel, Kind, OutboxMessage, Status
from sessions.models import Member
from tests.factories import EnrollmentFactory, MemberFactory, SessionFactory, SupportGroupFactory


def texting_member(**kwargs) -> Member:
    defaults = {"sms_reminders": True, "sms_consent": Member.SmsConsent.CONFIRMED, "timezone": "America/Chicago"}
    return MemberFactory(**{**defaults, **kwargs})


def emailing_member(**kwargs) -> Member:
    defaults = {
        "phone": None,
        "email": kwargs.pop("email", None) or f"m{MemberFactory._meta.model.objects.count() + 1}@example.org",
        "email_reminders": True,
        "email_consent": True,
        "timezone": "America/Chicago",
    }
    return MemberFactory(**{**defaults, **kwargs})


def session_with_member(*, starts_at, member=None, group=None):
    session = SessionFactory(starts_at=starts_at, **({"series__group": group} if group else {}))
    member = member or texting_member()
    enrollment = EnrollmentFactory(member=member, group=session.group)
    return session, member, enrollment


def sent_row(member=None, **kwargs) -> OutboxMessage:
    """A "reply YES" text already handed to the provider; any field can be overridden."""
    member = member or texting_member()
    now = timezone.now()
    defaults = {
        "member": member,
        "channel": Channel.SMS,
        "kind": Kind.SMS_CONFIRM,
        "dedupe_key": "c",
        "status": Status.SENT,
        "provider_message_id": "SMabc",
        "due_at": now,
        "next_attempt_at": now,
        "send_started_at": now,
        "attempts": 1,
        "to": member.phone,
    }
    return OutboxMessage.objects.create(**{**defaults, **kwargs})


def weekly_online_series(now: dt.datetime):
    """A weekly series of an online group, created through the schedule service, its first
    meeting three days ahead at 19:00 Chicago time."""
    from sessions.services.schedule import series_create

    group = SupportGroupFactory(format="online", venue=None, conference_url="")
    first_day = now.astimezone(zoneinfo.ZoneInfo("America/Chicago")).date() + dt.timedelta(days=3)
    return series_create(
        group=group,
        rrule=f"FREQ=WEEKLY;BYDAY={first_day.strftime('%a')[:2].upper()}",
        dtstart=dt.datetime.combine(first_day, dt.time(19, 0)),
        timezone="America/Chicago",
        duration_minutes=90,
        now=now,
    )
