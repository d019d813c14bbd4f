"""Series, sessions and attendance endpoints. Thin: parse, check who is asking,
call one service or selector, serialize."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import get_object_or_404
from django.utils import timezone as dj_timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sessions.api import examples
from sessions.api.access import group_by_slug, managed_group, require_group
from sessions.api.csv_export import csv_attachment
from sessions.api.serializers_public import with_cohort_label
from sessions.api.serializers_schedule import (
    MAX_RANGE_DAYS,
    AttendanceInputSerializer,
    DateRangeQuerySerializer,
    FollowUpSerializer,
    PublicGroupSessionsSerializer,
    SeriesChangeAnswerSerializer,
    SeriesInputSerializer,
    SeriesSerializer,
    SessionChangeAnswerSerializer,
    SessionChangeSerializer,
    SessionRosterSerializer,
    SessionSerializer,
)
from sessions.cohorts import cohort_progress
from sessions.hooks import series_edit_notices, session_change_notices
from sessions.models import Session, SessionSeries
from sessions.permissions import IsStaffUser
from sessions.selectors import attendance as attendance_selectors
from sessions.selectors import schedule as schedule_selectors
from sessions.services import attendance as attendance_services
from sessions.services import schedule as schedule_services


def _date_range(request, *, tz_name: str, default_start: dt.datetime, default_days: int):
    context = {"timezone": tz_name, "default_start": default_start, "default_days": default_days}
    query = DateRangeQuerySerializer(data=request.query_params, context=context)
    query.is_valid(raise_exception=True)
    return query.validated_data["start"], query.validated_data["end"]


# --- OpenAPI: these views are plain APIViews, so drf-spectacular needs to be told what they take and give.

TAGS = ["schedule"]
FORBIDDEN = OpenApiResponse(
    description="Signed in, but not a facilitator of this group or an admin of its organization"
)
NOT_FOUND = OpenApiResponse(description="No such group, series or session")
INVALID = OpenApiResponse(description="Invalid input; the body maps each bad field to its messages")
_RANGE_HELP = (
    "A date (2026-03-01, local to the group; as `to` it includes that whole day) "
    f"or a date-time with offset (2026-03-01T00:00:00-06:00). At most {MAX_RANGE_DAYS} days from `from` to `to`."
)


def _range_parameters(*, default_from: str, default_to: str) -> list[OpenApiParameter]:
    return [
        OpenApiParameter(
            "from", OpenApiTypes.STR, description=f"Start of the range (default: {default_from}). " + _RANGE_HELP
        ),
        OpenApiParameter("to", OpenApiTypes.STR, description=f"End of the range (default: {default_to})."),
    ]


SESSION_RANGE = _range_parameters(default_from="now", default_to="`from` plus the materialization horizon")
ATTENDANCE_RANGE = _range_parameters(default_from="90 days ago", default_to="`from` plus 91 days")


class GroupSeriesView(APIView):
    """GET/POST /api/manage/groups/{id}/series/"""

    permission_classes = [IsStaffUser]

    @extend_schema(
        summary="List a group's series",
        responses={200: SeriesSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.SERIES_EXAMPLE],
        tags=TAGS,
    )
    def get(self, request, group_id: int):
        group = managed_group(request, group_id)
        series = schedule_selectors.series_for_group(group=group)
        return Response(SeriesSerializer(series, many=True).data)

    @extend_schema(
        summary="Create a series",
        description="Materializes the series' sessions up to the horizon. `dtstart` is a wall-clock time "
        "in `timezone` (default: the group's zone, which is its venue's when it has one), without offset.",
        request=SeriesInputSerializer,
        responses={201: SeriesSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.SERIES_CREATE_EXAMPLE, examples.SERIES_MONTHLY_EXAMPLE, examples.SERIES_EXAMPLE],
        tags=TAGS,
    )
    def post(self, request, group_id: int):
        group = managed_group(request, group_id)
        payload = SeriesInputSerializer(data=request.data, context={"request": request})
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        series = schedule_services.series_create(
            group=group,
            rrule=data["rrule"],
            dtstart=data["dtstart"],
            timezone=data.get("timezone") or group.local_zone.key,
            duration_minutes=data["duration_minutes"],
            venue=data.get("venue"),
            actor=request.user,
        )
        return Response(SeriesSerializer(series).data, status=status.HTTP_201_CREATED)


class SeriesDetailView(APIView):
    """GET/PATCH/DELETE /api/manage/series/{id}/ (DELETE ends the series)."""

    permission_classes = [IsStaffUser]

    def _series(self, request, pk: int) -> SessionSeries:
        series = get_object_or_404(SessionSeries.objects.select_related("group", "group__organization", "venue"), pk=pk)
        require_group(request, series.group)
        return series

    @extend_schema(
        summary="Show a series",
        responses={200: SeriesSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.SERIES_EXAMPLE],
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(SeriesSerializer(self._series(request, pk)).data)

    @extend_schema(
        summary="Change a series",
        description="Regenerates future sessions; sessions a facilitator changed or cancelled, "
        "and past sessions, are kept. The answer's `notifications` says which members will be told, "
        "by text or email, and when; `unchanged` is true when the series already had this schedule "
        "(nothing changes and nobody is told).",
        request=SeriesInputSerializer,
        responses={200: SeriesChangeAnswerSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.SERIES_LATER_EXAMPLE, examples.SERIES_CHANGED_EXAMPLE],
        tags=TAGS,
    )
    def patch(self, request, pk: int):
        series = self._series(request, pk)
        payload = SeriesInputSerializer(data=request.data, partial=True, context={"request": request})
        payload.is_valid(raise_exception=True)
        before = series.sequence
        series = schedule_services.series_update(series=series, actor=request.user, **payload.validated_data)
        body = SeriesSerializer(series).data
        # Who will hear about it, how and when: from the notifications app, through a settings hook.
        body["notifications"] = series_edit_notices(series=series, sequence_before=before)
        return Response(body)

    @extend_schema(
        summary="End a series",
        description="Future sessions are removed; past sessions and their attendance stay.",
        responses={204: None, 403: FORBIDDEN, 404: NOT_FOUND},
        tags=TAGS,
    )
    def delete(self, request, pk: int):
        series = self._series(request, pk)
        schedule_services.series_end(series=series, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupSessionsView(APIView):
    """GET /api/manage/groups/{id}/sessions/?from=&to= — scheduled and cancelled."""

    permission_classes = [IsStaffUser]

    @extend_schema(
        summary="List a group's sessions",
        description="Scheduled and cancelled sessions starting in [from, to), times in the series' time zone.",
        parameters=SESSION_RANGE,
        responses={200: SessionSerializer(many=True), 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.SESSION_EXAMPLE],
        tags=TAGS,
    )
    def get(self, request, group_id: int):
        group = managed_group(request, group_id)
        now = dj_timezone.now()
        start, end = _date_range(
            request, tz_name=group.local_zone.key, default_start=now, default_days=schedule_services.horizon_days()
        )
        sessions = schedule_selectors.sessions_for_group(group=group, start=start, end=end)
        return Response(SessionSerializer(sessions, many=True).data)


class SessionDetailView(APIView):
    """GET/PATCH /api/manage/sessions/{id}/ — cancel, restore, move, venue, note."""

    permission_classes = [IsStaffUser]

    def _session(self, request, pk: int) -> Session:
        session = get_object_or_404(
            Session.objects.select_related("group", "group__organization", "series", "venue"), pk=pk
        )
        require_group(request, session.group)
        return session

    @extend_schema(
        summary="Show a session",
        responses={200: SessionSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.SESSION_EXAMPLE],
        tags=TAGS,
    )
    def get(self, request, pk: int):
        return Response(SessionSerializer(self._session(request, pk)).data)

    @extend_schema(
        summary="Cancel, restore, move or annotate a session",
        description="Cancel with `status: cancelled` and the reason in `note`; restore with "
        "`status: scheduled`; move with new `starts_at`/`ends_at`. Every change increments `sequence`. "
        "The answer's `notifications` says which members will be told, by text or email, and when "
        "(at once, or after quiet hours at HH:MM on their clock).",
        request=SessionChangeSerializer,
        responses={200: SessionChangeAnswerSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[
            examples.SESSION_CANCEL_EXAMPLE,
            examples.SESSION_MOVE_EXAMPLE,
            examples.SESSION_VENUE_EXAMPLE,
            examples.SESSION_CHANGED_EXAMPLE,
        ],
        tags=TAGS,
    )
    def patch(self, request, pk: int):
        session = self._session(request, pk)
        payload = SessionChangeSerializer(data=request.data, partial=True, context={"request": request})
        payload.is_valid(raise_exception=True)
        session = schedule_services.session_change(session=session, actor=request.user, **payload.validated_data)
        body = SessionSerializer(session).data
        # Who will hear about it, how and when: from the notifications app, through a settings hook.
        body["notifications"] = session_change_notices(session=session)
        return Response(body)


class SessionAttendanceView(APIView):
    """GET/PUT /api/manage/sessions/{id}/attendance/ — the roster with RSVPs and marks."""

    permission_classes = [IsStaffUser]

    def _session(self, request, pk: int) -> Session:
        session = get_object_or_404(Session.objects.select_related("group", "group__organization"), pk=pk)
        require_group(request, session.group)
        return session

    def _roster(self, session: Session) -> dict:
        roster = attendance_selectors.session_roster(session=session)
        return SessionRosterSerializer({"session": session.pk, "status": session.status, "roster": roster}).data

    @extend_schema(
        summary="A session's roster with RSVPs and attendance",
        responses={200: SessionRosterSerializer, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.ATTENDANCE_EXAMPLE],
        tags=TAGS,
    )
    def get(self, request, pk: int):
        session = self._session(request, pk)
        attendance_services.attendance_audit(
            actor=request.user, group=session.group, action="attendance.view", target=session
        )
        return Response(self._roster(session))

    @extend_schema(
        summary="Mark attendance",
        request=AttendanceInputSerializer,
        responses={200: SessionRosterSerializer, 400: INVALID, 403: FORBIDDEN, 404: NOT_FOUND},
        examples=[examples.ATTENDANCE_MARK_EXAMPLE, examples.ATTENDANCE_EXAMPLE],
        tags=TAGS,
    )
    def put(self, request, pk: int):
        session = self._session(request, pk)
        payload = AttendanceInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        marks = [(row["enrollment"], row["attendance"]) for row in payload.validated_data["marks"]]
        attendance_services.attendance_mark(session=session, marks=marks, actor=request.user)
        return Response(self._roster(session))


def _attendance_line(record) -> list:
    local_start = record.session.starts_at.astimezone(record.session.local_zone)
    return [
        record.session_id,
        local_start.date().isoformat(),
        local_start.isoformat(),
        record.session.status,
        record.enrollment_id,
        record.enrollment.member.display_name,
        record.rsvp,
        record.attendance,
    ]


class GroupAttendanceCsvView(APIView):
    """GET /api/manage/groups/{id}/attendance.csv?from=&to= (default: the last 90 days)."""

    permission_classes = [IsStaffUser]
    COLUMNS = ["session_id", "date", "starts_at", "session_status", "enrollment_id", "member", "rsvp", "attendance"]

    @extend_schema(
        summary="Attendance as CSV",
        description="One row per member per session: " + ", ".join(COLUMNS) + ". Dates and times are local "
        "to the series. Cells that a spreadsheet would run as a formula are prefixed with a quote.",
        parameters=ATTENDANCE_RANGE,
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="A CSV attachment"),
            400: INVALID,
            403: FORBIDDEN,
            404: NOT_FOUND,
        },
        tags=TAGS,
    )
    def get(self, request, group_id: int):
        group = managed_group(request, group_id)
        now = dj_timezone.now()
        start, end = _date_range(
            request, tz_name=group.local_zone.key, default_start=now - dt.timedelta(days=90), default_days=91
        )
        rows = [
            _attendance_line(record)
            for record in attendance_selectors.attendance_records(group=group, start=start, end=end)
        ]
        attendance_services.attendance_audit(
            actor=request.user,
            group=group,
            action="attendance.export",
            target=group,
            details={"from": start.isoformat(), "to": end.isoformat(), "rows": len(rows)},
        )
        return csv_attachment(filename=f"{group.slug}-attendance.csv", header=self.COLUMNS, rows=rows)


class GroupFollowUpView(APIView):
    """GET /api/manage/groups/{id}/follow-up/ — active members who missed their last two sessions."""

    permission_classes = [IsStaffUser]

    @extend_schema(
        summary="Members to check in with",
        description="Active members who missed their last two sessions where attendance was taken.",
        responses={200: FollowUpSerializer(many=True), 403: FORBIDDEN, 404: NOT_FOUND},
        tags=TAGS,
    )
    def get(self, request, group_id: int):
        group = managed_group(request, group_id)
        rows = attendance_selectors.follow_up_list(group=group)
        attendance_services.attendance_audit(
            actor=request.user,
            group=group,
            action="attendance.follow_up.view",
            target=group,
            details={"members": len(rows)},
        )
        return Response(FollowUpSerializer(rows, many=True).data)


class PublicGroupSessionsView(APIView):
    """GET /api/groups/{slug}/sessions/?from=&to= — upcoming sessions, no member data."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        summary="A group's upcoming sessions (public)",
        description="Upcoming sessions with start and end in ISO 8601 with offset and the time zone name. "
        "No member data, notes or conference links. `cohort` is null unless the group runs cycles.",
        parameters=SESSION_RANGE,
        responses={200: PublicGroupSessionsSerializer, 400: INVALID, 404: OpenApiResponse(description="No such group")},
    )
    def get(self, request, slug: str):
        group = group_by_slug(slug)
        now = dj_timezone.now()
        start, end = _date_range(
            request, tz_name=group.local_zone.key, default_start=now, default_days=schedule_services.horizon_days()
        )
        sessions = list(schedule_selectors.sessions_upcoming(group=group, now=max(start, now), end=end))
        cycle_weeks = {}
        for session in sessions:
            progress = cohort_progress(group, schedule_selectors.session_local_date(session))
            if progress and progress["week"]:
                cycle_weeks[session.pk] = progress["week"]
        cohort = with_cohort_label(schedule_selectors.group_cohort(group=group, now=now))
        body = {"group": group.slug, "timezone": group.local_zone.key, "cohort": cohort, "results": sessions}
        return Response(PublicGroupSessionsSerializer(body, context={"cycle_weeks": cycle_weeks}).data)
