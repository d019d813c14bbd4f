"""Management API serializers. These are the only serializers that carry
members' contact data (phone, email, consent); they are used only behind
`can_manage_group`, i.e. for the group's facilitators and its organization's admins."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sessions.models import AuditLog, Enrollment, Facilitator, Member, Organization, SupportGroup, Venue
from sessions.permissions import venues_usable_by
from sessions.services.groups import GROUP_FIELDS
from sessions.validators import validate_reminder_offsets

ROSTER_ACTIONS = ("approve", "decline", "remove", "waitlist", "move")
POSITION_NEEDED = "Give the new waitlist position (1 = next to move up) with action 'move'."
NOTHING_TO_CHANGE = "Give an action (approve, decline, remove, waitlist, move) or notes."
GROUP_ID_NEEDED = "Give a group id."
UNKNOWN_STATUS = "Unknown status {value!r}; use requested, active, waitlisted, declined, removed or left."


class OrganizationSerializer(serializers.ModelSerializer):
    admins = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "slug", "contact_email", "contact_phone", "website", "admins", "created_at"]
        read_only_fields = ["id", "admins", "created_at"]
        # Uniqueness is checked by the service's full_clean (one error shape for both paths).
        # Optional: made from the name when left out, as for groups.
        extra_kwargs = {"slug": {"validators": [], "required": False, "allow_blank": True}}


class UsernameSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class VenueSerializer(serializers.ModelSerializer):
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, allow_null=True, min_value=-180, max_value=180)
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64)

    class Meta:
        model = Venue
        fields = [
            "id",
            "organization",
            "name",
            "address",
            "city",
            "region",
            "postal_code",
            "country",
            "latitude",
            "longitude",
            "location_approximate",
            "timezone",
            "accessibility_notes",
        ]
        read_only_fields = ["id", "location_approximate"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            # A venue stays with its organization.
            fields["organization"].read_only = True
        return fields


class FacilitatorSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Facilitator
        fields = ["id", "username", "role", "created_at"]


class FacilitatorInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    role = serializers.ChoiceField(choices=Facilitator.Role.choices, default=Facilitator.Role.CO)


@extend_schema_field(OpenApiTypes.INT)
class CallerVenueField(serializers.PrimaryKeyRelatedField):
    """A venue id, looked up only among the venues the caller may use (`venues_usable_by`).

    Another organization's venue id therefore gets exactly the answer of an id that
    does not exist, at the same step: the API never tells a caller that some other
    organization has a venue with that id. Needs the request in the serializer context.
    """

    def get_queryset(self):
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return venues_usable_by(user) if user is not None else Venue.objects.none()


class GroupOrganizationSerializer(serializers.Serializer):
    """Only the organization of a new group: read first, to ask who may create there."""

    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())


class GroupSerializer(serializers.ModelSerializer):
    facilitators = FacilitatorSerializer(many=True, read_only=True)
    timezone = serializers.CharField(required=False, allow_blank=True, max_length=64)
    sms_label = serializers.CharField(required=False, max_length=40)
    slug = serializers.SlugField(required=False, max_length=120, validators=[])
    reminder_offsets = serializers.JSONField(required=False, validators=[validate_reminder_offsets])
    venue = CallerVenueField(required=False, allow_null=True)

    class Meta:
        model = SupportGroup
        # The writable fields are the service's list, so the two cannot drift apart.
        fields = ["id", "organization", *GROUP_FIELDS, "facilitators", "created_at", "updated_at"]
        read_only_fields = ["id", "facilitators", "created_at", "updated_at"]

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:
            fields["organization"].read_only = True
        return fields


class RosterEntrySerializer(serializers.Serializer):
    """One roster line for facilitators: contact data and consent included.

    Reads the rows of `sessions.selectors.roster.roster_rows` (dicts keyed by
    these field names), so a long roster costs one query and no model instances.
    """

    enrollment_id = serializers.IntegerField()
    member_id = serializers.IntegerField()
    display_name = serializers.CharField()
    phone = serializers.CharField(allow_null=True)
    email = serializers.EmailField(allow_null=True)
    sms_reminders = serializers.BooleanField()
    sms_consent = serializers.ChoiceField(choices=Member.SmsConsent.choices)
    sms_consent_source = serializers.CharField()
    email_reminders = serializers.BooleanField()
    email_consent = serializers.BooleanField()
    phone_undeliverable = serializers.BooleanField()
    status = serializers.ChoiceField(choices=Enrollment.Status.choices)
    waitlist_position = serializers.IntegerField(allow_null=True)
    joined = serializers.DateTimeField()
    activated_at = serializers.DateTimeField(allow_null=True)
    status_changed_at = serializers.DateTimeField()
    join_note = serializers.CharField()
    notes = serializers.CharField()

    class Meta:
        ref_name = "ManagedRosterEntry"


class RosterAddSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=80)
    phone = serializers.CharField(max_length=40, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    sms_reminders = serializers.BooleanField(default=False)
    email_reminders = serializers.BooleanField(default=False)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RosterChangeSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=ROSTER_ACTIONS, required=False)
    waitlist_position = serializers.IntegerField(required=False, min_value=1)
    notes = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        if "action" not in attrs and "notes" not in attrs:
            raise serializers.ValidationError({"action": NOTHING_TO_CHANGE})
        if attrs.get("action") == "move" and "waitlist_position" not in attrs:
            raise serializers.ValidationError({"waitlist_position": POSITION_NEEDED})
        return attrs


class QueryText(serializers.Field):
    """A query parameter exactly as sent: no trimming and no character checks, so the
    serializer that declares it parses it and words every error itself."""

    def to_internal_value(self, data) -> str:
        return str(data)

    def to_representation(self, value: str) -> str:
        return value


class RosterQuerySerializer(serializers.Serializer):
    """?status= of a roster: comma-separated enrollment statuses; missing or empty is all."""

    status = QueryText(required=False)

    def validate_status(self, raw: str) -> list[str] | None:
        if not raw:
            return None
        statuses = [s.strip() for s in raw.split(",") if s.strip()]
        valid = set(Enrollment.Status.values)
        for value in statuses:
            if value not in valid:
                raise serializers.ValidationError(UNKNOWN_STATUS.format(value=value))
        return statuses


class AuditQuerySerializer(serializers.Serializer):
    """?group= and ?action= of the audit log. A serializer rather than str.isdigit()
    and a raw filter: "²" passes isdigit() but not int(), and PostgreSQL refuses a
    NUL byte in a compared string; both were 500s."""

    # Bounded to the id column's range: SQLite raises OverflowError past it.
    group = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**63 - 1,
        error_messages={"invalid": GROUP_ID_NEEDED, "min_value": GROUP_ID_NEEDED, "max_value": GROUP_ID_NEEDED},
    )
    action = serializers.CharField(required=False, allow_blank=True, max_length=64)


class AuditLogSerializer(serializers.ModelSerializer):
    group = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = AuditLog
        fields = [
            "id",
            "created_at",
            "actor_label",
            "action",
            "group",
            "target_type",
            "target_id",
            "details",
        ]
        read_only_fields = fields
