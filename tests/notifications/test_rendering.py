"""Every (channel, kind) the planner or a broadcast writes has a renderer, and renders."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.broadcasts import broadcast_send
from notifications.models import Channel, Kind, OutboxMessage
from notifications.planner import plan_notifications
from notifications.rendering import RENDERERS, SMS_TEMPLATES, SmsRenderer, render
from notifications.texts import SMS_REPLY_TEMPLATES
from sessions.models import ContactProof, Enrollment, EnrollmentEvent, Session
from sessions.services.schedule import series_create, series_end, series_update, session_change
from tests.factories import EnrollmentFactory, MemberFactory, SessionFactory, SupportGroupFactory
from tests.notifications.helpers import texting_member

pytestmark = pytest.mark.django_db

EVERY_MESSAGE = {
    *((channel, kind) for channel in Channel.values for kind in (Kind.REMINDER, Kind.BROADCAST)),
    *((channel, kind) for channel in Channel.values for kind in (Kind.SESSION_CANCELLED, Kind.SESSION_CHANGED)),
    *((channel, kind) for channel in Channel.values for kind in (Kind.SERIES_CHANGED, Kind.SERIES_ENDED)),
    *((channel, kind) for channel in Channel.values for kind in (Kind.SEAT_OFFERED, Kind.JOIN_APPROVED)),
    (Channel.EMAIL, Kind.SERIES_INVITE),
    (Channel.EMAIL, Kind.SERIES_CANCEL),
    (Channel.SMS, Kind.SMS_CONFIRM),
    (Channel.EMAIL, Kind.EMAIL_CONFIRM),
}


def _weekly(group, now, hour: int):
    first_day = now.date() + dt.timedelta(days=3)
    return series_create(
        group=group,
        rrule=f"FREQ=WEEKLY;BYDAY={first_day.strftime('%a')[:2].upper()}",
        dtstart=dt.datetime.combine(first_day, dt.time(hour, 0)),
        timezone="America/Chicago",
        duration_minutes=60,
        now=now,
    )


def _everything_at_once(now) -> None:
    """A group where every kind of message is due: reminders, session and series notices,
    enrollment news, a leaver's calendar cancellation, confirmations and a broadcast."""
    group = SupportGroupFactory()
    member = texting_member(email="both@example.org", email_consent=True, email_reminders=True)
    enrollment = EnrollmentFactory(member=member, group=group)
    SessionFactory(series__group=group, starts_at=now + dt.timedelta(hours=20))
    edited, ended = _weekly(group, now, 18), _weekly(group, now, 12)
    for from_status, reason in (("requested", "approve"), ("waitlisted", "promote")):
        EnrollmentEvent.objects.create(
            enrollment=enrollment, from_status=from_status, to_status="active", reason=reason
        )
    leaver = texting_member(email="leaver@example.org", email_consent=True)
    gone = EnrollmentFactory(member=leaver, group=group, status=Enrollment.Status.LEFT)
    EnrollmentEvent.objects.create(enrollment=gone, from_status="active", to_status="left", reason="leave")
    plan_notifications(now=now)  # the join invites, before the schedule changes

    series_update(series=edited, dtstart=edited.dtstart.replace(tzinfo=None, hour=19), now=now)
    series_end(series=ended, now=now)
    moved, cancelled = Session.objects.filter(series=edited, starts_at__gt=now).order_by("starts_at")[:2]
    session_change(session=moved, starts_at=moved.starts_at + dt.timedelta(hours=1), now=now)
    session_change(session=cancelled, status=Session.Status.CANCELLED, note="Holiday", now=now)

    newcomer = MemberFactory(email="new@example.org", phone_verified_at=None, email_verified_at=None)
    for channel, destination in ((Channel.SMS, newcomer.phone), (Channel.EMAIL, newcomer.email)):
        ContactProof.objects.create(
            member=newcomer,
            channel=channel,
            destination=destination,
            requested_at=now - dt.timedelta(minutes=1),
            expires_at=now + dt.timedelta(days=2),
        )
    broadcast_send(group=group, author=None, body="Coffee after the meeting.", now=now)


def test_every_message_the_planner_writes_has_a_renderer_and_renders(now):
    _everything_at_once(now)
    plan_notifications(now=now)
    rows = OutboxMessage.objects.select_related("member", "session", "group", "enrollment", "series")
    assert {(row.channel, row.kind) for row in rows} == EVERY_MESSAGE
    assert set(RENDERERS) == EVERY_MESSAGE
    for row in rows:
        message = render(row, now=now)
        assert message.body and message.to, (row.channel, row.kind)


def test_the_sms_templates_are_the_renderers_and_the_replies():
    from_renderers = {
        name for renderer in RENDERERS.values() if isinstance(renderer, SmsRenderer) for name in renderer.templates
    }
    assert set(SMS_TEMPLATES) == from_renderers | set(SMS_REPLY_TEMPLATES)
    assert {"reminder", "session_moved", "series_changed", "series_ended", "sms_confirm_join", "broadcast"} <= set(
        SMS_TEMPLATES
    )
