from __future__ import annotations

import csv
import datetime as dt
import io
import zoneinfo

import pytest
from django.utils import timezone

from sessions.api.access import NOT_YOUR_GROUP
from sessions.models import Attendance, AuditLog, Session, SessionSeries
from sessions.services import attendance as attendance_services
from sessions.services import schedule
from tests.factories import (
    EnrollmentFactory,
    FacilitatorFactory,
    MemberFactory,
    SupportGroupFactory,
    UserFactory,
    VenueFactory,
)

pytestmark = pytest.mark.django_db

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


def _next_tuesday_local(hour: int = 19) -> dt.datetime:
    day = timezone.now().astimezone(CHICAGO).date() + dt.timedelta(days=2)
    while day.weekday() != 1:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour))


@pytest.fixture
def group():
    return SupportGroupFactory()


@pytest.fixture
def facilitator(group):
    return FacilitatorFactory(group=group, role="co").user


@pytest.fixture
def series(group):
    return schedule.series_create(
        group=group,
        rrule="FREQ=WEEKLY;BYDAY=TU",
        dtstart=_next_tuesday_local(),
        timezone="America/Chicago",
        duration_minutes=90,
    )


@pytest.fixture
def past_session(series):
    """A session that has happened (moved into the past directly in the database)."""
    session = Session.objects.filter(series=series).order_by("starts_at").first()
    session.starts_at = timezone.now() - dt.timedelta(days=1)
    session.ends_at = session.starts_at + dt.timedelta(minutes=90)
    session.save()
    return session


def _as(api_client, user):
    api_client.force_authenticate(user)
    return api_client


# --- Who may do what -----------------------------------------------------------------------


def _endpoints(group, series, session):
    return [
        ("get", f"/api/manage/groups/{group.pk}/series/", None),
        ("post", f"/api/manage/groups/{group.pk}/series/", {"rrule": "FREQ=WEEKLY;BYDAY=TU"}),
        ("get", f"/api/manage/series/{series.pk}/", None),
        ("patch", f"/api/manage/series/{series.pk}/", {"duration_minutes": 60}),
        ("delete", f"/api/manage/series/{series.pk}/", None),
        ("get", f"/api/manage/groups/{group.pk}/sessions/", None),
        ("get", f"/api/manage/sessions/{session.pk}/", None),
        ("patch", f"/api/manage/sessions/{session.pk}/", {"note": "x"}),
        ("get", f"/api/manage/sessions/{session.pk}/attendance/", None),
        ("put", f"/api/manage/sessions/{session.pk}/attendance/", {"marks": []}),
        ("get", f"/api/manage/groups/{group.pk}/attendance.csv", None),
        ("get", f"/api/manage/groups/{group.pk}/follow-up/", None),
    ]


def test_every_management_endpoint_refuses_anonymous_callers_and_other_groups_staff(api_client, group, series):
    session = Session.objects.filter(series=series).first()
    other_facilitator = FacilitatorFactory().user
    other_admin = UserFactory()
    SupportGroupFactory().organization.admins.add(other_admin)
    for method, url, body in _endpoints(group, series, session):
        api_client.force_authenticate(None)
        assert getattr(api_client, method)(url, body, format="json").status_code == 401, (method, url)
        for user in (other_facilitator, other_admin, UserFactory()):
            api_client.force_authenticate(user)
            response = getattr(api_client, method)(url, body, format="json")
            assert response.status_code == 403, (method, url, response.content)
            if user in (other_facilitator, other_admin):
                assert response.json() == {"detail": NOT_YOUR_GROUP}, (method, url)
    series.refresh_from_db()
    session.refresh_from_db()
    assert series.active and session.note == "" and session.sequence == 0
    assert not AuditLog.objects.filter(action__startswith="attendance").exists()


def test_facilitators_and_organization_admins_can_read(api_client, group, series, facilitator):
    admin = UserFactory()
    group.organization.admins.add(admin)
    session = Session.objects.filter(series=series).first()
    for user in (facilitator, admin):
        _as(api_client, user)
        for method, url, _ in _endpoints(group, series, session):
            if method == "get":
                assert api_client.get(url).status_code == 200, url


def test_unknown_ids_are_404(api_client, facilitator):
    _as(api_client, facilitator)
    assert api_client.get("/api/manage/groups/999999/series/").status_code == 404
    assert api_client.get("/api/manage/sessions/999999/attendance/").status_code == 404
    assert api_client.get("/api/groups/nope/sessions/").status_code == 404


# --- Series ------------------------------------------------------------------------------


def test_create_series_materializes_sessions_and_defaults_to_the_group_time_zone(api_client, group, facilitator):
    dtstart = _next_tuesday_local()
    response = _as(api_client, facilitator).post(
        f"/api/manage/groups/{group.pk}/series/",
        {"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=13", "dtstart": dtstart.isoformat(), "duration_minutes": 90},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["rrule"] == "FREQ=WEEKLY;BYDAY=TU;COUNT=13"
    assert body["dtstart"] == dtstart.isoformat()
    assert body["timezone"] == group.timezone
    assert Session.objects.filter(series_id=body["id"]).count() == 13
    assert AuditLog.objects.filter(action="series.create", actor=facilitator).exists()


def test_a_new_series_defaults_to_the_zone_where_the_group_meets(api_client, facilitator, group):
    # The facilitator pages start a schedule on the same clock: the venue's, not a stale group field.
    venue = VenueFactory(organization=group.organization, city="Denver", timezone="America/Denver")
    type(group).objects.filter(pk=group.pk).update(venue=venue, timezone="America/Chicago")
    response = _as(api_client, facilitator).post(
        f"/api/manage/groups/{group.pk}/series/",
        {"rrule": "FREQ=WEEKLY;BYDAY=TU;COUNT=2", "dtstart": _next_tuesday_local().isoformat(), "duration_minutes": 60},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["timezone"] == "America/Denver"


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"rrule": "FREQ=HOURLY"}, "rrule", schedule.RRULE_FREQ_INVALID),
        ({"rrule": "FREQ=WEEKLY;BYDAY=TU;BYHOUR=19"}, "rrule", schedule.RRULE_TIME_PARTS),
        ({"timezone": "Nowhere/Land"}, "timezone", None),
        ({"duration_minutes": 2000}, "duration_minutes", schedule.DURATION_INVALID),
        ({"dtstart": "2026-13-01T19:00"}, "dtstart", None),
        ({"dtstart": "2027-01-05T19:00:00-06:00"}, "dtstart", schedule.DTSTART_HAS_OFFSET),
    ],
)
def test_create_series_with_bad_input_is_a_400_naming_the_field(
    api_client, group, facilitator, payload, field, message
):
    body = {
        "rrule": "FREQ=WEEKLY;BYDAY=TU",
        "dtstart": _next_tuesday_local().isoformat(),
        "duration_minutes": 90,
        **payload,
    }
    response = _as(api_client, facilitator).post(f"/api/manage/groups/{group.pk}/series/", body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert field in errors
    if message:
        assert errors[field] == [message]
    assert not SessionSeries.objects.exists() and not Session.objects.exists()


def test_venue_from_another_organization_is_answered_as_one_that_does_not_exist(api_client, group, series, facilitator):
    client = _as(api_client, facilitator)
    foreign = VenueFactory()
    session = Session.objects.filter(series=series).order_by("starts_at")[1]
    for venue_id in (foreign.pk, foreign.pk + 1000):
        expected = {"venue": [f'Invalid pk "{venue_id}" - object does not exist.']}
        body = {
            "rrule": "FREQ=WEEKLY;BYDAY=TU",
            "dtstart": _next_tuesday_local().isoformat(),
            "duration_minutes": 90,
            "venue": venue_id,
        }
        response = client.post(f"/api/manage/groups/{group.pk}/series/", body, format="json")
        assert (response.status_code, response.json()) == (400, expected)
        response = client.patch(f"/api/manage/series/{series.pk}/", {"venue": venue_id}, format="json")
        assert (response.status_code, response.json()) == (400, expected)
        response = client.patch(f"/api/manage/sessions/{session.pk}/", {"venue": venue_id}, format="json")
        assert (response.status_code, response.json()) == (400, expected)
    assert SessionSeries.objects.filter(group=group).count() == 1


def test_a_venue_of_the_groups_organization_is_accepted(api_client, group, series, facilitator):
    venue = VenueFactory(organization=group.organization)
    response = _as(api_client, facilitator).patch(
        f"/api/manage/series/{series.pk}/", {"venue": venue.pk}, format="json"
    )
    assert response.status_code == 200, response.json()


def test_patch_series_regenerates_and_delete_ends_it(api_client, series, facilitator):
    client = _as(api_client, facilitator)
    response = client.patch(f"/api/manage/series/{series.pk}/", {"duration_minutes": 60}, format="json")
    assert response.status_code == 200
    assert response.json()["sequence"] == 1
    session = Session.objects.filter(series=series).first()
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=60)
    bad = client.patch(
        f"/api/manage/series/{series.pk}/", {"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, format="json"
    )
    assert bad.status_code == 400 and bad.json() == {"rrule": [schedule.RRULE_IMPOSSIBLE]}
    assert client.delete(f"/api/manage/series/{series.pk}/").status_code == 204
    assert set(Session.objects.filter(series=series).values_list("status", flat=True)) == {"cancelled"}
    listed = client.get(f"/api/manage/groups/{series.group_id}/series/").json()
    assert [(s["id"], s["active"]) for s in listed] == [(series.pk, False)]


# --- Sessions ------------------------------------------------------------------------------


def test_sessions_list_filters_by_local_dates_and_shows_offsets(api_client, group, series, facilitator):
    first = Session.objects.filter(series=series).order_by("starts_at").first()
    local_day = first.starts_at.astimezone(CHICAGO).date()
    client = _as(api_client, facilitator)
    response = client.get(
        f"/api/manage/groups/{group.pk}/sessions/",
        {"from": local_day.isoformat(), "to": (local_day + dt.timedelta(days=7)).isoformat()},
    )
    assert response.status_code == 200
    rows = response.json()
    assert [r["id"] for r in rows] == list(
        Session.objects.filter(series=series).order_by("starts_at").values_list("pk", flat=True)[:2]
    )
    assert rows[0]["starts_at"] == first.starts_at.astimezone(CHICAGO).isoformat()
    assert rows[0]["starts_at"].endswith(("-06:00", "-05:00"))
    assert rows[0]["timezone"] == "America/Chicago"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-03-01", "to": "2026-02-01"}, "to"),
        ({"from": "2026-01-01", "to": "2027-06-01"}, "to"),
        ({"to": "9999-12-31"}, "to"),
        ({"from": "9999-12-30"}, "from"),
        ({"from": "0001-01-01T00:00:00+05:00"}, "from"),
    ],
)
def test_bad_ranges_are_400(api_client, group, facilitator, params, field):
    response = _as(api_client, facilitator).get(f"/api/manage/groups/{group.pk}/sessions/", params)
    assert response.status_code == 400
    assert field in response.json()


def test_sessions_list_query_count_does_not_grow_with_sessions(
    api_client, group, series, facilitator, django_assert_max_num_queries
):
    client = _as(api_client, facilitator)
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/manage/groups/{group.pk}/sessions/")
    assert len(response.json()) >= 20


def test_patch_session_cancels_with_a_reason_and_moves(api_client, series, facilitator):
    session = Session.objects.filter(series=series).order_by("starts_at")[1]
    client = _as(api_client, facilitator)
    url = f"/api/manage/sessions/{session.pk}/"
    response = client.patch(url, {"status": "cancelled"}, format="json")
    assert response.status_code == 400 and response.json() == {"note": [schedule.SESSION_CANCEL_NEEDS_REASON]}
    response = client.patch(url, {"status": "cancelled", "note": "Facilitator unwell"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["sequence"], response.json()["modified"]) == (
        "cancelled",
        1,
        True,
    )
    naive = session.starts_at.replace(tzinfo=None).isoformat()
    response = client.patch(url, {"starts_at": naive}, format="json")
    assert response.status_code == 400 and response.json() == {"starts_at": [schedule.SESSION_NAIVE_TIME]}
    new_start = (session.starts_at + dt.timedelta(days=1)).astimezone(CHICAGO)
    response = client.patch(url, {"status": "scheduled", "starts_at": new_start.isoformat()}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["starts_at"] == new_start.isoformat() and body["sequence"] == 2
    assert body["original_start"] == session.starts_at.astimezone(CHICAGO).isoformat()


def test_past_session_cannot_be_patched(api_client, past_session, facilitator):
    response = _as(api_client, facilitator).patch(
        f"/api/manage/sessions/{past_session.pk}/", {"note": "late"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"session": [schedule.SESSION_IN_PAST]}


# --- Public schedule ---------------------------------------------------------------------


def test_public_sessions_show_upcoming_times_with_offset_and_no_private_data(api_client, group, series, past_session):
    group.conference_url = "https://meet.example/private"
    group.save()
    member = MemberFactory(display_name="Zelda")
    EnrollmentFactory(member=member, group=group)
    cancelled = Session.objects.filter(series=series).order_by("starts_at")[2]
    schedule.session_change(session=cancelled, status="cancelled", note="Zelda's memorial")
    response = api_client.get(f"/api/groups/{group.slug}/sessions/")
    assert response.status_code == 200
    body = response.json()
    assert body["timezone"] == "America/Chicago" and body["cohort"] is None
    ids = [row["id"] for row in body["results"]]
    assert past_session.pk not in ids
    assert cancelled.pk in ids
    row = next(r for r in body["results"] if r["id"] == cancelled.pk)
    assert set(row) == {"id", "starts_at", "ends_at", "timezone", "status", "venue", "cycle_week"}
    assert row["status"] == "cancelled"
    assert dt.datetime.fromisoformat(row["starts_at"]) == cancelled.starts_at
    assert b"Zelda" not in response.content and b"meet.example" not in response.content
    assert member.phone.encode() not in response.content


def test_public_sessions_name_the_groups_venue_when_the_series_has_none(
    api_client, group, series, django_assert_max_num_queries
):
    moved_to = VenueFactory(organization=group.organization, name="Library annex")
    changed = Session.objects.filter(series=series).order_by("starts_at")[1]
    schedule.session_change(session=changed, venue=moved_to)
    with django_assert_max_num_queries(4):
        body = api_client.get(f"/api/groups/{group.slug}/sessions/").json()
    venues = {row["id"]: row["venue"]["name"] for row in body["results"]}
    assert venues[changed.pk] == "Library annex"
    assert set(venues.values()) == {group.venue.name, "Library annex"}


def test_public_sessions_show_the_cohort_week_and_next_cycle(api_client):
    first = _next_tuesday_local()
    group = SupportGroupFactory(
        enrollment_mode="cohort", cycle_start=first.date() - dt.timedelta(weeks=3), cycle_weeks=13
    )
    schedule.series_create(
        group=group, rrule="FREQ=WEEKLY;BYDAY=TU", dtstart=first, timezone="America/Chicago", duration_minutes=90
    )
    body = api_client.get(f"/api/groups/{group.slug}/sessions/").json()
    assert body["cohort"]["week"] == 4 and body["cohort"]["weeks"] == 13
    assert body["cohort"]["label"] == "week 4 of 13"
    assert body["cohort"]["next_cycle_start"] == (first.date() + dt.timedelta(weeks=10)).isoformat()
    assert [r["cycle_week"] for r in body["results"][:11]] == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 1]


# --- Attendance ------------------------------------------------------------------------------


def test_attendance_roster_read_and_update_are_audited(api_client, group, past_session, facilitator):
    ana = EnrollmentFactory(group=group, member=MemberFactory(display_name="Ana"))
    Attendance.objects.create(session=past_session, enrollment=ana, rsvp="yes")
    client = _as(api_client, facilitator)
    url = f"/api/manage/sessions/{past_session.pk}/attendance/"
    body = client.get(url).json()
    assert body["roster"] == [
        {
            "enrollment": ana.pk,
            "member": ana.member_id,
            "display_name": "Ana",
            "enrollment_status": "active",
            "rsvp": "yes",
            "attendance": None,
        }
    ]
    assert AuditLog.objects.filter(action="attendance.view", actor=facilitator, target_id=str(past_session.pk)).exists()
    response = client.put(url, {"marks": [{"enrollment": ana.pk, "attendance": "present"}]}, format="json")
    assert response.status_code == 200
    assert response.json()["roster"][0]["attendance"] == "present"
    assert AuditLog.objects.filter(action="attendance.update", actor=facilitator).exists()
    bad = client.put(url, {"marks": [{"enrollment": ana.pk, "attendance": "late"}]}, format="json")
    assert bad.status_code == 400 and "marks" in bad.json()
    stranger = EnrollmentFactory()
    bad = client.put(url, {"marks": [{"enrollment": stranger.pk, "attendance": "absent"}]}, format="json")
    assert bad.status_code == 400
    assert bad.json() == {"marks": [attendance_services.ATTENDANCE_UNKNOWN_ENROLLMENT % {"id": stranger.pk}]}


def test_attendance_csv_is_audited_and_safe_for_spreadsheets(api_client, group, past_session, facilitator):
    sneaky = EnrollmentFactory(group=group, member=MemberFactory(display_name="=HYPERLINK(1)"))
    attendance_services.attendance_mark(session=past_session, marks=[(sneaky.pk, "absent")])
    response = _as(api_client, facilitator).get(f"/api/manage/groups/{group.pk}/attendance.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["session_id", "date", "starts_at"]
    assert rows[1][0] == str(past_session.pk)
    assert rows[1][5] == "'=HYPERLINK(1)" and rows[1][7] == "absent"
    log = AuditLog.objects.get(action="attendance.export")
    assert log.actor == facilitator and log.details["rows"] == 1


def test_roster_series_and_attendance_csv_query_counts_do_not_grow(
    api_client, group, series, past_session, facilitator, django_assert_max_num_queries
):
    enrollments = [EnrollmentFactory(group=group) for _ in range(10)]
    attendance_services.attendance_mark(session=past_session, marks=[(e.pk, "present") for e in enrollments])
    for _ in range(4):
        schedule.series_create(
            group=group,
            rrule="FREQ=WEEKLY;BYDAY=WE;COUNT=2",
            dtstart=_next_tuesday_local(),
            timezone=group.timezone,
            duration_minutes=60,
            venue=VenueFactory(organization=group.organization),
        )
    client = _as(api_client, facilitator)
    with django_assert_max_num_queries(6):
        roster = client.get(f"/api/manage/sessions/{past_session.pk}/attendance/").json()["roster"]
    with django_assert_max_num_queries(4):
        series_list = client.get(f"/api/manage/groups/{group.pk}/series/").json()
    with django_assert_max_num_queries(5):
        export = client.get(f"/api/manage/groups/{group.pk}/attendance.csv")
    assert len(roster) == 10 and len(series_list) == 5
    assert len(export.content.decode().splitlines()) == 11


@pytest.mark.any_hour
def test_follow_up_endpoint_lists_members_and_is_audited(api_client, group, series, facilitator):
    sessions = list(Session.objects.filter(series=series).order_by("starts_at")[:2])
    for offset, session in zip((8, 1), sessions, strict=True):
        session.starts_at = timezone.now() - dt.timedelta(days=offset)
        session.ends_at = session.starts_at + dt.timedelta(minutes=90)
        session.save()
    missing = EnrollmentFactory(
        group=group, member=MemberFactory(display_name="Ana"), activated_at=timezone.now() - dt.timedelta(days=30)
    )
    for session in sessions:
        attendance_services.attendance_mark(session=session, marks=[(missing.pk, "absent")])
    response = _as(api_client, facilitator).get(f"/api/manage/groups/{group.pk}/follow-up/")
    assert response.status_code == 200
    assert [(r["enrollment"], r["display_name"]) for r in response.json()] == [(missing.pk, "Ana")]
    assert AuditLog.objects.filter(action="attendance.follow_up.view", actor=facilitator).exists()


# --- OpenAPI schema ------------------------------------------------------------------------
# The views are plain APIViews; without annotations drf-spectacular drops them from /api/schema/.

SCHEDULE_OPERATIONS = {
    "/api/manage/groups/{group_id}/series/": {"get", "post"},
    "/api/manage/series/{id}/": {"get", "patch", "delete"},
    "/api/manage/groups/{group_id}/sessions/": {"get"},
    "/api/manage/sessions/{id}/": {"get", "patch"},
    "/api/manage/sessions/{id}/attendance/": {"get", "put"},
    "/api/manage/groups/{group_id}/attendance.csv": {"get"},
    "/api/manage/groups/{group_id}/follow-up/": {"get"},
    "/api/groups/{slug}/sessions/": {"get"},
}
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options", "trace"}


def _resolve(openapi: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = openapi["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _request_body(openapi: dict, path: str, method: str) -> tuple[dict, dict]:
    content = openapi["paths"][path][method]["requestBody"]["content"]["application/json"]
    return content, _resolve(openapi, content["schema"])


def _json_response(openapi: dict, path: str, method: str, code: str = "200") -> dict:
    schema = openapi["paths"][path][method]["responses"][code]["content"]["application/json"]["schema"]
    return _resolve(openapi, schema)


@pytest.mark.parametrize(("path", "methods"), SCHEDULE_OPERATIONS.items(), ids=list(SCHEDULE_OPERATIONS))
def test_schema_documents_each_schedule_path_with_its_methods(openapi, path, methods):
    assert path in openapi["paths"]
    assert set(openapi["paths"][path]) & HTTP_METHODS == methods


def test_schema_series_create_body_lists_the_contract_fields(openapi):
    content, body = _request_body(openapi, "/api/manage/groups/{group_id}/series/", "post")
    assert set(body["properties"]) == {"rrule", "dtstart", "timezone", "duration_minutes", "venue"}
    assert set(body["required"]) == {"rrule", "dtstart", "duration_minutes"}
    assert "format" not in body["properties"]["dtstart"]  # a wall-clock time, not an instant
    example = content["examples"]["EveryTuesdayAt7PmFor13Weeks"]["value"]
    assert set(example) <= set(body["properties"])
    created = openapi["paths"]["/api/manage/groups/{group_id}/series/"]["post"]["responses"]
    assert set(created) >= {"201", "400", "403", "404"}
    assert "200" not in created


def test_schema_series_patch_body_is_partial(openapi):
    _, body = _request_body(openapi, "/api/manage/series/{id}/", "patch")
    assert set(body["properties"]) == {"rrule", "dtstart", "timezone", "duration_minutes", "venue"}
    assert not body.get("required")


def test_schema_session_patch_body_lists_the_contract_fields(openapi):
    content, body = _request_body(openapi, "/api/manage/sessions/{id}/", "patch")
    assert set(body["properties"]) == {"status", "note", "starts_at", "ends_at", "venue"}
    assert not body.get("required")
    assert set(_resolve(openapi, body["properties"]["status"])["enum"]) == set(Session.Status.values)
    assert body["properties"]["starts_at"]["format"] == "date-time"
    examples = {name: example["value"] for name, example in content["examples"].items()}
    assert set(examples["CancelASession"]) == {"status", "note"}
    assert examples["CancelASession"]["status"] == Session.Status.CANCELLED
    assert set(examples["MoveASession"]) == {"starts_at", "ends_at"}
    for value in examples.values():
        assert set(value) <= set(body["properties"])


def test_schema_request_examples_pass_the_real_validation(openapi):
    """The documented bodies for cancelling, moving and marking are accepted as written."""
    from sessions.api.serializers_schedule import AttendanceInputSerializer, SessionChangeSerializer

    session_examples = openapi["paths"]["/api/manage/sessions/{id}/"]["patch"]["requestBody"]["content"]
    for name in ("CancelASession", "MoveASession"):
        value = session_examples["application/json"]["examples"][name]["value"]
        assert SessionChangeSerializer(data=value, partial=True).is_valid(), name
    content, body = _request_body(openapi, "/api/manage/sessions/{id}/attendance/", "put")
    marks = content["examples"]["MarkAttendance"]["value"]
    assert AttendanceInputSerializer(data=marks).is_valid()
    mark = _resolve(openapi, body["properties"]["marks"]["items"])
    assert set(mark["properties"]) == {"enrollment", "attendance"}


def test_schema_attendance_response_is_the_roster(openapi):
    roster = _json_response(openapi, "/api/manage/sessions/{id}/attendance/", "put")
    assert set(roster["properties"]) == {"session", "status", "roster"}
    entry = _resolve(openapi, roster["properties"]["roster"]["items"])
    assert set(entry["properties"]) == {
        "enrollment",
        "member",
        "display_name",
        "enrollment_status",
        "rsvp",
        "attendance",
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/manage/groups/{group_id}/sessions/",
        "/api/manage/groups/{group_id}/attendance.csv",
        "/api/groups/{slug}/sessions/",
    ],
)
def test_schema_range_endpoints_take_from_and_to(openapi, path):
    query = {p["name"] for p in openapi["paths"][path]["get"]["parameters"] if p["in"] == "query"}
    assert query == {"from", "to"}


def test_schema_attendance_csv_is_text_csv(openapi):
    ok = openapi["paths"]["/api/manage/groups/{group_id}/attendance.csv"]["get"]["responses"]["200"]
    assert ok["content"] == {"text/csv": {"schema": {"type": "string"}}}


def test_schema_public_sessions_expose_no_member_data(openapi):
    body = _json_response(openapi, "/api/groups/{slug}/sessions/", "get")
    assert set(body["properties"]) == {"group", "timezone", "cohort", "results"}
    session = _resolve(openapi, body["properties"]["results"]["items"])
    assert set(session["properties"]) == {"id", "starts_at", "ends_at", "timezone", "status", "venue", "cycle_week"}
    assert openapi["paths"]["/api/groups/{slug}/sessions/"]["get"]["security"] == [{}]


def test_schema_public_sessions_body_matches_what_the_endpoint_returns(api_client, openapi, group, series):
    """The response serializer is the one the view uses, so documented and real keys agree."""
    body = api_client.get(f"/api/groups/{group.slug}/sessions/").json()
    documented = _json_response(openapi, "/api/groups/{slug}/sessions/", "get")
    assert set(body) == set(documented["properties"])
    session = _resolve(openapi, documented["properties"]["results"]["items"])
    assert body["results"] and set(body["results"][0]) == set(session["properties"])
