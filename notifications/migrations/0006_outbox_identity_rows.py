"""Carry outbox rows over to their own kinds and foreign keys.

Before: a series-ended notice was `session_cancelled` with detail `series_ended`;
a series-changed text was `session_changed` with detail `series_changed` and the
series' SEQUENCE plus 2**30 (to stay clear of the session's own notices), its
email a `series_invite` with detail `series_changed`; the series was an integer
`series_id_ref`, and a confirmation's ContactProof id was kept as text in `detail`.
"""

from django.db import migrations
from django.db.models import CharField, F, OuterRef, Subquery
from django.db.models.functions import Cast

# The offset series-changed texts used to carry in `sequence`.
OLD_SERIES_CHANGED_SEQUENCE_BASE = 1 << 30
PROOF_KINDS = ("sms_confirm", "email_confirm")


# Set-based updates, one statement each, rather than a save per row: an outbox can hold
# millions of rows. Each UPDATE reads the row's values from before it, as SQL does.
def forward(apps, schema_editor):
    outbox = apps.get_model("notifications", "OutboxMessage")
    series = apps.get_model("lantern_sessions", "SessionSeries")
    proof = apps.get_model("lantern_sessions", "ContactProof")
    carried = outbox.objects.filter(series_id_ref__isnull=False)
    # A series deleted since leaves nothing to point at (its row could not be sent either).
    carried.update(series=Subquery(series.objects.filter(pk=OuterRef("series_id_ref")).values("pk")[:1]))
    carried.filter(kind="session_cancelled", detail="series_ended").update(kind="series_ended", detail="")
    carried.filter(
        kind="session_changed", detail="series_changed", sequence__gte=OLD_SERIES_CHANGED_SEQUENCE_BASE
    ).update(sequence=F("sequence") - OLD_SERIES_CHANGED_SEQUENCE_BASE)
    carried.filter(kind__in=("session_changed", "series_invite"), detail="series_changed").update(
        kind="series_changed", detail=""
    )
    # The proof's id was text: compared as text, so a detail that is no number matches nothing.
    proof_with_that_id = proof.objects.annotate(id_text=Cast("pk", CharField())).filter(id_text=OuterRef("detail"))
    outbox.objects.filter(kind__in=PROOF_KINDS).exclude(detail="").update(
        contact_proof=Subquery(proof_with_that_id.values("pk")[:1]), detail=""
    )


def backward(apps, schema_editor):
    outbox = apps.get_model("notifications", "OutboxMessage")
    rows = outbox.objects.filter(series__isnull=False)
    rows.update(series_id_ref=F("series"))
    rows.filter(kind="series_ended").update(kind="session_cancelled", detail="series_ended")
    rows.filter(kind="series_changed", channel="sms").update(
        kind="session_changed", detail="series_changed", sequence=F("sequence") + OLD_SERIES_CHANGED_SEQUENCE_BASE
    )
    rows.filter(kind="series_changed").update(kind="series_invite", detail="series_changed")
    outbox.objects.filter(kind__in=PROOF_KINDS, contact_proof__isnull=False).update(
        detail=Cast("contact_proof", CharField())
    )


class Migration(migrations.Migration):
    dependencies = [("notifications", "0005_outbox_series_and_proof")]

    operations = [migrations.RunPython(forward, backward)]
