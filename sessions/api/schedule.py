"""Series, sessions and attendance endpoints. Thin: parse, check who is asking,
call one service or selector, serialize."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone as dj_timezone
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from sessions.api.serializers_schedule import (
    AttendanceInputSerializer,
    FollowUpSerializer,
    PublicSessionSerializer,
    RosterEntrySerializer,
    SeriesInputSerializer,
    SeriesSerializer,
    SessionChangeSerializer,
    SessionSerializer,
)
from sessions.cohorts import cohort_progress
from sessions.models import Session, SessionSeries, SupportGroup
from sessions.permissions import IsStaffUser, can_manage_group
from sessions.selectors import attendance as attendance_selectors
from sessions.selectors import schedule as schedule_selectors
from sessions.services import attendance as attendance_services
from sessions.services import schedule as schedule_services

RANGE_INVALID = "Use a date (2026-03-01) or a date-time with offset (2026-03-01T00:00:00-06:00)."
RANGE_ORDER = "'to' must be after 'from'."
RANGE_TOO_LONG = "Ask for at most {days} days at a time."
NOT_YOUR_GROUP = "You do not manage this group."
MAX_RANGE_DAYS = 400


def _parse_bound(raw: str, *, name: str, tz: zoneinfo.ZoneInfo, end_of_day: bool) -> dt.datetime:
    raw = raw.strip()
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            if end_of_day:  # "to=2026-03-31" includes all of March 31st, local time.
                day += dt.timedelta(days=1)
            return schedule_services.local_to_utc(dt.datetime.combine(day, dt.time()), tz.key)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if value.tzinfo is None:
            return schedule_services.local_to_utc(value, tz.key)
        return value.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        raise serializers.ValidationError({name: [RANGE_INVALID]}) from None


def _date_range(request, *, tz_name: str, default_start: dt.datetime, default_days: int):
    tz = zoneinfo.ZoneInfo(tz_name)
    raw_from, raw_to = request.query_params.get("from"), request.query_params.get("to")
    start = _parse_bound(raw_from, name="from", tz=tz, end_of_day=False) if raw_from else default_start
    try:
        end = (
            _parse_bound(raw_to, name="to", tz=tz, end_of_day=True)
            if raw_to
            else start + dt.timedelta(days=default_days)
        )
    except OverflowError:
        raise serializers.ValidationError({"from": [RANGE_INVALID]}) from None
    if end <= start:
        raise serializers.ValidationError({"to": [RANGE_ORDER]})
    if end - start > dt.timedelta(days=MAX_RANGE_DAYS):
        raise serializers.ValidationError({"to": [RANGE_TOO_LONG.format(days=MAX_RANGE_DAYS)]})
    return start, end


def _managed_group(request, group_id: int) -> SupportGroup:
    group = get_object_or_404(SupportGroup.objects.select_related("organization"), pk=group_id)
    if not can_manage_group(request.user, group):
        raise PermissionDenied(NOT_YOUR_GROUP)
    return group


def _check_manages(request, group: SupportGroup) -> None:
    if not can_manage_group(request.user, group):
        raise PermissionDenied(NOT_YOUR_GROUP)


class GroupSeriesView(APIView):
    """GET/POST /api/manage/groups/{id}/series/"""

    permission_classes = [IsStaffUser]

    def get(self, request, group_id: int):
        group = _managed_group(request, group_id)
        series = schedule_selectors.series_for_group(group=group)
        return Response(SeriesSerializer(series, many=True).data)

    def post(self, request, group_id: int):
        group = _managed_group(request, group_id)
        payload = SeriesInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        series = schedule_services.series_create(
            group=group,
            rrule=data["rrule"],
            dtstart=data["dtstart"],
            timezone=data.get("timezone") or group.timezone,
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
        _check_manages(request, series.group)
        return series

    def get(self, request, pk: int):
        return Response(SeriesSerializer(self._series(request, pk)).data)

    def patch(self, request, pk: int):
        series = self._series(request, pk)
        payload = SeriesInputSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        series = schedule_services.series_update(series=series, actor=request.user, **payload.validated_data)
        return Response(SeriesSerializer(series).data)

    def delete(self, request, pk: int):
        series = self._series(request, pk)
        schedule_services.series_end(series=series, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class GroupSessionsView(APIView):
    """GET /api/manage/groups/{id}/sessions/?from=&to= — scheduled and cancelled."""

    permission_classes = [IsStaffUser]

    def get(self, request, group_id: int):
        group = _managed_group(request, group_id)
        now = dj_timezone.now()
        start, end = _date_range(
            request, tz_name=group.timezone, default_start=now, default_days=schedule_services.horizon_days()
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
        _check_manages(request, session.group)
        return session

    def get(self, request, pk: int):
        return Response(SessionSerializer(self._session(request, pk)).data)

    def patch(self, request, pk: int):
        session = self._session(request, pk)
        payload = SessionChangeSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        session = schedule_services.session_change(session=session, actor=request.user, **payload.validated_data)
        return Response(SessionSerializer(session).data)


class SessionAttendanceView(APIView):
    """GET/PUT /api/manage/sessions/{id}/attendance/ — the roster with RSVPs and marks."""

    permission_classes = [IsStaffUser]

    def _session(self, request, pk: int) -> Session:
        session = get_object_or_404(Session.objects.select_related("group", "group__organization"), pk=pk)
        _check_manages(request, session.group)
        return session

    def _roster(self, session: Session) -> dict:
        roster = attendance_selectors.session_roster(session=session)
        return {
            "session": session.pk,
            "status": session.status,
            "roster": RosterEntrySerializer(roster, many=True).data,
        }

    def get(self, request, pk: int):
        session = self._session(request, pk)
        attendance_services.attendance_audit(
            actor=request.user, group=session.group, action="attendance.view", target=session
        )
        return Response(self._roster(session))

    def put(self, request, pk: int):
        session = self._session(request, pk)
        payload = AttendanceInputSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        marks = [(row["enrollment"], row["attendance"]) for row in payload.validated_data["marks"]]
        attendance_services.attendance_mark(session=session, marks=marks, actor=request.user)
        return Response(self._roster(session))


# Spreadsheet apps run cells starting with these as formulas (CSV injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def _csv_safe(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_PREFIXES) else text


class GroupAttendanceCsvView(APIView):
    """GET /api/manage/groups/{id}/attendance.csv?from=&to= (default: the last 90 days)."""

    permission_classes = [IsStaffUser]
    COLUMNS = ["session_id", "date", "starts_at", "session_status", "enrollment_id", "member", "rsvp", "attendance"]

    def get(self, request, group_id: int):
        group = _managed_group(request, group_id)
        now = dj_timezone.now()
        start, end = _date_range(
            request, tz_name=group.timezone, default_start=now - dt.timedelta(days=90), default_days=91
        )
        rows = attendance_selectors.attendance_records(group=group, start=start, end=end)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(self.COLUMNS)
        count = 0
        for row in rows:
            tz = zoneinfo.ZoneInfo(row.session.series.timezone)
            local_start = row.session.starts_at.astimezone(tz)
            writer.writerow(
                [
                    row.session_id,
                    local_start.date().isoformat(),
                    local_start.isoformat(),
                    row.session.status,
                    row.enrollment_id,
                    _csv_safe(row.enrollment.member.display_name),
                    row.rsvp,
                    row.attendance or "",
                ]
            )
            count += 1
        attendance_services.attendance_audit(
            actor=request.user,
            group=group,
            action="attendance.export",
            target=group,
            details={"from": start.isoformat(), "to": end.isoformat(), "rows": count},
        )
        response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{group.slug}-attendance.csv"'
        response["Cache-Control"] = "private, no-store"
        return response


class GroupFollowUpView(APIView):
    """GET /api/manage/groups/{id}/follow-up/ — active members who missed their last two sessions."""

    permission_classes = [IsStaffUser]

    def get(self, request, group_id: int):
        group = _managed_group(request, group_id)
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

    def get(self, request, slug: str):
        group = get_object_or_404(SupportGroup, slug=slug)
        now = dj_timezone.now()
        start, end = _date_range(
            request, tz_name=group.timezone, default_start=now, default_days=schedule_services.horizon_days()
        )
        sessions = list(schedule_selectors.sessions_upcoming(group=group, now=max(start, now), end=end))
        cycle_weeks = {}
        for session in sessions:
            progress = cohort_progress(group, schedule_selectors.session_local_date(session))
            if progress and progress["week"]:
                cycle_weeks[session.pk] = progress["week"]
        cohort = schedule_selectors.group_cohort(group=group, now=now)
        if cohort is not None and cohort["week"]:
            cohort["label"] = f"week {cohort['week']} of {cohort['weeks']}"
        elif cohort is not None:
            cohort["label"] = None
        return Response(
            {
                "group": group.slug,
                "timezone": group.timezone,
                "cohort": cohort,
                "results": PublicSessionSerializer(sessions, many=True, context={"cycle_weeks": cycle_weeks}).data,
            }
        )
