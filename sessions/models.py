"""The Lantern domain: who hosts groups, where and when they meet, who belongs.

Rules that must never break are database constraints, not just Python checks.

Where and in which time zone a group meets are derived here, once:
- a session meets at its own venue, else its series', else its group's
  (`Session.effective_venue`; a series alone: `SessionSeries.effective_venue`);
- a session's times are wall-clock times in its series' zone (`Session.local_zone`):
  that is the zone its rule is expanded in, the TZID of its calendar events and the
  zone a facilitator types a new time in, so every listing of it reads the same
  "7:00 PM" whatever the venue;
- a group's own zone (`SupportGroup.local_zone`), for what belongs to the group rather
  than to one session (a new member's default clock, cohort dates, date filters), is its
  venue's zone, else its `timezone` field (online groups).
"""

from __future__ import annotations

import secrets
import zoneinfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone as django_timezone

from sessions.validators import (
    validate_e164,
    validate_latitude,
    validate_longitude,
    validate_reminder_offsets,
    validate_single_line,
    validate_timezone,
)


def new_member_token() -> str:
    return secrets.token_urlsafe(32)


def default_reminder_offsets() -> list[int]:
    return [1440, 120]


_TOPICS = (
    "grief",
    "spouse_loss",
    "child_loss",
    "parent_loss",
    "suicide_loss",
    "pregnancy_infant_loss",
    "overdose_loss",
    "pet_loss",
    "divorce",
    "caregivers",
    "mens_peer",
    "mental_health_peer",
    "other",
)


class Organization(models.Model):
    """The host: a hospice, a church, a nonprofit."""

    name = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=100, unique=True)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=20, blank=True, validators=[validate_e164])
    website = models.URLField(blank=True)
    admins = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="administered_organizations")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Venue(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(max_length=200, validators=[validate_single_line])
    address = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=120)
    region = models.CharField(max_length=120, blank=True, help_text="State, province or county")
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2")
    latitude = models.FloatField(validators=[validate_latitude])
    longitude = models.FloatField(validators=[validate_longitude])
    # True when the coordinates were looked up from the postal code or city, not given.
    location_approximate = models.BooleanField(default=False)
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    accessibility_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["latitude", "longitude"], name="venue_lat_lng")]
        constraints = [
            models.CheckConstraint(condition=Q(latitude__gte=-90, latitude__lte=90), name="venue_latitude_range"),
            models.CheckConstraint(condition=Q(longitude__gte=-180, longitude__lte=180), name="venue_longitude_range"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.city}"


class SupportGroup(models.Model):
    class Topic(models.TextChoices):
        GRIEF = "grief", "General grief"
        SPOUSE_LOSS = "spouse_loss", "Loss of a spouse or partner"
        CHILD_LOSS = "child_loss", "Loss of a child"
        PARENT_LOSS = "parent_loss", "Loss of a parent"
        SUICIDE_LOSS = "suicide_loss", "Suicide loss"
        PREGNANCY_INFANT_LOSS = "pregnancy_infant_loss", "Pregnancy and infant loss"
        OVERDOSE_LOSS = "overdose_loss", "Overdose loss"
        PET_LOSS = "pet_loss", "Pet loss"
        DIVORCE = "divorce", "Divorce"
        CAREGIVERS = "caregivers", "Caregivers"
        MENS_PEER = "mens_peer", "Men's peer group"
        MENTAL_HEALTH_PEER = "mental_health_peer", "Mental-health peer support"
        OTHER = "other", "Other"

    class Audience(models.TextChoices):
        EVERYONE = "everyone", "Everyone"
        MEN = "men", "Men"
        WOMEN = "women", "Women"
        YOUNG_ADULTS = "young_adults", "Young adults"
        PARENTS = "parents", "Parents"
        VETERANS = "veterans", "Veterans"
        LGBTQ = "lgbtq", "LGBTQ+"

    class Format(models.TextChoices):
        IN_PERSON = "in_person", "In person"
        ONLINE = "online", "Online"
        HYBRID = "hybrid", "Hybrid"

    class EnrollmentMode(models.TextChoices):
        DROP_IN = "drop_in", "Drop-in"
        APPROVAL = "approval", "Open, with facilitator approval"
        COHORT = "cohort", "Cohort with a start date"

    class Cost(models.TextChoices):
        FREE = "free", "Free"
        DONATION = "donation", "Donation"
        FEE = "fee", "Fee"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="groups")
    name = models.CharField(max_length=200, validators=[validate_single_line])
    slug = models.SlugField(max_length=120, unique=True)
    topic = models.CharField(max_length=32, choices=Topic.choices)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.EVERYONE)
    description = models.TextField(blank=True)
    what_to_expect = models.TextField(blank=True)
    format = models.CharField(max_length=16, choices=Format.choices)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="groups")
    conference_url = models.URLField(blank=True)
    language = models.CharField(max_length=35, default="en", help_text="BCP 47 tag")
    # Used where the group has no venue (online); otherwise the venue's: read `local_zone`.
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    capacity = models.PositiveIntegerField(null=True, blank=True, help_text="Empty means no limit")
    enrollment_mode = models.CharField(max_length=16, choices=EnrollmentMode.choices, default=EnrollmentMode.DROP_IN)
    cycle_start = models.DateField(null=True, blank=True)
    cycle_weeks = models.PositiveSmallIntegerField(null=True, blank=True)
    cost = models.CharField(max_length=16, choices=Cost.choices, default=Cost.FREE)
    faith_based = models.BooleanField(default=False)
    peer_led = models.BooleanField(default=True)
    wheelchair_accessible = models.BooleanField(default=False)
    hearing_access = models.BooleanField(default=False, help_text="Hearing loop or ASL")
    childcare = models.BooleanField(default=False)
    listed = models.BooleanField(default=True)
    # Shown on lock screens instead of the group's name or topic.
    sms_label = models.CharField(max_length=40, validators=[validate_single_line])
    reminder_offsets = models.JSONField(default=default_reminder_offsets, validators=[validate_reminder_offsets])
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(topic__in=list(_TOPICS)), name="group_topic_valid"),
            models.CheckConstraint(
                condition=Q(format__in=["in_person", "online", "hybrid"]), name="group_format_valid"
            ),
            models.CheckConstraint(
                condition=Q(enrollment_mode__in=["drop_in", "approval", "cohort"]), name="group_mode_valid"
            ),
        ]
        indexes = [
            # The finder's online list, on every results page, reads the listed online groups
            # alone; without this it scans every group (34 ms against 9 ms at 20,000 groups).
            models.Index(fields=["id"], condition=Q(listed=True, format="online"), name="group_listed_online"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def accessibility(self) -> list[str]:
        flags = []
        if self.wheelchair_accessible:
            flags.append("wheelchair")
        if self.hearing_access:
            flags.append("hearing")
        if self.childcare:
            flags.append("childcare")
        return flags

    @property
    def local_zone(self) -> zoneinfo.ZoneInfo:
        """The group's zone: its venue's, else (online) its own `timezone`."""
        return zoneinfo.ZoneInfo(self.venue.timezone if self.venue_id is not None else self.timezone)


class Facilitator(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", "Lead facilitator"
        CO = "co", "Co-facilitator"

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="facilitators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitations")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.CO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="facilitator_once_per_group"),
            models.CheckConstraint(condition=Q(role__in=["lead", "co"]), name="facilitator_role_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) — {self.group}"


class Member(models.Model):
    """A person on the rosters of ONE organization. No password: they act through `token`.

    The same person in two organizations' groups is two records: personal data
    belongs to the organization that collected it (docs/privacy.md). A contact is
    trusted only once proven (`phone_verified_at`, `email_verified_at`), and the
    token works only for a member with a proven contact.
    """

    class SmsConsent(models.TextChoices):
        NONE = "none", "None"
        PENDING = "pending", "Pending (awaiting YES)"
        CONFIRMED = "confirmed", "Confirmed"
        OPTED_OUT = "opted_out", "Opted out"

    class ConsentSource(models.TextChoices):
        WEB_FORM = "web_form", "Join form"
        IN_PERSON = "in_person", "Agreed in person (recorded by facilitator)"
        SMS_KEYWORD = "sms_keyword", "SMS keyword"
        SELF_SERVICE = "self_service", "Self-service page"
        ADMIN = "admin", "Administrator"
        PROVIDER = "provider", "SMS provider report"
        EMAIL_LINK = "email_link", "Confirmed from the emailed link"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="members")
    display_name = models.CharField(max_length=80, validators=[validate_single_line])
    phone = models.CharField(max_length=20, null=True, blank=True, validators=[validate_e164])
    email = models.EmailField(null=True, blank=True)
    # When the owner proved they control the contact: a YES to our text, a Confirm
    # pressed on the emailed link. Cleared whenever the contact changes.
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    email_verified_at = models.DateTimeField(null=True, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # The language of the member's pages, texts and emails: one of settings.LANGUAGES.
    language = models.CharField(max_length=8, default="en")
    sms_reminders = models.BooleanField(default=False)
    email_reminders = models.BooleanField(default=False)
    sms_consent = models.CharField(max_length=16, choices=SmsConsent.choices, default=SmsConsent.NONE)
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    sms_consent_source = models.CharField(max_length=16, choices=ConsentSource.choices, blank=True)
    email_consent = models.BooleanField(default=False)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    email_consent_source = models.CharField(max_length=16, choices=ConsentSource.choices, blank=True)
    # Set when the SMS provider reports the number cannot receive texts.
    phone_undeliverable = models.BooleanField(default=False)
    phone_error_code = models.CharField(max_length=16, blank=True)
    token = models.CharField(max_length=64, unique=True, default=new_member_token)
    created_at = models.DateTimeField(auto_now_add=True)
    erased_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__isnull=False) | Q(email__isnull=False) | Q(erased_at__isnull=False),
                name="member_has_contact",
            ),
            models.UniqueConstraint(
                fields=["organization", "phone"], condition=Q(phone__isnull=False), name="member_org_phone_unique"
            ),
            models.UniqueConstraint(
                fields=["organization", "email"], condition=Q(email__isnull=False), name="member_org_email_unique"
            ),
            models.CheckConstraint(
                condition=Q(sms_consent__in=["none", "pending", "confirmed", "opted_out"]), name="member_consent_valid"
            ),
        ]
        indexes = [models.Index(fields=["phone"], name="member_phone")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_proven(self) -> bool:
        """True once the owner proved a contact: only then may the token be used or sent."""
        return self.erased_at is None and (
            (self.phone is not None and self.phone_verified_at is not None)
            or (self.email is not None and self.email_verified_at is not None)
        )


class Enrollment(models.Model):
    """A roster entry: one member in one group."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        ACTIVE = "active", "Active"
        WAITLISTED = "waitlisted", "Waitlisted"
        DECLINED = "declined", "Declined"
        REMOVED = "removed", "Removed"
        LEFT = "left", "Left"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="enrollments")
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="enrollments")
    status = models.CharField(max_length=16, choices=Status.choices)
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    join_note = models.TextField(blank=True, help_text="Written by the member when joining")
    notes = models.TextField(blank=True, help_text="Facilitators only")
    # Set by the enrollment services from their "now" (the clock they are given), so the
    # status history and the past-attendance lists read from it follow the same time.
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)
    status_changed_at = models.DateTimeField(default=django_timezone.now, editable=False)
    activated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["member", "group"], name="enrollment_once_per_group"),
            models.CheckConstraint(
                condition=Q(status__in=["requested", "active", "waitlisted", "declined", "removed", "left"]),
                name="enrollment_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(status="waitlisted", waitlist_position__isnull=False)
                | (~Q(status="waitlisted") & Q(waitlist_position__isnull=True)),
                name="enrollment_waitlist_position_iff_waitlisted",
            ),
        ]
        indexes = [models.Index(fields=["group", "status"], name="enrollment_group_status")]

    def __str__(self) -> str:
        return f"{self.member} in {self.group} ({self.status})"


class EnrollmentEvent(models.Model):
    """Every status change of an enrollment, in order.

    The notifications app reads these to send "you're in", "approved" and
    "series cancelled" notices; the sessions app never calls it directly.
    """

    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    reason = models.CharField(max_length=40, blank=True, help_text="join, approve, promote, leave, …")
    # The enrollment services' "now", like Enrollment.status_changed_at.
    created_at = models.DateTimeField(default=django_timezone.now, editable=False)

    class Meta:
        ordering = ["id"]


class AuditLog(models.Model):
    """Who did what to (or looked at) whose data, readable by organization admins."""

    organization = models.ForeignKey(Organization, null=True, on_delete=models.SET_NULL, related_name="audit_log")
    group = models.ForeignKey(SupportGroup, null=True, blank=True, on_delete=models.SET_NULL)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True, help_text="'member' for self-service actions")
    action = models.CharField(max_length=60)
    target_type = models.CharField(max_length=40, blank=True)
    target_id = models.CharField(max_length=40, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]


class SessionSeries(models.Model):
    """A recurring meeting pattern, kept in wall-clock time in `timezone`."""

    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="series")
    rrule = models.CharField(max_length=500, help_text="RFC 5545 RRULE, e.g. FREQ=WEEKLY;BYDAY=TU;COUNT=13")
    # The wall-clock start of the first session in `timezone`, stored as if it were UTC
    # (19:00 local is the column value 19:00+00:00) so DST rules apply when the rule is
    # expanded, not when it is saved. Read it only through
    # sessions.services.schedule.series_local_dtstart(), which returns the naive local
    # time; never compare it with an instant.
    dtstart = models.DateTimeField(help_text="Local date-time of the first session, without offset")
    timezone = models.CharField(max_length=64, validators=[validate_timezone])
    duration_minutes = models.PositiveIntegerField()
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)
    materialized_until = models.DateTimeField(null=True, blank=True)
    # RFC 5545 SEQUENCE of the series' VEVENT: grows with every edit so calendar
    # clients accept an updated invite or feed entry instead of ignoring it.
    sequence = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "session series"
        constraints = [
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=5, duration_minutes__lte=1440), name="series_duration_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group}: {self.rrule}"

    @property
    def effective_venue(self) -> Venue | None:
        """Where the series meets: its own venue, else its group's (None: online)."""
        return self.venue if self.venue_id is not None else self.group.venue

    @property
    def effective_venue_id(self) -> int | None:
        return self.venue_id if self.venue_id is not None else self.group.venue_id

    @property
    def local_zone(self) -> zoneinfo.ZoneInfo:
        """The zone the rule and `dtstart` are wall-clock times in."""
        return zoneinfo.ZoneInfo(self.timezone)


class Session(models.Model):
    """One occurrence of a series. Times in UTC; `original_start` is its RECURRENCE-ID."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", "Scheduled"
        CANCELLED = "cancelled", "Cancelled"

    series = models.ForeignKey(SessionSeries, on_delete=models.CASCADE, related_name="sessions")
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="sessions")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    original_start = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(blank=True)
    # Grows with every change (RFC 5545 SEQUENCE); notifications derive notices from it.
    sequence = models.PositiveIntegerField(default=0)
    # A facilitator changed or cancelled this one; series edits leave it alone.
    modified = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["series", "original_start"], name="session_once_per_occurrence"),
            models.CheckConstraint(condition=Q(status__in=["scheduled", "cancelled"]), name="session_status_valid"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="session_ends_after_start"),
        ]
        indexes = [
            models.Index(fields=["group", "starts_at"], name="session_group_start"),
            models.Index(fields=["status", "starts_at"], name="session_status_start"),
        ]

    def __str__(self) -> str:
        return f"{self.group} at {self.starts_at:%Y-%m-%d %H:%M} UTC"

    # The venue rule is SessionSeries.effective_venue's, read through `self.group` (the
    # series' group) because callers load the session's group with it, not the series'.

    @property
    def usual_venue(self) -> Venue | None:
        """Where the session meets unless it has a venue of its own: the series', else the group's."""
        return self.series.venue if self.series.venue_id is not None else self.group.venue

    @property
    def usual_venue_id(self) -> int | None:
        return self.series.venue_id if self.series.venue_id is not None else self.group.venue_id

    @property
    def effective_venue(self) -> Venue | None:
        """Where people go: the session's own venue, else the series', else the group's (None: online)."""
        return self.venue if self.venue_id is not None else self.usual_venue

    @property
    def effective_venue_id(self) -> int | None:
        return self.venue_id if self.venue_id is not None else self.usual_venue_id

    @property
    def local_zone(self) -> zoneinfo.ZoneInfo:
        """The zone the session is shown in: its series' (see the module docstring)."""
        return self.series.local_zone


class Attendance(models.Model):
    class Rsvp(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        UNKNOWN = "unknown", "Unknown"

    class Mark(models.TextChoices):
        PRESENT = "present", "Present"
        ABSENT = "absent", "Absent"
        EXCUSED = "excused", "Excused"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    enrollment = models.ForeignKey(Enrollment, on_delete=models.CASCADE, related_name="attendance")
    rsvp = models.CharField(max_length=8, choices=Rsvp.choices, default=Rsvp.UNKNOWN)
    attendance = models.CharField(max_length=8, choices=Mark.choices, null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "enrollment"], name="attendance_once_per_session"),
            models.CheckConstraint(condition=Q(rsvp__in=["yes", "no", "unknown"]), name="attendance_rsvp_valid"),
            models.CheckConstraint(
                condition=Q(attendance__isnull=True) | Q(attendance__in=["present", "absent", "excused"]),
                name="attendance_mark_valid",
            ),
        ]


class Place(models.Model):
    """Offline gazetteer row: a US ZIP code or a world city, for search by place name."""

    class Kind(models.TextChoices):
        POSTAL_CODE = "postal_code", "Postal code"
        CITY = "city", "City"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    # Lower-cased, accent-free lookup key: "62701", "springfield".
    key = models.CharField(max_length=120)
    name = models.CharField(max_length=120)
    region = models.CharField(max_length=120, blank=True)
    country = models.CharField(max_length=2)
    postal_code = models.CharField(max_length=20, blank=True)
    latitude = models.FloatField()
    longitude = models.FloatField()
    population = models.PositiveIntegerField(default=0)
    timezone = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["kind", "key"], name="place_kind_key")]

    def __str__(self) -> str:
        return f"{self.name}, {self.region or self.country}"


class RateCounter(models.Model):
    """A per-day counter for abuse caps (confirmation texts per number, per client, overall).

    Incremented with a conditional UPDATE so concurrent requests cannot pass a cap together.
    """

    scope = models.CharField(max_length=120)
    day = models.DateField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["scope", "day"], name="rate_counter_once_per_day")]


class JoinRequest(models.Model):
    """A join from the public form, waiting for the contact's owner to prove it.

    Typing a phone or email proves nothing, so a join enrols nobody: it records
    this request and a ContactProof per contact typed. The first proof turns it
    into an enrollment (`sessions.services.proofs`). `token` is the requester's
    handle on this request only; what it shows never depends on whether the
    request was confirmed (docs/privacy.md).
    """

    token = models.CharField(max_length=64, unique=True, default=new_member_token)
    group = models.ForeignKey(SupportGroup, on_delete=models.CASCADE, related_name="join_requests")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="join_requests")
    # As typed (normalized): the contacts this request vouches for once one is proven.
    display_name = models.CharField(max_length=80)
    phone = models.CharField(max_length=20, null=True, blank=True, validators=[validate_e164])
    email = models.EmailField(null=True, blank=True)
    note = models.TextField(blank=True, help_text="Written on the join form; goes on the enrollment")
    sms_reminders = models.BooleanField(default=False)
    email_reminders = models.BooleanField(default=False)
    time_zone = models.CharField(max_length=64, blank=True)
    # The join page's language: a record the join creates, or proves by text, takes it.
    language = models.CharField(max_length=8, blank=True)
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(phone__isnull=False) | Q(email__isnull=False), name="join_request_has_contact"
            ),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("requested_at")), name="join_request_expiry"),
        ]
        indexes = [models.Index(fields=["member", "confirmed_at"], name="join_request_member")]

    def __str__(self) -> str:
        return f"join request {self.pk} (member {self.member_id}, group {self.group_id})"


class ContactProof(models.Model):
    """One confirmation sent to one contact: a "reply YES" text or an emailed link.

    It proves only `destination`: if the member's phone or email has changed
    since, it proves nothing. The notifications planner sends one message per row.
    """

    class Channel(models.TextChoices):
        SMS = "sms", "Text message"
        EMAIL = "email", "Email"

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="contact_proofs")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    destination = models.CharField(max_length=254)
    # The emailed link's secret (texts are proven by replying YES from the number).
    secret = models.CharField(max_length=64, unique=True, default=new_member_token)
    join_request = models.ForeignKey(
        JoinRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="proofs"
    )
    requested_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    proven_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(channel__in=["sms", "email"]), name="contact_proof_channel_valid"),
        ]
        indexes = [models.Index(fields=["proven_at", "requested_at"], name="contact_proof_open")]

    def __str__(self) -> str:
        return f"{self.channel} proof {self.pk} (member {self.member_id})"
