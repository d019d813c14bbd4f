"""The answer a facilitator gets when they cancel or move a session, or change or end a
series: who is told, how, when."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from notifications.models import Kind, OutboxMessage
from notifications.planner import plan_notifications
from notifications.preview import (
    AFTER_QUIET_HOURS,
    AT_ONCE,
    BEFORE_SESSION,
    series_change_notices,
    session_change_notices,
)
from sessions import hooks
from sessions.models import Member
from sessions.services.schedule import series_end, series_update, session_change
from tests.factories import EnrollmentFactory, FacilitatorFactory, SessionFactory
from tests.notifications.helpers import emailing_member, texting_member, weekly_online_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(now):
    return SessionFactory(starts_at=now + dt.timedelta(days=3))


def _roster(group):
    # 16:00 UTC is 01:00 in Tokyo: Ana's text waits for the end of her quiet hours.
    ana = texting_member(display_name="Ana", timezone="Asia/Tokyo", email="ana@example.org", email_consent=True)
    ben = emailing_member(display_name="Ben")
    carl = texting_member(display_name="Carl", sms_consent=Member.SmsConsent.NONE)
    for member in (ana, ben, carl):
        EnrollmentFactory(member=member, group=group)


def _shown(preview: dict) -> list[tuple]:
    return [(n["first_name"], n["channel"], n["when"], n["local_time"]) for n in preview["notices"]]


def _local(moment: dt.datetime, zone: str) -> str:
    return moment.astimezone(zoneinfo.ZoneInfo(zone)).strftime("%H:%M")


def test_a_move_tells_who_hears_by_text_or_email_and_when_on_their_clock(session, now):
    _roster(session.group)
    session_change(session=session, starts_at=session.starts_at + dt.timedelta(hours=1), now=now)
    preview = session_change_notices(session=session, now=now)
    assert preview["kind"] == Kind.SESSION_CHANGED
    assert _shown(preview) == [
        ("Ana", "sms", AFTER_QUIET_HOURS, "08:00"),
        ("Ana", "email", AT_ONCE, _local(now, "Asia/Tokyo")),
        ("Ben", "email", AT_ONCE, _local(now, "America/Chicago")),
    ]
    assert preview["notices"][0]["summary"] == "Ana: text after quiet hours, at 08:00 their time"
    assert preview["notices"][0]["timezone"] == "Asia/Tokyo"
    assert preview["not_notified"] == ["Carl"]


def test_the_preview_is_exactly_what_the_planner_then_writes(session, now):
    _roster(session.group)
    session_change(session=session, status="cancelled", note="Hall closed", now=now)
    preview = session_change_notices(session=session, now=now)
    plan_notifications(now=now)
    planned = OutboxMessage.objects.filter(session=session, kind=Kind.SESSION_CANCELLED)
    assert sorted((row.member.display_name, row.channel, row.due_at) for row in planned) == sorted(
        (n["first_name"], n["channel"], dt.datetime.fromisoformat(n["send_at"])) for n in preview["notices"]
    )
    # Once planned, the change is no longer news.
    assert session_change_notices(session=session, now=now)["notices"] == []


def test_a_far_off_cancellation_is_texted_a_week_before_and_emailed_now(now):
    session = SessionFactory(starts_at=now + dt.timedelta(days=20))
    EnrollmentFactory(member=texting_member(display_name="Dev"), group=session.group)
    session_change(session=session, status="cancelled", note="Holiday", now=now)
    (notice,) = session_change_notices(session=session, now=now)["notices"]
    assert (notice["channel"], notice["when"]) == ("sms", BEFORE_SESSION)
    assert dt.datetime.fromisoformat(notice["send_at"]) == session.starts_at - dt.timedelta(days=8)


def test_a_note_tells_nobody(session, now):
    _roster(session.group)
    session_change(session=session, note="Bring a photo if you like", now=now)
    assert session_change_notices(session=session, now=now) == {"kind": None, "notices": [], "not_notified": []}


def test_the_cancel_answer_says_who_will_be_told(api_client, session):
    _roster(session.group)
    facilitator = FacilitatorFactory(group=session.group).user
    api_client.force_authenticate(facilitator)
    response = api_client.patch(
        f"/api/manage/sessions/{session.pk}/", {"status": "cancelled", "note": "Unwell"}, format="json"
    )
    assert response.status_code == 200
    told = response.json()["notifications"]
    assert told["kind"] == "session_cancelled"
    assert [(n["first_name"], n["channel"]) for n in told["notices"]] == [
        ("Ana", "sms"),
        ("Ana", "email"),
        ("Ben", "email"),
    ]
    assert told["not_notified"] == ["Carl"]
    for notice in told["notices"]:
        assert notice["when"] in (AT_ONCE, AFTER_QUIET_HOURS, BEFORE_SESSION) and notice["summary"]


def test_sessions_reach_the_preview_only_through_the_setting(session, now, settings):
    _roster(session.group)
    session_change(session=session, status="cancelled", note="Unwell", now=now)
    assert hooks.session_change_notices(session=session, now=now) == session_change_notices(session=session, now=now)
    settings.SESSION_CHANGE_NOTICES = ""
    assert hooks.session_change_notices(session=session, now=now)["notices"] == []


# --- A whole series --------------------------------------------------------------------


@pytest.fixture
def series(now):
    """A weekly series whose first meeting is three days ahead, with Ana, Ben and Carl."""
    series = weekly_online_series(now)
    _roster(series.group)
    return series


def _planned(kind: str) -> list[tuple]:
    rows = OutboxMessage.objects.filter(kind=kind)
    return sorted((row.member.display_name, row.channel, row.due_at) for row in rows)


def _promised(preview: dict) -> list[tuple]:
    return sorted((n["first_name"], n["channel"], dt.datetime.fromisoformat(n["send_at"])) for n in preview["notices"])


def test_a_series_edit_tells_who_hears_by_text_or_email_and_when(series, now):
    series_update(series=series, dtstart=series.dtstart.replace(tzinfo=None, hour=18), now=now)
    preview = series_change_notices(series=series, now=now)
    assert preview["kind"] == Kind.SERIES_CHANGED
    assert _shown(preview) == [
        ("Ana", "email", AT_ONCE, _local(now, "Asia/Tokyo")),
        ("Ana", "sms", AFTER_QUIET_HOURS, "08:00"),
        ("Ben", "email", AT_ONCE, _local(now, "America/Chicago")),
    ]
    assert preview["not_notified"] == ["Carl"]
    plan_notifications(now=now)
    assert _planned(Kind.SERIES_CHANGED) == _promised(preview)
    # Once planned, the edit is no longer news.
    assert series_change_notices(series=series, now=now)["notices"] == []


def test_a_series_end_preview_is_exactly_what_the_planner_then_writes(series, now):
    series_end(series=series, now=now)
    preview = series_change_notices(series=series, now=now)
    assert preview["kind"] == Kind.SERIES_ENDED
    assert [(name, channel) for name, channel, _ in _promised(preview)] == [
        ("Ana", "email"),
        ("Ana", "sms"),
        ("Ben", "email"),
    ]
    assert preview["not_notified"] == ["Carl"]
    plan_notifications(now=now)
    assert _planned(Kind.SERIES_ENDED) == _promised(preview)
    assert series_change_notices(series=series, now=now)["notices"] == []


def test_a_series_never_edited_tells_nobody(series, now):
    assert series_change_notices(series=series, now=now) == {"kind": None, "notices": [], "not_notified": []}


def test_series_reach_the_preview_only_through_the_setting(series, now, settings):
    series_end(series=series, now=now)
    through_hook = hooks.series_change_notices(series=series, now=now)
    # Something to tell, so that the comparisons below could tell a wired hook from an idle one.
    assert through_hook["kind"] == Kind.SERIES_ENDED and through_hook["notices"]
    assert through_hook == series_change_notices(series=series, now=now)
    settings.SERIES_CHANGE_NOTICES = ""
    assert hooks.series_change_notices(series=series, now=now)["notices"] == []
    assert hooks.series_change_notices(series=series, now=now) == {"kind": None, "notices": [], "not_notified": []}


def test_the_series_edit_answer_says_who_will_be_told(api_client, series):
    api_client.force_authenticate(FacilitatorFactory(group=series.group).user)
    url = f"/api/manage/series/{series.pk}/"

    response = api_client.patch(url, {"duration_minutes": 60}, format="json")
    assert response.status_code == 200
    told = response.json()["notifications"]
    assert (told["kind"], told["unchanged"]) == ("series_changed", False)
    assert [(n["first_name"], n["channel"]) for n in told["notices"]] == [
        ("Ana", "email"),
        ("Ana", "sms"),
        ("Ben", "email"),
    ]
    assert told["not_notified"] == ["Carl"]
    assert all(n["when"] in (AT_ONCE, AFTER_QUIET_HOURS) and n["summary"] for n in told["notices"])

    # The same values again change nothing, and the answer says nobody will be told.
    again = api_client.patch(url, {"duration_minutes": 60}, format="json").json()
    assert again["sequence"] == response.json()["sequence"]
    assert again["notifications"] == {"kind": None, "unchanged": True, "notices": [], "not_notified": []}
