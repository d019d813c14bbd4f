"""Outbox, inbound texts and broadcasts.

The outbox is the single source of truth for what Lantern sends. A row is
planned from state (sessions, enrollments, consent) and its uniqueness is
enforced by the database, so planning twice, two dispatchers or a task
delivered twice can never create or send a second copy.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from sessions.models import ContactProof, Enrollment, Member, Session, SessionSeries, SupportGroup


class Channel(models.TextChoices):
    SMS = "sms", "Text message"
    EMAIL = "email", "Email"


class Kind(models.TextChoices):
    REMINDER = "reminder", "Session reminder"
    SESSION_CANCELLED = "session_cancelled", "Session cancelled"
    SESSION_CHANGED = "session_changed", "Session moved or venue changed"
    # A facilitator edited the whole series: a neutral text naming the next meeting,
    # and by email the series invite with the new SEQUENCE.
    SERIES_CHANGED = "series_changed", "Meeting schedule changed"
    # The whole series ended: one notice instead of one cancellation per session.
    SERIES_ENDED = "series_ended", "Meetings of a series ended"
    SEAT_OFFERED = "seat_offered", "Waitlist place became a seat"
    JOIN_APPROVED = "join_approved", "Join request approved"
    SMS_CONFIRM = "sms_confirm", "Text confirmation request"
    BROADCAST = "broadcast", "Facilitator broadcast"
    SERIES_INVITE = "series_invite", "Calendar invite for a series"
    SERIES_CANCEL = "series_cancel", "Calendar cancellation of a series"
    # Retired: the old "someone used your number" link; kept so old rows still read.
    JOIN_CONFIRMATION = "join_confirmation", "Link to confirm a join made with a known phone or email"
    EMAIL_CONFIRM = "email_confirm", "Email address confirmation"


class Status(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped"
    MISSED = "missed", "Missed (session had started)"


class Broadcast(models.Model):
    """A facilitator's message to the group's active members."""

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="broadcasts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]


class OutboxMessage(models.Model):
    """One message to one member on one channel, sent at most once."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="outbox")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    kind = models.CharField(max_length=24, choices=Kind.choices)
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox")
    group = models.ForeignKey(SupportGroup, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox")
    enrollment = models.ForeignKey(Enrollment, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    broadcast = models.ForeignKey(Broadcast, null=True, blank=True, on_delete=models.CASCADE, related_name="messages")
    # The series a series invite, cancellation, change or end notice is about.
    series = models.ForeignKey(SessionSeries, null=True, blank=True, on_delete=models.CASCADE, related_name="outbox")
    # The confirmation a "reply YES" text or an emailed link asks for. Kept if the proof
    # goes, so a YES never answers an older text instead.
    contact_proof = models.ForeignKey(
        ContactProof, null=True, blank=True, on_delete=models.SET_NULL, related_name="outbox"
    )
    # Reminder offset in minutes (0 for notices), and the SEQUENCE the notice is about:
    # the session's for session notices, the series' for series notices and invites.
    offset_minutes = models.PositiveIntegerField(default=0)
    sequence = models.PositiveIntegerField(default=0)
    # What changed, for session_changed notices: moved, new_place or restored.
    detail = models.CharField(max_length=40, blank=True)
    # Names the event the row is about (e.g. "reminder:s12:o1440", "approved:ev7"),
    # unique per member and channel: the database refuses a second copy. The only
    # identity of the notices about an enrollment event (approved, seat offered, the
    # join invite, the leaving cancellation); the other kinds also have their own rule below.
    dedupe_key = models.CharField(max_length=120)

    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    due_at = models.DateTimeField(help_text="When it should go out (after quiet-hours adjustment)")
    next_attempt_at = models.DateTimeField(help_text="When a dispatcher may next claim it")
    # Set with status=sending by the dispatcher; the send task must present it.
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    # Set (with the rendered body) just before the provider call: from here on the
    # message may exist at the provider, so the row is reconciled, never blindly resent.
    send_started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    carrier_retries = models.PositiveSmallIntegerField(default=0)

    to = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=64, blank=True, db_index=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["member", "channel", "dedupe_key"], name="outbox_once_per_event"),
            # What "the same message" is, per kind:
            models.UniqueConstraint(
                fields=["session", "member", "channel", "offset_minutes"],
                condition=Q(kind=Kind.REMINDER),
                name="outbox_reminder_once",
            ),
            models.UniqueConstraint(
                fields=["session", "member", "channel", "kind", "sequence"],
                condition=Q(kind__in=[Kind.SESSION_CANCELLED, Kind.SESSION_CHANGED]),
                name="outbox_session_notice_once",
            ),
            models.UniqueConstraint(
                fields=["series", "member", "channel", "kind", "sequence"],
                condition=Q(kind__in=[Kind.SERIES_CHANGED, Kind.SERIES_ENDED]),
                name="outbox_series_notice_once",
            ),
            models.UniqueConstraint(
                fields=["contact_proof"],
                condition=Q(kind__in=[Kind.SMS_CONFIRM, Kind.EMAIL_CONFIRM]),
                name="outbox_proof_once",
            ),
            models.UniqueConstraint(
                fields=["broadcast", "member", "channel"],
                condition=Q(kind=Kind.BROADCAST),
                name="outbox_broadcast_once",
            ),
            models.CheckConstraint(condition=Q(channel__in=["sms", "email"]), name="outbox_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=list(Status.values)), name="outbox_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbox_status_next"),
            models.Index(fields=["status", "send_started_at"], name="outbox_status_started"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} to member {self.member_id} ({self.status})"


class SessionWatch(models.Model):
    """What members were last told about a session. The planner compares a
    changed session (higher `sequence`) with this to decide which notice to send:
    a note-only edit sends nothing, a move or a new venue sends one."""

    session = models.OneToOneField(Session, primary_key=True, on_delete=models.CASCADE, related_name="+")
    sequence = models.PositiveIntegerField()
    starts_at = models.DateTimeField()
    venue_id_seen = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=16)


class InboundMessage(models.Model):
    """A text received from Twilio. Keywords are kept too, so a retried webhook is
    recognised by its MessageSid and handled once."""

    class Kind(models.TextChoices):
        OPT_OUT = "opt_out", "Opt-out keyword"
        OPT_IN = "opt_in", "Opt-in keyword"
        HELP = "help", "Help keyword"
        RSVP = "rsvp", "RSVP"
        MESSAGE = "message", "Message for facilitators"

    provider_message_id = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=32)
    to_number = models.CharField(max_length=32, blank=True)
    body = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound")
    # The group whose facilitators see it: the group of the last text we sent this member.
    group = models.ForeignKey(SupportGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="inbound")
    reply = models.TextField(blank=True)
    received_at = models.DateTimeField()
    # A facilitator marked it dealt with (the inbox shows it greyed, still in its place).
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["group", "kind", "received_at"], name="inbound_group_kind")]
