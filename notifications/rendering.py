"""What each outbox row says: one renderer per (channel, kind).

A renderer is registered for the kinds and channel it writes; `render` looks it up.
An SMS renderer also names the templates it may use, so the list of SMS templates
that tests hold to GSM-7, two segments and a Spanish translation (`SMS_TEMPLATES`)
is derived from what is actually sent, plus the replies to inbound texts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation

from notifications import calendar as ical
from notifications import texts
from notifications.models import Channel, Kind, OutboxMessage
from notifications.send_rules import proof_for_row
from notifications.transports import OutgoingMessage
from sessions.models import Member, Session
from sessions.selectors.schedule import scheduled_from

# Twilio accepts a ValidityPeriod of 1..36000 s; a reminder must not arrive after the session starts.
VALIDITY_MAX = 36000


@dataclass(frozen=True)
class SmsRenderer:
    text: Callable[[OutboxMessage, dt.datetime], str]
    templates: dict[str, str]


@dataclass(frozen=True)
class EmailRenderer:
    # The email's words and its calendar part, if any.
    content: Callable[[OutboxMessage, dt.datetime], tuple[texts.EmailContent, str | None]]


RENDERERS: dict[tuple[str, str], SmsRenderer | EmailRenderer] = {}


def sms_renderer(*kinds: str, templates: dict[str, str]):
    def register(text):
        for kind in kinds:
            RENDERERS[(Channel.SMS, kind)] = SmsRenderer(text=text, templates=templates)
        return text

    return register


def email_renderer(*kinds: str):
    def register(content):
        for kind in kinds:
            RENDERERS[(Channel.EMAIL, kind)] = EmailRenderer(content=content)
        return content

    return register


def render(row: OutboxMessage, *, now: dt.datetime) -> OutgoingMessage:
    """The one place a message is written for sending: in the member's language."""
    renderer = RENDERERS.get((row.channel, row.kind))
    if renderer is None:
        raise ValueError(f"no {row.channel} template for {row.kind}")
    with translation.override(texts.language_of(row.member)):
        if isinstance(renderer, SmsRenderer):
            return _sms_message(row, renderer.text(row, now), now=now)
        content, calendar = renderer.content(row, now)
    return OutgoingMessage(to=row.member.email, subject=content.subject, body=content.body, calendar=calendar)


def _sms_message(row: OutboxMessage, text: str, *, now: dt.datetime) -> OutgoingMessage:
    member = row.member
    texted_before = getattr(row, "number_texted_before", None)
    if texted_before is None:
        texted_before = not is_first_text(member=member, phone=member.phone)
    validity = None
    if row.session is not None:
        validity = min(VALIDITY_MAX, int((row.session.starts_at - now).total_seconds()))
    return OutgoingMessage(
        to=member.phone,
        body=texts.sms(text, first_to_number=not texted_before),
        status_callback=status_callback_url(row),
        validity_period=validity,
    )


def is_first_text(*, member: Member, phone: str) -> bool:
    return not OutboxMessage.objects.filter(
        member=member, channel=Channel.SMS, to=phone, send_started_at__isnull=False
    ).exists()


def status_callback_url(row: OutboxMessage) -> str:
    # Names the row and the attempt, so a callback that beats our own "sent" write still finds it.
    return f"{settings.PUBLIC_BASE_URL}/webhooks/twilio/status/?outbox={row.pk}&attempt={row.attempts + 1}"


def next_session(row: OutboxMessage, *, now: dt.datetime) -> Session | None:
    return scheduled_from(now=now).filter(group_id=row.group_id).first()


def first_cancelled(row: OutboxMessage, *, now: dt.datetime) -> Session | None:
    """For a series-ended notice: the next meeting of the series that will not happen."""
    return (
        Session.objects.filter(series_id=row.series_id, status=Session.Status.CANCELLED, starts_at__gt=now)
        .order_by("starts_at", "id")
        .first()
    )


def _others_continue(row: OutboxMessage, *, now: dt.datetime) -> bool:
    return (
        Session.objects.filter(group_id=row.group_id, status=Session.Status.SCHEDULED, starts_at__gt=now)
        .exclude(series_id=row.series_id)
        .exists()
    )


# --- Texts ---------------------------------------------------------------------------


@sms_renderer(Kind.REMINDER, templates={"reminder": texts.SMS_REMINDER})
def _sms_reminder(row, now):
    return texts.sms_reminder(session=row.session, member=row.member)


@sms_renderer(Kind.SESSION_CANCELLED, templates={"session_cancelled": texts.SMS_SESSION_CANCELLED})
def _sms_session_cancelled(row, now):
    return texts.sms_session_cancelled(session=row.session, member=row.member)


@sms_renderer(
    Kind.SESSION_CHANGED,
    templates={
        "session_moved": texts.SMS_SESSION_MOVED,
        "session_new_place": texts.SMS_SESSION_NEW_PLACE,
        "session_restored": texts.SMS_SESSION_RESTORED,
    },
)
def _sms_session_changed(row, now):
    return texts.sms_session_changed(session=row.session, member=row.member, change=row.detail or "moved")


@sms_renderer(Kind.SERIES_CHANGED, templates={"series_changed": texts.SMS_SERIES_CHANGED})
def _sms_series_changed(row, now):
    # The row is attached to the series' next meeting, which the text names.
    return texts.sms_session_changed(session=row.session, member=row.member, change="series_changed")


@sms_renderer(
    Kind.SERIES_ENDED,
    templates={
        "series_ended": texts.SMS_SERIES_ENDED,
        "series_ended_others_continue": texts.SMS_SERIES_ENDED_OTHERS_CONTINUE,
    },
)
def _sms_series_ended(row, now):
    return texts.sms_series_ended(
        group=row.group,
        member=row.member,
        first_cancelled=first_cancelled(row, now=now),
        others_continue=_others_continue(row, now=now),
    )


@sms_renderer(Kind.SEAT_OFFERED, templates={"seat_offered": texts.SMS_SEAT_OFFERED})
def _sms_seat_offered(row, now):
    return texts.sms_seat_offered(group=row.group, member=row.member, next_session=next_session(row, now=now))


@sms_renderer(Kind.JOIN_APPROVED, templates={"join_approved": texts.SMS_JOIN_APPROVED})
def _sms_join_approved(row, now):
    return texts.sms_join_approved(group=row.group, member=row.member, next_session=next_session(row, now=now))


@sms_renderer(
    Kind.SMS_CONFIRM, templates={"sms_confirm": texts.SMS_CONFIRM, "sms_confirm_join": texts.SMS_CONFIRM_JOIN}
)
def _sms_confirm(row, now):
    proof = proof_for_row(row)
    return texts.sms_confirm(group=row.group, join=bool(proof and proof.join_request_id))


@sms_renderer(Kind.BROADCAST, templates={"broadcast": texts.SMS_BROADCAST})
def _sms_broadcast(row, now):
    return texts.sms_broadcast(group=row.group, text=row.broadcast.body)


# --- Emails --------------------------------------------------------------------------


@email_renderer(Kind.REMINDER)
def _email_reminder(row, now):
    content = texts.email_reminder(session=row.session, member=row.member)
    return content, ical.session_invite(enrollment=row.enrollment, session=row.session, method="REQUEST", now=now)


@email_renderer(Kind.SESSION_CANCELLED)
def _email_session_cancelled(row, now):
    content = texts.email_session_cancelled(session=row.session, member=row.member)
    return content, ical.session_invite(enrollment=row.enrollment, session=row.session, method="CANCEL", now=now)


@email_renderer(Kind.SESSION_CHANGED)
def _email_session_changed(row, now):
    content = texts.email_session_changed(session=row.session, member=row.member, change=row.detail or "moved")
    return content, ical.session_invite(enrollment=row.enrollment, session=row.session, method="REQUEST", now=now)


@email_renderer(Kind.SEAT_OFFERED, Kind.JOIN_APPROVED)
def _email_enrollment_notice(row, now):
    content = texts.email_enrollment_notice(
        group=row.group, member=row.member, next_session=next_session(row, now=now), kind=row.kind
    )
    return content, None


# A changed series is told by email as a new invite of the series: the same UID with a
# higher SEQUENCE, which calendars apply as an update.
@email_renderer(Kind.SERIES_INVITE, Kind.SERIES_CHANGED, Kind.SERIES_CANCEL)
def _email_series_invite(row, now):
    cancel = row.kind == Kind.SERIES_CANCEL
    content = texts.email_series_invite(group=row.group, member=row.member, cancel=cancel)
    method = "CANCEL" if cancel else "REQUEST"
    return content, ical.series_invite(enrollment=row.enrollment, series=row.series, method=method, now=now)


@email_renderer(Kind.SERIES_ENDED)
def _email_series_ended(row, now):
    content = texts.email_series_ended(
        group=row.group,
        member=row.member,
        first_cancelled=first_cancelled(row, now=now),
        others_continue=_others_continue(row, now=now),
    )
    return content, ical.series_invite(enrollment=row.enrollment, series=row.series, method="CANCEL", now=now)


@email_renderer(Kind.EMAIL_CONFIRM)
def _email_confirm(row, now):
    proof = proof_for_row(row)
    content = texts.email_contact_confirmation(group=row.group, secret=proof.secret, expires_at=proof.expires_at)
    return content, None


@email_renderer(Kind.BROADCAST)
def _email_broadcast(row, now):
    return texts.email_broadcast(group=row.group, member=row.member, text=row.broadcast.body), None


def sms_templates() -> dict[str, str]:
    """Every SMS template Lantern sends: the outbox renderers' and the replies to inbound texts."""
    found = dict(texts.SMS_REPLY_TEMPLATES)
    for renderer in RENDERERS.values():
        if isinstance(renderer, SmsRenderer):
            found.update(renderer.templates)
    return found


SMS_TEMPLATES = sms_templates()
