"""Each send rule's filter (what the planner retires) and its per-row check (what the
send task refuses) agree, over a grid of member states × session states × kinds × channels."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from notifications.dispatch import _unwanted_reason
from notifications.models import Channel, Kind, OutboxMessage, Status
from notifications.planner import retire_unwanted
from notifications.send_rules import (
    EMAIL_NOTICE_Q,
    PROOF_KINDS,
    SEND_RULES,
    SERIES_CANCEL_Q,
    SMS_NOTICE_Q,
    email_notice_ok,
    proof_may_be_sent,
    proof_sendable_q,
    series_cancel_ok,
    sms_notice_ok,
)
from sessions.models import ContactProof, Enrollment, JoinRequest, Member, Session
from tests.factories import EnrollmentFactory, MemberFactory, SessionFactory, SessionSeriesFactory, SupportGroupFactory

pytestmark = pytest.mark.django_db

MEMBER_STATES = {
    "proven": {},
    "opted_out": {"sms_consent": Member.SmsConsent.OPTED_OUT},
    "unproven_phone": {"phone_verified_at": None},
    "unproven_email": {"email_verified_at": None},
    "no_email_consent": {"email_consent": False},
    "reminders_off": {"sms_reminders": False, "email_reminders": False},
    "undeliverable": {"phone_undeliverable": True},
    "blank_email": {"email": ""},
    "erased": {"erased_at": "now"},
    "left_group": {},
}
SESSION_STATES = ("none", "scheduled", "cancelled", "started", "moved")
PROOF_STATES = ("open", "proven", "expired", "cancelled", "request_cancelled", "other_destination", "missing")


def _members(group, now) -> dict[str, Member]:
    members = {}
    for n, (state, fields) in enumerate(MEMBER_STATES.items()):
        values = {
            "organization": group.organization,
            "display_name": state,
            "phone": f"+1217555{n:04d}",
            "email": f"{state}@example.org",
            "sms_consent": Member.SmsConsent.CONFIRMED,
            "email_consent": True,
            "sms_reminders": True,
            "email_reminders": True,
            "phone_verified_at": now - dt.timedelta(days=1),
            "email_verified_at": now - dt.timedelta(days=1),
        }
        values.update({k: (now - dt.timedelta(hours=1) if v == "now" else v) for k, v in fields.items()})
        members[state] = MemberFactory(**values)
        status = Enrollment.Status.LEFT if state == "left_group" else Enrollment.Status.ACTIVE
        EnrollmentFactory(member=members[state], group=group, status=status)
    return members


def _sessions(group, now) -> dict[str, tuple[Session | None, int]]:
    """Each session state with its own series (series notices are unique per series)."""
    at = {"scheduled": 3, "cancelled": 4, "started": -0.05, "moved": 5}
    sessions = {"none": (None, SessionSeriesFactory(group=group).pk)}
    for state, days in at.items():
        session = SessionFactory(series__group=group, starts_at=now + dt.timedelta(days=days))
        if state == "cancelled":
            session.status = Session.Status.CANCELLED
        if state == "moved":
            session.starts_at += dt.timedelta(hours=2)
            session.ends_at += dt.timedelta(hours=2)
            session.sequence, session.modified = 1, True
        session.save()
        sessions[state] = (session, session.series_id)
    return sessions


def _proof(member: Member, state: str, channel: str, group, now) -> ContactProof | None:
    if state == "missing":
        return None
    destination = member.phone if channel == Channel.SMS else member.email
    fields = {
        "member": member,
        "channel": channel,
        "destination": "+12175559999" if state == "other_destination" else (destination or ""),
        "requested_at": now - dt.timedelta(minutes=5),
        "expires_at": now + dt.timedelta(days=2) if state != "expired" else now - dt.timedelta(minutes=1),
        "proven_at": now - dt.timedelta(minutes=1) if state == "proven" else None,
        "cancelled_at": now - dt.timedelta(minutes=1) if state == "cancelled" else None,
    }
    if state == "request_cancelled":
        fields["join_request"] = JoinRequest.objects.create(
            group=group,
            member=member,
            display_name="X",
            phone=member.phone,
            requested_at=now - dt.timedelta(minutes=5),
            expires_at=now + dt.timedelta(days=2),
            cancelled_at=now - dt.timedelta(minutes=1),
        )
    return ContactProof.objects.create(**fields)


def _grid(now) -> list[int]:
    group = SupportGroupFactory()
    members = _members(group, now)
    sessions = _sessions(group, now)
    enrollments = {e.member_id: e.pk for e in Enrollment.objects.filter(group=group)}
    other_kinds = [kind for kind in Kind.values if kind not in PROOF_KINDS]
    rows = []
    for member, channel in itertools.product(members.values(), Channel.values):
        common = {"member": member, "channel": channel, "group": group, "due_at": now, "next_attempt_at": now}
        for kind, (state, (session, series_id)) in itertools.product(other_kinds, sessions.items()):
            rows.append(
                OutboxMessage(
                    kind=kind,
                    session=session,
                    series_id=series_id,
                    enrollment_id=enrollments[member.pk],
                    dedupe_key=f"{kind}:{state}",
                    **common,
                )
            )
        for kind, state in itertools.product(PROOF_KINDS, PROOF_STATES):
            proof = _proof(member, state, channel, group, now)
            rows.append(OutboxMessage(kind=kind, contact_proof=proof, dedupe_key=f"{kind}:{state}", **common))
    return [row.pk for row in OutboxMessage.objects.bulk_create(rows)]


def _loaded():
    return list(
        OutboxMessage.objects.select_related("member", "session", "enrollment", "contact_proof__join_request").order_by(
            "pk"
        )
    )


def test_each_rules_filter_and_check_pick_the_same_rows(now):
    _grid(now)
    rows = _loaded()
    for rule in SEND_RULES:
        by_query = set(OutboxMessage.objects.filter(rule.q(now)).values_list("pk", flat=True))
        by_check = {row.pk for row in rows if rule.check(row, now)}
        assert by_query == by_check, (rule.reason, sorted(by_query ^ by_check)[:5])
        assert by_check, f"the grid never breaks {rule.reason}"
    assert any(not any(rule.check(row, now) for rule in SEND_RULES) for row in rows), "nothing in the grid may go out"


def test_the_planner_retires_exactly_what_the_send_task_would_refuse_and_for_the_same_reason(now):
    _grid(now)
    expected = {}
    for row in _loaded():
        unwanted = _unwanted_reason(row, now=now)
        expected[row.pk] = unwanted if unwanted is not None else (Status.SCHEDULED, "")
    retire_unwanted(now=now)
    assert (
        dict(
            (pk, (status, code)) for pk, status, code in OutboxMessage.objects.values_list("pk", "status", "error_code")
        )
        == expected
    )


def test_member_channel_rules_agree_with_their_filters(now):
    group = SupportGroupFactory()
    members = _members(group, now)
    for q, check in (
        (SMS_NOTICE_Q, sms_notice_ok),
        (EMAIL_NOTICE_Q, email_notice_ok),
        (SERIES_CANCEL_Q, series_cancel_ok),
    ):
        by_query = set(Member.objects.filter(q).values_list("pk", flat=True))
        assert by_query == {m.pk for m in members.values() if check(m)}, check.__name__
        assert 0 < len(by_query) < len(members)


def test_proof_rule_agrees_with_its_filter(now):
    group = SupportGroupFactory()
    members = _members(group, now)
    for member, state, channel in itertools.product(members.values(), PROOF_STATES, Channel.values):
        _proof(member, state, channel, group, now)
    proofs = ContactProof.objects.select_related("member", "join_request")
    by_query = set(ContactProof.objects.filter(proof_sendable_q(now)).values_list("pk", flat=True))
    by_check = {proof.pk for proof in proofs if proof_may_be_sent(proof, member=proof.member, now=now)}
    assert by_query == by_check and by_check
