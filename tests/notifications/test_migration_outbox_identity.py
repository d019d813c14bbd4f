"""The migration that gives outbox rows their own kinds and foreign keys (0005–0007)."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import Kind, OutboxMessage
from sessions.models import ContactProof
from tests.factories import MemberFactory, SessionFactory, SessionSeriesFactory
from tests.migrations import latest_schema_after, migrate_to, migrate_to_latest  # noqa: F401 (a fixture)

BEFORE = [("notifications", "0004_inbound_message_handled")]
AT = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


pytestmark = pytest.mark.usefixtures("latest_schema_after")


@pytest.mark.django_db(transaction=True)
def test_old_rows_get_their_own_kind_series_and_confirmation():
    old = migrate_to(BEFORE).get_model("notifications", "OutboxMessage")
    series = SessionSeriesFactory()
    session = SessionFactory(series=series, starts_at=AT + dt.timedelta(days=3))
    member = MemberFactory()
    proof = ContactProof.objects.create(
        member=member, channel="sms", destination=member.phone, requested_at=AT, expires_at=AT + dt.timedelta(days=2)
    )
    common = {"member_id": member.pk, "group_id": series.group_id, "due_at": AT, "next_attempt_at": AT}

    def old_row(key, **fields):
        return old.objects.create(dedupe_key=key, **common, **fields).pk

    ended = old_row(
        "series_ended:r1:q2", channel="sms", kind="session_cancelled", detail="series_ended",
        series_id_ref=series.pk, sequence=2,
    )  # fmt: skip
    changed_text = old_row(
        "series_changed:r1:q1", channel="sms", kind="session_changed", detail="series_changed",
        series_id_ref=series.pk, session_id=session.pk, sequence=(1 << 30) + 1,
    )  # fmt: skip
    changed_invite = old_row(
        "series_invite:r1:q1", channel="email", kind="series_invite", detail="series_changed",
        series_id_ref=series.pk, sequence=1,
    )  # fmt: skip
    join_invite = old_row("series_invite:ev1:r1", channel="email", kind="series_invite", series_id_ref=series.pk)
    gone_series = old_row("series_cancel:ev2:r9", channel="email", kind="series_cancel", series_id_ref=series.pk + 99)
    moved = old_row(
        "session_changed:s1:q3", channel="sms", kind="session_changed", detail="moved", session_id=session.pk,
        sequence=3,
    )  # fmt: skip
    confirm = old_row(f"proof:p{proof.pk}", channel="sms", kind="sms_confirm", detail=str(proof.pk))
    gone_proof = old_row("proof:p999999", channel="email", kind="email_confirm", detail="999999")

    migrate_to_latest()
    shape = {
        row.pk: (row.kind, row.detail, row.series_id, row.session_id, row.sequence, row.contact_proof_id)
        for row in OutboxMessage.objects.all()
    }
    assert shape == {
        ended: (Kind.SERIES_ENDED, "", series.pk, None, 2, None),
        changed_text: (Kind.SERIES_CHANGED, "", series.pk, session.pk, 1, None),
        changed_invite: (Kind.SERIES_CHANGED, "", series.pk, None, 1, None),
        join_invite: (Kind.SERIES_INVITE, "", series.pk, None, 0, None),
        gone_series: (Kind.SERIES_CANCEL, "", None, None, 0, None),
        moved: (Kind.SESSION_CHANGED, "moved", None, session.pk, 3, None),
        confirm: (Kind.SMS_CONFIRM, "", None, None, 0, proof.pk),
        gone_proof: (Kind.EMAIL_CONFIRM, "", None, None, 0, None),
    }


@pytest.mark.django_db(transaction=True)
def test_the_migration_runs_backwards_to_the_old_shape():
    series = SessionSeriesFactory()
    member = MemberFactory()
    common = {"member": member, "group_id": series.group_id, "due_at": AT, "next_attempt_at": AT}
    text = OutboxMessage.objects.create(
        dedupe_key="t", channel="sms", kind=Kind.SERIES_CHANGED, series=series, sequence=4, **common
    )
    ended = OutboxMessage.objects.create(
        dedupe_key="e", channel="email", kind=Kind.SERIES_ENDED, series=series, **common
    )
    invite = OutboxMessage.objects.create(
        dedupe_key="i", channel="email", kind=Kind.SERIES_CHANGED, series=series, sequence=4, **common
    )
    proof = ContactProof.objects.create(
        member=member, channel="sms", destination=member.phone, requested_at=AT, expires_at=AT + dt.timedelta(days=2)
    )
    confirm = OutboxMessage.objects.create(
        dedupe_key="c", channel="sms", kind=Kind.SMS_CONFIRM, contact_proof=proof, **common
    )
    old = migrate_to(BEFORE).get_model("notifications", "OutboxMessage")
    shape = {row.pk: (row.kind, row.detail, row.series_id_ref, row.sequence) for row in old.objects.all()}
    assert shape == {
        text.pk: ("session_changed", "series_changed", series.pk, (1 << 30) + 4),
        ended.pk: ("session_cancelled", "series_ended", series.pk, 0),
        invite.pk: ("series_invite", "series_changed", series.pk, 4),
        confirm.pk: ("sms_confirm", str(proof.pk), None, 0),
    }
