import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The outbox's own foreign keys to a series and a confirmation, and a kind per
    message (series changed, series ended). The rows are carried over in 0006."""

    dependencies = [
        ("lantern_sessions", "0006_single_line_names"),
        ("notifications", "0004_inbound_message_handled"),
    ]

    operations = [
        migrations.AddField(
            model_name="outboxmessage",
            name="contact_proof",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="outbox",
                to="lantern_sessions.contactproof",
            ),
        ),
        migrations.AddField(
            model_name="outboxmessage",
            name="series",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outbox",
                to="lantern_sessions.sessionseries",
            ),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="kind",
            field=models.CharField(
                choices=[
                    ("reminder", "Session reminder"),
                    ("session_cancelled", "Session cancelled"),
                    ("session_changed", "Session moved or venue changed"),
                    ("series_changed", "Meeting schedule changed"),
                    ("series_ended", "Meetings of a series ended"),
                    ("seat_offered", "Waitlist place became a seat"),
                    ("join_approved", "Join request approved"),
                    ("sms_confirm", "Text confirmation request"),
                    ("broadcast", "Facilitator broadcast"),
                    ("series_invite", "Calendar invite for a series"),
                    ("series_cancel", "Calendar cancellation of a series"),
                    ("join_confirmation", "Link to confirm a join made with a known phone or email"),
                    ("email_confirm", "Email address confirmation"),
                ],
                max_length=24,
            ),
        ),
    ]
