"""Members belong to one organization; contacts carry proof; joins become requests.

A member enrolled in several organizations' groups is split into one record per
organization (docs/privacy.md, "Organizations are sealed"): the first keeps the
row and its token, each other organization gets a copy with a new token and takes
its own enrollments (with their attendance), outbox rows and inbound texts.
"""

import secrets

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import Q

import sessions.models
import sessions.validators


def _organizations_of(apps, member) -> list[int]:
    Enrollment = apps.get_model("lantern_sessions", "Enrollment")
    JoinConfirmation = apps.get_model("lantern_sessions", "JoinConfirmation")
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    InboundMessage = apps.get_model("notifications", "InboundMessage")
    seen: list[int] = []
    sources = (
        Enrollment.objects.filter(member=member).order_by("created_at", "id").values_list("group__organization_id"),
        JoinConfirmation.objects.filter(member=member).order_by("id").values_list("group__organization_id"),
        OutboxMessage.objects.filter(member=member, group__isnull=False)
        .order_by("-id")
        .values_list("group__organization_id"),
        InboundMessage.objects.filter(member=member, group__isnull=False)
        .order_by("-id")
        .values_list("group__organization_id"),
    )
    for source in sources:
        for (organization_id,) in source:
            if organization_id not in seen:
                seen.append(organization_id)
    return seen


def carry_over(apps, schema_editor):
    Member = apps.get_model("lantern_sessions", "Member")
    Organization = apps.get_model("lantern_sessions", "Organization")
    Enrollment = apps.get_model("lantern_sessions", "Enrollment")
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    InboundMessage = apps.get_model("notifications", "InboundMessage")
    fallback = None
    for member in Member.objects.order_by("pk").iterator():
        organizations = _organizations_of(apps, member)
        if not organizations:
            if fallback is None:
                fallback = Organization.objects.order_by("pk").first() or Organization.objects.create(
                    name="Members without a group", slug=f"unassigned-{secrets.token_hex(4)}"
                )
            organizations = [fallback.pk]
        # Proof that already happened: a YES from the number confirmed its consent.
        # Emails were never proven before this change.
        if member.phone and member.sms_consent == "confirmed":
            member.phone_verified_at = member.sms_consent_at or member.created_at
        member.organization_id = organizations[0]
        member.save(update_fields=["organization", "phone_verified_at"])
        for organization_id in organizations[1:]:
            original_pk = member.pk
            clone = Member.objects.get(pk=original_pk)
            clone.pk = None
            clone.id = None
            clone.organization_id = organization_id
            clone.token = secrets.token_urlsafe(32)
            clone.save(force_insert=True)
            Enrollment.objects.filter(member_id=original_pk, group__organization_id=organization_id).update(
                member=clone
            )
            OutboxMessage.objects.filter(member_id=original_pk, group__organization_id=organization_id).update(
                member=clone
            )
            InboundMessage.objects.filter(member_id=original_pk, group__organization_id=organization_id).update(
                member=clone
            )


class Migration(migrations.Migration):
    dependencies = [
        ("lantern_sessions", "0002_join_confirmation"),
        ("notifications", "0002_join_confirmation"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="member", name="member_phone_unique"),
        migrations.RemoveConstraint(model_name="member", name="member_email_unique"),
        migrations.AddField(
            model_name="member",
            name="organization",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="members",
                to="lantern_sessions.organization",
            ),
        ),
        migrations.AddField(
            model_name="member", name="phone_verified_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.AddField(
            model_name="member", name="email_verified_at", field=models.DateTimeField(blank=True, null=True)
        ),
        migrations.RunPython(carry_over, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="member",
            name="organization",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="members",
                to="lantern_sessions.organization",
            ),
        ),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                condition=Q(phone__isnull=False), fields=("organization", "phone"), name="member_org_phone_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="member",
            constraint=models.UniqueConstraint(
                condition=Q(email__isnull=False), fields=("organization", "email"), name="member_org_email_unique"
            ),
        ),
        migrations.AddIndex(model_name="member", index=models.Index(fields=["phone"], name="member_phone")),
        migrations.DeleteModel(name="JoinConfirmation"),
        migrations.CreateModel(
            name="JoinRequest",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "token",
                    models.CharField(default=sessions.models.new_member_token, max_length=64, unique=True),
                ),
                ("display_name", models.CharField(max_length=80)),
                (
                    "phone",
                    models.CharField(
                        blank=True, max_length=20, null=True, validators=[sessions.validators.validate_e164]
                    ),
                ),
                ("email", models.EmailField(blank=True, max_length=254, null=True)),
                (
                    "note",
                    models.TextField(blank=True, help_text="Written on the join form; goes on the enrollment"),
                ),
                ("sms_reminders", models.BooleanField(default=False)),
                ("email_reminders", models.BooleanField(default=False)),
                ("time_zone", models.CharField(blank=True, max_length=64)),
                ("requested_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                ("confirmed_at", models.DateTimeField(blank=True, null=True)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="join_requests",
                        to="lantern_sessions.supportgroup",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="join_requests",
                        to="lantern_sessions.member",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["member", "confirmed_at"], name="join_request_member")],
                "constraints": [
                    models.CheckConstraint(
                        condition=Q(phone__isnull=False) | Q(email__isnull=False), name="join_request_has_contact"
                    ),
                    models.CheckConstraint(
                        condition=Q(expires_at__gt=models.F("requested_at")), name="join_request_expiry"
                    ),
                ],
            },
        ),
        migrations.CreateModel(
            name="ContactProof",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "channel",
                    models.CharField(choices=[("sms", "Text message"), ("email", "Email")], max_length=8),
                ),
                ("destination", models.CharField(max_length=254)),
                (
                    "secret",
                    models.CharField(default=sessions.models.new_member_token, max_length=64, unique=True),
                ),
                ("requested_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField()),
                ("proven_at", models.DateTimeField(blank=True, null=True)),
                ("cancelled_at", models.DateTimeField(blank=True, null=True)),
                (
                    "join_request",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="proofs",
                        to="lantern_sessions.joinrequest",
                    ),
                ),
                (
                    "member",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="contact_proofs",
                        to="lantern_sessions.member",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["proven_at", "requested_at"], name="contact_proof_open")],
                "constraints": [
                    models.CheckConstraint(
                        condition=Q(channel__in=["sms", "email"]), name="contact_proof_channel_valid"
                    ),
                ],
            },
        ),
    ]
