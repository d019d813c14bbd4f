"""Public serializers: what anyone on the internet may send and see. No member data."""

from __future__ import annotations

import datetime as dt

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sessions.cohorts import cohort_progress
from sessions.models import Session, SupportGroup, Venue
from sessions.selectors.search import ACCESSIBILITY_FIELDS, DAY_CODES, ORDERINGS, TIME_OF_DAY_HOURS
from sessions.services.places import KM_PER_MILE
from sessions.validators import validate_timezone

MIN_RADIUS_KM = 1.0
MAX_RADIUS_KM = 500.0
RADIUS_OUT_OF_RANGE = "Radius must be between {min} and {max} {unit}."
RADIUS_TWICE = "Give radius_km or radius_mi, not both."
JOIN_NEEDS_CONTACT = "Give a phone number or an email address so the group can reach you."
SMS_NEEDS_PHONE = "Text reminders need a phone number."
EMAIL_NEEDS_ADDRESS = "Email reminders need an email address."


CHOOSE_ONE_OF = '"{input}" is not a valid choice. Choose one of: {choices}.'


class _ListsChoices:
    """A wrong choice's message lists the valid ones, so a caller can correct it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        valid = ", ".join(str(key) for key in self.choices)
        self.error_messages["invalid_choice"] = CHOOSE_ONE_OF.replace("{choices}", valid)


class _Choice(_ListsChoices, serializers.ChoiceField):
    pass


class _Choices(_ListsChoices, serializers.MultipleChoiceField):
    """Repeatable query parameter (?topic=a&topic=b) that keeps the order given."""

    def to_internal_value(self, data):
        return tuple(sorted(super().to_internal_value(data)))


class GroupSearchParamsSerializer(serializers.Serializer):
    near = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text='Where to search: a ZIP or postal code, "City, ST", "City, Country" or "lat,lng"',
    )
    radius_km = serializers.FloatField(
        required=False, help_text=f"Search radius around `near` in km ({MIN_RADIUS_KM:g}-{MAX_RADIUS_KM:g}; default 40)"
    )
    radius_mi = serializers.FloatField(required=False, help_text="The radius in miles instead (not both)")
    topic = _Choices(
        choices=SupportGroup.Topic.choices, required=False, help_text="What the group is about; repeat for several"
    )
    audience = _Choice(choices=SupportGroup.Audience.choices, required=False, help_text="Who the group is for")
    format = _Choice(
        choices=SupportGroup.Format.choices, required=False, help_text="Meets in person, online, or both (hybrid)"
    )
    include_online = serializers.BooleanField(
        required=False, default=False, help_text="With `near`: also list online groups, wherever they are"
    )
    day = _Choices(choices=DAY_CODES, required=False, help_text="Weekday of the next session; repeat for several")
    time_of_day = _Choice(
        choices=tuple(TIME_OF_DAY_HOURS),
        required=False,
        help_text="Local start time: morning (5-12), afternoon (12-17) or evening (17-5)",
    )
    language = serializers.RegexField(
        r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$",
        required=False,
        max_length=35,
        help_text="Language the group meets in, as a language tag (en, es, pt-BR)",
    )
    accessibility = _Choices(
        choices=tuple(ACCESSIBILITY_FIELDS), required=False, help_text="Access the venue must offer; repeat for several"
    )
    cost = _Choice(choices=SupportGroup.Cost.choices, required=False, help_text="Free, donation or fee")
    faith = _Choice(
        choices=("faith_based", "secular"), required=False, help_text="Faith-based groups only, or secular only"
    )
    has_openings = serializers.BooleanField(
        required=False, default=False, help_text="Only groups with a free seat (no waitlist)"
    )
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Words in the group's name or description, or its organization's name",
    )
    ordering = _Choice(
        choices=ORDERINGS,
        required=False,
        help_text="distance (needs `near`) or next_session; default: distance with `near`, else next session",
    )

    def validate_radius_km(self, value: float) -> float:
        if not MIN_RADIUS_KM <= value <= MAX_RADIUS_KM:
            raise serializers.ValidationError(
                RADIUS_OUT_OF_RANGE.format(min=MIN_RADIUS_KM, max=MAX_RADIUS_KM, unit="km")
            )
        return value

    def validate_radius_mi(self, value: float) -> float:
        low, high = round(MIN_RADIUS_KM / KM_PER_MILE, 2), round(MAX_RADIUS_KM / KM_PER_MILE, 1)
        if not low <= value <= high:
            raise serializers.ValidationError(RADIUS_OUT_OF_RANGE.format(min=low, max=high, unit="miles"))
        return value

    def validate(self, attrs: dict) -> dict:
        if "radius_km" in attrs and "radius_mi" in attrs:
            raise serializers.ValidationError({"radius_mi": RADIUS_TWICE})
        return attrs


class VenuePublicSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = [
            "name",
            "address",
            "city",
            "region",
            "postal_code",
            "country",
            "latitude",
            "longitude",
            "location_approximate",
        ]


class VenueSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["name", "city", "region", "postal_code", "country", "latitude", "longitude"]


def _seats(group: SupportGroup) -> dict:
    if group.capacity is None:
        return {"seats_left": None, "full": False}
    left = max(group.capacity - group.active_count, 0)
    return {"seats_left": left, "full": left == 0}


def with_cohort_label(progress: dict | None) -> dict | None:
    """A cohort_progress() answer with its "week 4 of 13" label (None before the first cycle starts)."""
    if progress is None:
        return None
    label = f"week {progress['week']} of {progress['weeks']}" if progress["week"] else None
    return {**progress, "label": label}


def _cohort(group: SupportGroup, next_start: dt.datetime | None) -> dict | None:
    local_date = next_start.astimezone(group.local_zone).date() if next_start else None
    return with_cohort_label(cohort_progress(group, local_date))


class GroupSearchResultSerializer(serializers.ModelSerializer):
    organization = serializers.CharField(source="organization.name")
    venue = VenueSummarySerializer(allow_null=True)
    distance_km = serializers.SerializerMethodField()
    distance_mi = serializers.SerializerMethodField()
    next_session = serializers.SerializerMethodField()
    seats_left = serializers.SerializerMethodField()
    full = serializers.SerializerMethodField()
    accepts_new_members = serializers.SerializerMethodField()
    cohort = serializers.SerializerMethodField()

    class Meta:
        model = SupportGroup
        fields = [
            "id",
            "slug",
            "name",
            "topic",
            "audience",
            "format",
            "language",
            "organization",
            "venue",
            "distance_km",
            "distance_mi",
            "next_session",
            "seats_left",
            "full",
            "accepts_new_members",
            "enrollment_mode",
            "cohort",
        ]

    def get_distance_km(self, group) -> float | None:
        distance = getattr(group, "distance_km", None)
        return None if distance is None else round(distance, 2)

    def get_distance_mi(self, group) -> float | None:
        distance = getattr(group, "distance_km", None)
        return None if distance is None else round(distance / KM_PER_MILE, 2)

    def get_next_session(self, group) -> dict | None:
        if group.next_starts_at is None:
            return None
        zone = group.local_zone
        return {
            "starts_at": group.next_starts_at.astimezone(zone).isoformat(),
            "ends_at": group.next_ends_at.astimezone(zone).isoformat(),
            "timezone": zone.key,
        }

    def get_seats_left(self, group) -> int | None:
        return _seats(group)["seats_left"]

    def get_full(self, group) -> bool:
        return _seats(group)["full"]

    def get_accepts_new_members(self, group) -> bool:
        # A full group still takes names for its waitlist, but has no seat to offer.
        return not _seats(group)["full"]

    def get_cohort(self, group) -> dict | None:
        return _cohort(group, group.next_starts_at)


class SessionPublicSerializer(serializers.ModelSerializer):
    starts_at = serializers.SerializerMethodField()
    ends_at = serializers.SerializerMethodField()
    venue = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["starts_at", "ends_at", "status", "venue"]

    def _local(self, session: Session, value: dt.datetime) -> str:
        # In the session's zone, as the public sessions API and the calendar give it.
        return value.astimezone(session.local_zone).isoformat()

    def get_starts_at(self, session) -> str:
        return self._local(session, session.starts_at)

    def get_ends_at(self, session) -> str:
        return self._local(session, session.ends_at)

    @extend_schema_field(VenueSummarySerializer(allow_null=True))
    def get_venue(self, session) -> dict | None:
        venue = session.effective_venue
        return VenueSummarySerializer(venue).data if venue else None


class GroupDetailSerializer(GroupSearchResultSerializer):
    organization = serializers.SerializerMethodField()
    venue = VenuePublicSerializer(allow_null=True)
    timezone = serializers.SerializerMethodField()
    accessibility = serializers.ListField(child=serializers.CharField(), read_only=True)
    accessibility_notes = serializers.SerializerMethodField()
    facilitators = serializers.ListField(source="facilitator_first_names", child=serializers.CharField())
    upcoming_sessions = serializers.SerializerMethodField()

    class Meta(GroupSearchResultSerializer.Meta):
        fields = [f for f in GroupSearchResultSerializer.Meta.fields if f not in ("distance_km", "distance_mi")] + [
            "description",
            "what_to_expect",
            "timezone",
            "capacity",
            "cost",
            "faith_based",
            "peer_led",
            "accessibility",
            "accessibility_notes",
            "facilitators",
            "upcoming_sessions",
            "listed",
        ]

    def get_organization(self, group) -> dict:
        org = group.organization
        return {"name": org.name, "email": org.contact_email, "phone": org.contact_phone, "website": org.website}

    def get_timezone(self, group) -> str:
        return group.local_zone.key

    def get_accessibility_notes(self, group) -> str:
        return group.venue.accessibility_notes if group.venue_id else ""

    def get_upcoming_sessions(self, group) -> list[dict]:
        return SessionPublicSerializer(group.upcoming, many=True, context={"group": group}).data


class JoinSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=80)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.EmailField(required=False, allow_blank=True)
    sms_reminders = serializers.BooleanField(required=False, default=False)
    email_reminders = serializers.BooleanField(required=False, default=False)
    time_zone = serializers.CharField(required=False, allow_blank=True, validators=[validate_timezone])
    note = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    def validate(self, attrs: dict) -> dict:
        if not attrs.get("phone") and not attrs.get("email"):
            raise serializers.ValidationError({"phone": JOIN_NEEDS_CONTACT})
        if attrs.get("sms_reminders") and not attrs.get("phone"):
            raise serializers.ValidationError({"phone": SMS_NEEDS_PHONE})
        if attrs.get("email_reminders") and not attrs.get("email"):
            raise serializers.ValidationError({"email": EMAIL_NEEDS_ADDRESS})
        return attrs


class JoinRequestedSerializer(serializers.Serializer):
    """The answer to every public join: built only from what was typed."""

    status = serializers.ChoiceField(choices=["waiting_for_confirmation"])
    request_url = serializers.URLField(help_text="The handle on this request only: GET to see it, DELETE to cancel")
    request_token = serializers.CharField()
    confirm_by = serializers.ListField(child=serializers.ChoiceField(choices=["sms", "email"]))
    contacts = serializers.ListField(child=serializers.CharField(), help_text="Masked")
    expires_at = serializers.DateTimeField()
    messages = serializers.ListField(child=serializers.CharField())


class JoinRequestStateSerializer(serializers.Serializer):
    """What the request handle shows. `status` never says whether the request was confirmed."""

    group_name = serializers.CharField()
    group_slug = serializers.CharField()
    status = serializers.ChoiceField(choices=["waiting_for_confirmation", "cancelled", "expired"])
    contacts = serializers.ListField(child=serializers.CharField())
    expires_at = serializers.DateTimeField()
    messages = serializers.ListField(child=serializers.CharField())


class EmailConfirmationStateSerializer(serializers.Serializer):
    group_name = serializers.CharField(allow_null=True)
    group_slug = serializers.CharField(allow_null=True)
    contact = serializers.CharField()
    status = serializers.ChoiceField(choices=["waiting_for_confirmation", "confirmed", "expired"])
    confirm = serializers.CharField()


class EmailConfirmedSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["confirmed"])
    group_name = serializers.CharField(allow_null=True)
    group_slug = serializers.CharField(allow_null=True)
    enrollment_status = serializers.CharField(allow_null=True)
    waitlist_position = serializers.IntegerField(allow_null=True)
    self_service_url = serializers.URLField()
    messages = serializers.ListField(child=serializers.CharField())


class MeetingGuideMeetingSerializer(serializers.Serializer):
    """One meeting of the Meeting Guide feed (documented for the OpenAPI schema; empty fields are omitted)."""

    name = serializers.CharField()
    slug = serializers.CharField()
    day = serializers.JSONField(help_text="0 (Sunday) to 6, or a list of them")
    time = serializers.CharField(help_text="HH:MM local")
    end_time = serializers.CharField()
    timezone = serializers.CharField()
    types = serializers.ListField(child=serializers.CharField())
    notes = serializers.CharField(required=False)
    url = serializers.URLField()
    updated = serializers.CharField(help_text="UTC, YYYY-MM-DD HH:MM:SS")
    group = serializers.CharField()
    entity = serializers.CharField()
    entity_email = serializers.CharField(required=False)
    entity_phone = serializers.CharField(required=False)
    entity_url = serializers.CharField(required=False)
    location = serializers.CharField(required=False)
    location_notes = serializers.CharField(required=False)
    formatted_address = serializers.CharField(required=False)
    address = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    state = serializers.CharField(required=False)
    postal_code = serializers.CharField(required=False)
    country = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    latitude = serializers.FloatField(required=False)
    longitude = serializers.FloatField(required=False)
    approximate = serializers.CharField(required=False)
