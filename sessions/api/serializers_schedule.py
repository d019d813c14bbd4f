"""Serializers for series, sessions and attendance. Thin: validation of rules lives
in the services; these only turn JSON into typed values and back."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from sessions.api.serializers_manage import CallerVenueField, QueryText
from sessions.models import Attendance, Session, SessionSeries, Venue
from sessions.services.schedule import DTSTART_HAS_OFFSET, SESSION_NAIVE_TIME, local_to_utc, series_local_dtstart

LOCAL_DATETIME_INVALID = "Enter a local date-time such as 2026-01-06T19:00."
DATETIME_INVALID = "Enter a date-time with its UTC offset, such as 2026-03-10T19:00:00-05:00."
RANGE_INVALID = "Use a date (2026-03-01) or a date-time with offset (2026-03-01T00:00:00-06:00)."
RANGE_ORDER = "'to' must be after 'from'."
RANGE_TOO_LONG = "Ask for at most {days} days at a time."
MAX_RANGE_DAYS = 400


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$",
        "example": "2026-01-06T19:00",
        "description": "Wall-clock date-time in the series' time zone, without offset",
    }
)
class LocalDateTimeField(serializers.Field):
    """A wall-clock date-time without offset (the series' own time zone applies)."""

    def to_internal_value(self, data) -> dt.datetime:
        if not isinstance(data, str):
            raise serializers.ValidationError(LOCAL_DATETIME_INVALID)
        try:
            value = dt.datetime.fromisoformat(data.strip())
        except ValueError:
            raise serializers.ValidationError(LOCAL_DATETIME_INVALID) from None
        if value.tzinfo is not None:
            raise serializers.ValidationError(DTSTART_HAS_OFFSET)
        return value

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


@extend_schema_field(OpenApiTypes.DATETIME)
class AwareDateTimeField(serializers.Field):
    """An instant: ISO 8601 with an offset (or Z). A bare local time is ambiguous here."""

    def to_internal_value(self, data) -> dt.datetime:
        if not isinstance(data, str):
            raise serializers.ValidationError(DATETIME_INVALID)
        try:
            value = dt.datetime.fromisoformat(data.strip().replace("Z", "+00:00"))
        except ValueError:
            raise serializers.ValidationError(DATETIME_INVALID) from None
        if value.tzinfo is None:
            raise serializers.ValidationError(SESSION_NAIVE_TIME)
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise serializers.ValidationError(DATETIME_INVALID) from None

    def to_representation(self, value: dt.datetime) -> str:
        return value.isoformat()


class VenueRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["id", "name", "address", "city", "region", "country"]


class SeriesInputSerializer(serializers.Serializer):
    rrule = serializers.CharField(max_length=500)
    dtstart = LocalDateTimeField()
    timezone = serializers.CharField(max_length=64, required=False)
    duration_minutes = serializers.IntegerField()
    venue = CallerVenueField(allow_null=True, required=False)


class SeriesSerializer(serializers.ModelSerializer):
    dtstart = serializers.SerializerMethodField()
    venue = VenueRefSerializer(allow_null=True)

    class Meta:
        model = SessionSeries
        fields = [
            "id",
            "group",
            "rrule",
            "dtstart",
            "timezone",
            "duration_minutes",
            "venue",
            "active",
            "sequence",
            "materialized_until",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field({"type": "string", "example": "2026-01-06T19:00:00"})
    def get_dtstart(self, series: SessionSeries) -> str:
        return series_local_dtstart(series).isoformat()


def _local_iso(value: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return value.astimezone(zone).isoformat()


class SessionSerializer(serializers.ModelSerializer):
    """Staff view of a session: times as ISO 8601 in the series' zone, with offset."""

    starts_at = serializers.SerializerMethodField()
    ends_at = serializers.SerializerMethodField()
    original_start = serializers.SerializerMethodField()
    timezone = serializers.CharField(source="local_zone.key")
    venue = VenueRefSerializer(allow_null=True)

    class Meta:
        model = Session
        fields = [
            "id",
            "series",
            "group",
            "starts_at",
            "ends_at",
            "original_start",
            "timezone",
            "status",
            "note",
            "venue",
            "sequence",
            "modified",
        ]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_starts_at(self, session: Session) -> str:
        return _local_iso(session.starts_at, session.local_zone)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_ends_at(self, session: Session) -> str:
        return _local_iso(session.ends_at, session.local_zone)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_original_start(self, session: Session) -> str:
        return _local_iso(session.original_start, session.local_zone)


class SessionNoticeSerializer(serializers.Serializer):
    """One notice a session change will send (sessions.hooks.session_change_notices)."""

    first_name = serializers.CharField()
    channel = serializers.ChoiceField(choices=["sms", "email"])
    when = serializers.ChoiceField(
        choices=["at_once", "after_quiet_hours", "before_session"],
        help_text="at_once; after_quiet_hours (a text held until quiet hours end on the member's clock); "
        "before_session (a far-off cancellation is texted a week before the day)",
    )
    send_at = serializers.DateTimeField(help_text="When it goes, in the member's time zone")
    local_time = serializers.CharField(help_text="HH:MM on the member's clock")
    timezone = serializers.CharField()
    summary = serializers.CharField(help_text='For people: "Ana: text after quiet hours, at 08:00 their time"')


class SessionChangeNoticesSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["session_cancelled", "session_changed"],
        allow_null=True,
        help_text="null when members are not told (a note, or a change undone before it was sent)",
    )
    notices = SessionNoticeSerializer(many=True)
    not_notified = serializers.ListField(
        child=serializers.CharField(), help_text="First names of active members with no text or email to reach"
    )


class SeriesChangeNoticesSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["series_changed"],
        allow_null=True,
        help_text="null when members are not told: the series already had this schedule (`unchanged`), "
        "or this change was already planned and shown",
    )
    unchanged = serializers.BooleanField(help_text="true when the series already had this schedule: nothing changed")
    notices = SessionNoticeSerializer(many=True)
    not_notified = serializers.ListField(
        child=serializers.CharField(), help_text="First names of active members with no text or email to reach"
    )


class SeriesChangeAnswerSerializer(SeriesSerializer):
    """The series after an edit, and who will be told about it, how and when."""

    notifications = SeriesChangeNoticesSerializer(read_only=True)

    class Meta(SeriesSerializer.Meta):
        fields = [*SeriesSerializer.Meta.fields, "notifications"]


class SessionChangeAnswerSerializer(SessionSerializer):
    """The session after a change, and who will be told about it, how and when."""

    notifications = SessionChangeNoticesSerializer(read_only=True)

    class Meta(SessionSerializer.Meta):
        fields = [*SessionSerializer.Meta.fields, "notifications"]


class SessionChangeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Session.Status.choices, required=False)
    note = serializers.CharField(allow_blank=True, required=False, max_length=2000)
    starts_at = AwareDateTimeField(required=False)
    ends_at = AwareDateTimeField(required=False)
    venue = CallerVenueField(allow_null=True, required=False)


class PublicVenueSerializer(serializers.ModelSerializer):
    class Meta:
        model = Venue
        fields = ["name", "address", "city", "region", "postal_code", "country"]


class PublicSessionSerializer(serializers.ModelSerializer):
    """What anyone may see of a session: when, where, whether it's on. No note, no
    conference link, nothing about who comes."""

    starts_at = serializers.SerializerMethodField()
    ends_at = serializers.SerializerMethodField()
    timezone = serializers.CharField(source="local_zone.key")
    venue = serializers.SerializerMethodField()
    cycle_week = serializers.SerializerMethodField()

    class Meta:
        model = Session
        fields = ["id", "starts_at", "ends_at", "timezone", "status", "venue", "cycle_week"]

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_starts_at(self, session: Session) -> str:
        return _local_iso(session.starts_at, session.local_zone)

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_ends_at(self, session: Session) -> str:
        return _local_iso(session.ends_at, session.local_zone)

    @extend_schema_field(PublicVenueSerializer(allow_null=True))
    def get_venue(self, session: Session) -> dict | None:
        venue = session.effective_venue
        return PublicVenueSerializer(venue).data if venue is not None else None

    def get_cycle_week(self, session: Session) -> int | None:
        weeks = self.context.get("cycle_weeks")
        return weeks.get(session.pk) if weeks else None


class RosterEntrySerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="enrollment_id")
    member = serializers.IntegerField(source="member_id")
    display_name = serializers.CharField()
    enrollment_status = serializers.CharField()
    rsvp = serializers.CharField()
    attendance = serializers.CharField(allow_null=True)


class MarkSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField()
    attendance = serializers.ChoiceField(choices=Attendance.Mark.choices, allow_null=True)


class AttendanceInputSerializer(serializers.Serializer):
    marks = MarkSerializer(many=True, allow_empty=False)


class FollowUpSerializer(serializers.Serializer):
    enrollment = serializers.IntegerField(source="enrollment_id")
    member = serializers.IntegerField(source="member_id")
    display_name = serializers.CharField()
    missed_sessions = serializers.ListField(source="missed_session_ids", child=serializers.IntegerField())
    last_attended_at = serializers.DateTimeField(allow_null=True)


class SessionRosterSerializer(serializers.Serializer):
    """GET/PUT /api/manage/sessions/{id}/attendance/: the session, its status, its roster."""

    session = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Session.Status.choices)
    roster = RosterEntrySerializer(many=True)


class CohortSerializer(serializers.Serializer):
    week = serializers.IntegerField(allow_null=True, help_text="Week of the cycle of the next session")
    weeks = serializers.IntegerField(help_text="Weeks in a cycle")
    next_cycle_start = serializers.DateField()
    next_session_id = serializers.IntegerField(allow_null=True)
    label = serializers.CharField(allow_null=True, help_text='e.g. "week 3 of 13"')


class PublicGroupSessionsSerializer(serializers.Serializer):
    """GET /api/groups/{slug}/sessions/: upcoming sessions; cohort is null unless the group runs cycles."""

    group = serializers.SlugField()
    timezone = serializers.CharField()
    cohort = CohortSerializer(allow_null=True)
    results = PublicSessionSerializer(many=True)


def _range_bound(raw: str, *, name: str, tz: zoneinfo.ZoneInfo, end_of_day: bool) -> dt.datetime:
    raw = raw.strip()
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            if end_of_day:  # "to=2026-03-31" includes all of March 31st, local time.
                day += dt.timedelta(days=1)
            return local_to_utc(dt.datetime.combine(day, dt.time()), tz.key)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if value.tzinfo is None:
            return local_to_utc(value, tz.key)
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise serializers.ValidationError({name: [RANGE_INVALID]}) from None


class DateRangeQuerySerializer(serializers.Serializer):
    """?from=&to= of a list by date, validated into {"start", "end"} (UTC). Each bound is a
    date, local to `context["timezone"]` (as `to` it includes that whole day), or a
    date-time; missing, `from` is `context["default_start"]` and `to` is
    `context["default_days"]` after `from`. One error at a time, `from` first."""

    def get_fields(self) -> dict:
        # "from" is a Python keyword, so the fields cannot be class attributes.
        return {"from": QueryText(required=False), "to": QueryText(required=False)}

    def validate(self, attrs: dict) -> dict:
        tz = zoneinfo.ZoneInfo(self.context["timezone"])
        raw_from, raw_to = attrs.get("from"), attrs.get("to")
        start = (
            _range_bound(raw_from, name="from", tz=tz, end_of_day=False) if raw_from else self.context["default_start"]
        )
        try:
            end = (
                _range_bound(raw_to, name="to", tz=tz, end_of_day=True)
                if raw_to
                else start + dt.timedelta(days=self.context["default_days"])
            )
        except OverflowError:
            raise serializers.ValidationError({"from": [RANGE_INVALID]}) from None
        if end <= start:
            raise serializers.ValidationError({"to": [RANGE_ORDER]})
        if end - start > dt.timedelta(days=MAX_RANGE_DAYS):
            raise serializers.ValidationError({"to": [RANGE_TOO_LONG.format(days=MAX_RANGE_DAYS)]})
        return {"start": start, "end": end}
