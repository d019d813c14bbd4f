"""Carry outbox rows over to their own kinds and foreign keys.

Before: a series-ended notice was `session_cancelled` with detail `series_ended`;
a series-changed text was `session_changed` with detail `series_changed` and the
series' SEQUENCE plus 2**30 (to stay clear of the session's own notices), its
email a `series_invite` with detail `series_changed`; the series was an integer
`series_id_ref`, and a confirmation's ContactProof id was kept as text in `detail`.
"""

from django.db import migrations

# The offset series-changed texts used to carry in `sequence`.
OLD_SERIES_CHANGED_SEQUENCE_BASE = 1 << 30
PROOF_KINDS = ("sms_confirm", "email_confirm")


def forward(apps, schema_editor):
    outbox = apps.get_model("notifications", "OutboxMessage")
    series_ids = set(apps.get_model("lantern_sessions", "SessionSeries").objects.values_list("pk", flat=True))
    proof_ids = set(apps.get_model("lantern_sessions", "ContactProof").objects.values_list("pk", flat=True))
    for row in outbox.objects.filter(series_id_ref__isnull=False).iterator():
        # A series deleted since leaves nothing to point at (its row could not be sent either).
        row.series_id = row.series_id_ref if row.series_id_ref in series_ids else None
        if row.kind == "session_cancelled" and row.detail == "series_ended":
            row.kind, row.detail = "series_ended", ""
        elif row.kind == "session_changed" and row.detail == "series_changed":
            row.kind, row.detail = "series_changed", ""
            if row.sequence >= OLD_SERIES_CHANGED_SEQUENCE_BASE:
                row.sequence -= OLD_SERIES_CHANGED_SEQUENCE_BASE
        elif row.kind == "series_invite" and row.detail == "series_changed":
            row.kind, row.detail = "series_changed", ""
        row.save(update_fields=["series", "kind", "detail", "sequence"])
    for row in outbox.objects.filter(kind__in=PROOF_KINDS).exclude(detail="").iterator():
        proof_id = int(row.detail) if row.detail.isdigit() else None
        row.contact_proof_id = proof_id if proof_id in proof_ids else None
        row.detail = ""
        row.save(update_fields=["contact_proof", "detail"])


def backward(apps, schema_editor):
    outbox = apps.get_model("notifications", "OutboxMessage")
    for row in outbox.objects.filter(series__isnull=False).iterator():
        row.series_id_ref = row.series_id
        if row.kind == "series_ended":
            row.kind, row.detail = "session_cancelled", "series_ended"
        elif row.kind == "series_changed" and row.channel == "sms":
            row.kind, row.detail = "session_changed", "series_changed"
            row.sequence += OLD_SERIES_CHANGED_SEQUENCE_BASE
        elif row.kind == "series_changed":
            row.kind, row.detail = "series_invite", "series_changed"
        row.save(update_fields=["series_id_ref", "kind", "detail", "sequence"])
    for row in outbox.objects.filter(kind__in=PROOF_KINDS, contact_proof__isnull=False).iterator():
        row.detail = str(row.contact_proof_id)
        row.save(update_fields=["detail"])


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_outbox_series_and_proof")]

    operations = [migrations.RunPython(forward, backward)]
