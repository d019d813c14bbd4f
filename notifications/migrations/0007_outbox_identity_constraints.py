from django.db import migrations, models


class Migration(migrations.Migration):
    """What "the same message" means for each kind, and the end of `series_id_ref`."""

    dependencies = [("notifications", "0006_outbox_identity_rows")]

    operations = [
        migrations.RemoveConstraint(
            model_name="outboxmessage",
            name="outbox_once_per_session_member_channel_kind",
        ),
        migrations.RemoveField(
            model_name="outboxmessage",
            name="series_id_ref",
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "reminder")),
                fields=("session", "member", "channel", "offset_minutes"),
                name="outbox_reminder_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ["session_cancelled", "session_changed"])),
                fields=("session", "member", "channel", "kind", "sequence"),
                name="outbox_session_notice_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ["series_changed", "series_ended"])),
                fields=("series", "member", "channel", "kind", "sequence"),
                name="outbox_series_notice_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind__in", ["sms_confirm", "email_confirm"])),
                fields=("contact_proof",),
                name="outbox_proof_once",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "broadcast")),
                fields=("broadcast", "member", "channel"),
                name="outbox_broadcast_once",
            ),
        ),
    ]
