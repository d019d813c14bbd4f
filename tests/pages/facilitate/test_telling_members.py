"""Pages that tell members something: changing a session or a series (with who will be
told), writing to the group, the inbox of replies, the follow-up list."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from notifications import broadcasts, texts
from notifications.models import Broadcast, InboundMessage, OutboxMessage
from sessions.models import Attendance, AuditLog, Member, Session, SessionSeries
from sessions.services import schedule as schedule_services
from sessions.services import schedule_patterns as patterns
from tests.factories import MemberFactory, VenueFactory
from tests.pages.facilitate.conftest import shows, signed_in

CHICAGO = zoneinfo.ZoneInfo("America/Chicago")


@pytest.fixture
def reachable(page_world):
    """Ana takes texts (confirmed YES); Ben takes email; Cy takes neither."""
    ana, ben, _ = (e.member for e in page_world.active)
    Member.objects.filter(pk=ana.pk).update(sms_consent=Member.SmsConsent.CONFIRMED, sms_reminders=True)
    Member.objects.filter(pk=ben.pk).update(email_consent=True, email_reminders=True)
    return page_world


def cancel_url(session) -> str:
    return f"/facilitate/sessions/{session.pk}/cancel/"


def test_cancel_shows_who_will_be_told_before_anything_changes(reachable, as_lead):
    session = reachable.next_session
    response = as_lead.post(cancel_url(session), {"note": "The hall is closed for snow."})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Who will be told" in body
    assert "Text</strong>" in body and "Email</strong>" in body
    assert "Ana" in body and "Ben" in body
    # No channel: not told, and the facilitator is told so.
    assert "Not told, as they have no text or email notices on: Cy." in body
    session.refresh_from_db()
    assert session.status == Session.Status.SCHEDULED
    assert session.sequence == 0
    # The rehearsal leaves nothing behind: no outbox rows, no audit entry.
    assert not OutboxMessage.objects.exists()
    assert not AuditLog.objects.filter(action="session.change").exists()


def test_confirming_cancels_and_the_planner_then_writes_the_notices(reachable, as_lead):
    from notifications.planner import plan_notifications

    session = reachable.next_session
    response = as_lead.post(cancel_url(session), {"note": "The hall is closed for snow.", "confirm": "yes"})
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.status == Session.Status.CANCELLED
    assert session.note == "The hall is closed for snow."
    plan_notifications()
    told = set(OutboxMessage.objects.filter(session=session).values_list("member__display_name", "channel"))
    assert told == {("Ana", "sms"), ("Ben", "email")}


def test_cancel_without_a_note_is_refused_with_the_services_message_next_to_the_note(reachable, as_lead):
    response = as_lead.post(cancel_url(reachable.next_session), {"note": "  "})
    assert response.status_code == 400
    assert shows(response, schedule_services.SESSION_CANCEL_NEEDS_REASON)
    assert 'href="#id_note"' in response.content.decode()


def test_a_started_session_cannot_be_changed(reachable, as_lead):
    response = as_lead.post(cancel_url(reachable.past_session), {"note": "x", "confirm": "yes"})
    assert response.status_code == 400
    assert shows(response, schedule_services.SESSION_IN_PAST)


def test_move_takes_a_date_and_time_on_the_groups_clock_across_a_dst_change(reachable, as_lead):
    session = reachable.next_session
    # The first Sunday of next November (or this one, if still ahead) is a fall-back day
    # in Chicago; 19:00 that evening is CST, whatever the session's own offset was.
    today = timezone.now().astimezone(CHICAGO).date()
    year = today.year if today < dt.date(today.year, 11, 1) else today.year + 1
    november = dt.date(year, 11, 1)
    fall_back = november + dt.timedelta(days=(6 - november.weekday()) % 7)
    target = fall_back + dt.timedelta(days=1)
    # Too far to move (more than a year from the planned date)? Then move within range.
    if (target - session.starts_at.astimezone(CHICAGO).date()).days > 360:
        target = session.starts_at.astimezone(CHICAGO).date() + dt.timedelta(days=1)
    url = f"/facilitate/sessions/{session.pk}/move/"
    preview = as_lead.post(url, {"date": target.isoformat(), "time": "19:00"})
    assert preview.status_code == 200
    assert "New time:" in preview.content.decode()
    response = as_lead.post(url, {"date": target.isoformat(), "time": "19:00", "confirm": "yes"})
    assert response.status_code == 302
    session.refresh_from_db()
    local = session.starts_at.astimezone(CHICAGO)
    assert (local.date(), local.hour, local.minute) == (target, 19, 0)


def test_move_into_the_past_is_refused_with_the_services_message(reachable, as_lead):
    yesterday = (timezone.now() - dt.timedelta(days=1)).astimezone(CHICAGO).date()
    response = as_lead.post(
        f"/facilitate/sessions/{reachable.next_session.pk}/move/", {"date": yesterday.isoformat(), "time": "19:00"}
    )
    assert response.status_code == 400
    assert shows(response, schedule_services.SESSION_MOVE_TO_PAST)


def test_change_venue_to_another_organizations_venue_is_refused(reachable, as_lead):
    VenueFactory(organization=reachable.other_group.organization)
    spare = VenueFactory(organization=reachable.organization, name="Room 2")
    url = f"/facilitate/sessions/{reachable.next_session.pk}/venue/"
    form = as_lead.get(url).content.decode()
    assert "Room 2" in form
    assert reachable.other_group.venue.name not in form
    response = as_lead.post(url, {"venue": spare.pk, "note": "Upstairs", "confirm": "yes"})
    assert response.status_code == 302
    reachable.next_session.refresh_from_db()
    assert reachable.next_session.venue == spare


# --- Changing or ending a series ------------------------------------------------------------


@pytest.fixture
def at_night(reachable):
    """Ana's clock reads about 02:00 (quiet hours): her text waits for 08:00; Ben's email goes at once."""
    now = timezone.now()
    offset = (2 - now.hour) % 24
    offset = offset - 24 if offset > 12 else offset
    zone = f"Etc/GMT{-offset:+d}"  # the sign of Etc/ zones is inverted
    Member.objects.filter(display_name="Ana").update(timezone=zone)
    local = now.astimezone(zoneinfo.ZoneInfo(zone))
    morning = local.date() if local.hour < 8 else local.date() + dt.timedelta(days=1)
    reachable.morning = f"{morning:%A} {morning.day} {morning:%B}, 8:00 AM"
    reachable.zone = zone
    return reachable


def series_url(world) -> str:
    return f"/facilitate/series/{world.series.pk}/"


def wednesdays(**extra) -> dict:
    tomorrow = timezone.now().date() + dt.timedelta(days=1)
    return {
        "pattern": patterns.WEEKLY,
        "weekday": "WE",
        "first_date": tomorrow.isoformat(),
        "start_time": "18:30",
        "duration_minutes": "90",
        **extra,
    }


def _series_state(world) -> tuple:
    series = SessionSeries.objects.get(pk=world.series.pk)
    sessions = Session.objects.filter(series=series).order_by("pk")
    return (
        series.rrule,
        series.active,
        series.sequence,
        list(sessions.values_list("pk", "starts_at", "status", "sequence")),
        OutboxMessage.objects.count(),
        AuditLog.objects.filter(action__startswith="series.").count(),
    )


def _told(response) -> str:
    body = response.content.decode()
    assert "Who will be told" in body
    return body


def _says_ben_now_ana_in_the_morning_not_cy(body: str, world) -> None:
    """The night-time roster's check: Ben's email at once, Ana's text after her quiet hours, Cy not told."""
    assert "<strong>Email</strong>,\n    right away:\n    Ben" in body
    assert f"{world.morning}</time> their time ({world.zone}), after the night's quiet hours:\n    Ana</li>" in body
    assert "Not told, as they have no text or email notices on: Cy." in body


def test_a_series_edit_shows_who_will_be_told_how_and_when_before_anything_changes(at_night, as_lead):
    before = _series_state(at_night)
    response = as_lead.post(series_url(at_night), wednesdays())
    assert response.status_code == 200
    body = _told(response)
    assert "Yes, change the schedule" in body
    _says_ben_now_ana_in_the_morning_not_cy(body, at_night)
    # The rehearsal leaves nothing behind: the series, its sessions, the outbox and the audit log.
    assert _series_state(at_night) == before


def test_confirming_a_series_edit_changes_it_and_members_are_told_once(at_night, as_lead):
    from notifications.planner import plan_notifications

    response = as_lead.post(series_url(at_night), wednesdays(confirm="yes"))
    assert response.status_code == 302
    series = SessionSeries.objects.get(pk=at_night.series.pk)
    assert (series.rrule, series.sequence) == ("FREQ=WEEKLY;BYDAY=WE", 1)
    plan_notifications()
    plan_notifications()
    told = sorted(
        OutboxMessage.objects.filter(series=series, kind="series_changed").values_list(
            "member__display_name", "channel"
        )
    )
    assert told == [("Ana", "sms"), ("Ben", "email")]


def test_the_same_schedule_again_is_said_to_change_nothing(reachable, as_lead):
    series = reachable.series  # weekly on Tuesday at 19:00, Chicago
    local = schedule_services.series_local_dtstart(series)
    same = {"pattern": patterns.WEEKLY, "weekday": "TU", "first_date": local.date().isoformat()}
    response = as_lead.post(series_url(reachable), {**same, "start_time": "19:00", "duration_minutes": "90"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "saving it changes nothing and tells nobody" in body
    assert "Who will be told" not in body
    assert "Yes, change the schedule" not in body  # nothing to confirm

    saved = as_lead.post(
        series_url(reachable), {**same, "start_time": "19:00", "duration_minutes": "90", "confirm": "yes"}
    )
    assert saved.status_code == 302
    said = [str(m) for m in as_lead.get(saved["Location"]).context["messages"]]
    assert said == ["Nothing changed: the series already has this schedule."]
    assert SessionSeries.objects.get(pk=series.pk).sequence == series.sequence


def test_a_changed_schedule_is_said_to_be_changed(at_night, as_lead):
    saved = as_lead.post(series_url(at_night), wednesdays(confirm="yes"))
    said = [str(m) for m in as_lead.get(saved["Location"]).context["messages"]]
    assert said == ["The series is changed. Future sessions follow it."]


def test_a_series_edit_the_service_refuses_shows_its_message_and_no_check(reachable, as_lead):
    response = as_lead.post(series_url(reachable), wednesdays(duration_minutes="0"))
    assert response.status_code == 400
    assert "Who will be told" not in response.content.decode()


def test_ending_a_series_shows_who_will_be_told_before_anything_changes(at_night, as_lead):
    before = _series_state(at_night)
    response = as_lead.post(f"{series_url(at_night)}end/")
    assert response.status_code == 200
    body = _told(response)
    assert "1 future session will be cancelled." in body
    assert "Every week on Tuesday, 7:00 PM" in body
    assert "Yes, end the series" in body
    _says_ben_now_ana_in_the_morning_not_cy(body, at_night)
    assert _series_state(at_night) == before


def test_confirming_the_end_ends_the_series_and_members_are_told_once(at_night, as_lead):
    from notifications.planner import plan_notifications

    response = as_lead.post(f"{series_url(at_night)}end/", {"confirm": "yes"})
    assert response.status_code == 302
    done = [str(m) for m in as_lead.get(response["Location"]).context["messages"]]
    assert done == ["The series has ended; 1 future session is cancelled."]
    at_night.next_session.refresh_from_db()
    assert at_night.next_session.status == Session.Status.CANCELLED
    assert not SessionSeries.objects.get(pk=at_night.series.pk).active
    plan_notifications()
    plan_notifications()
    told = sorted(OutboxMessage.objects.values_list("member__display_name", "channel", "kind"))
    assert told == [("Ana", "sms", "series_ended"), ("Ben", "email", "series_ended")]


def test_the_series_end_check_in_spanish(reachable, as_lead):
    body = as_lead.post(f"{series_url(reachable)}end/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Se cancelará 1 sesión futura." in body
    assert "A quién se avisará" in body
    assert "Sí, terminar la serie" in body


def test_a_series_end_can_only_be_checked_by_post(reachable, as_lead):
    assert as_lead.get(f"{series_url(reachable)}end/").status_code == 405
    assert SessionSeries.objects.get(pk=reachable.series.pk).active


# --- Messages ---------------------------------------------------------------------------


def messages_url(world) -> str:
    return f"/facilitate/groups/{world.group.pk}/messages/"


def test_preview_shows_the_text_as_it_arrives_then_sends(reachable, as_lead):
    body = "We’re in room 4 tonight — see you there."
    response = as_lead.post(messages_url(reachable), {"body": body})
    assert response.status_code == 200
    expected = texts.sms(texts.sms_broadcast(group=reachable.group, text=body))
    assert expected.startswith(f"{reachable.group.sms_label}: We're in room 4 tonight - see you")
    page = response.content.decode()
    assert shows(response, expected)
    assert "1 people get it by text and 1 by email" in page
    assert not Broadcast.objects.exists()
    sent = as_lead.post(messages_url(reachable), {"body": body, "confirm": "yes"})
    assert sent.status_code == 302
    broadcast = Broadcast.objects.get()
    assert (broadcast.recipients, broadcast.author) == (2, reachable.users["lead"])


def test_a_message_with_emoji_is_refused_with_the_services_message(reachable, as_lead):
    response = as_lead.post(messages_url(reachable), {"body": "See you 🙂", "confirm": "yes"})
    assert response.status_code == 400
    assert shows(response, broadcasts.BROADCAST_NOT_GSM.format(chars="🙂"))
    assert not Broadcast.objects.exists()


def test_live_count_comes_from_the_same_gsm_rules(reachable, as_lead):
    url = f"/facilitate/groups/{reachable.group.pk}/messages/count/"
    data = as_lead.post(url, {"body": "x" * 150}).json()
    label = reachable.group.sms_label
    assert data["text"] == f"{label}: " + "x" * 150
    assert data["characters"] == len(label) + 2 + 150
    assert data["segments"] == 2
    assert data["error"] == ""
    too_long = as_lead.post(url, {"body": "x" * 400}).json()
    assert too_long["error"] == broadcasts.BROADCAST_TOO_LONG.format(limit=texts.BROADCAST_MAX_SEPTETS)
    assert as_lead.get(url).status_code == 405


def test_inbox_newest_first_with_handled(reachable, as_lead):
    ana = reachable.active[0].member
    now = timezone.now()
    older = InboundMessage.objects.create(
        provider_message_id="SM1", from_number=ana.phone or "+1", body="Running late", kind="message",
        member=ana, group=reachable.group, received_at=now - dt.timedelta(hours=2),
    )  # fmt: skip
    newer = InboundMessage.objects.create(
        provider_message_id="SM2", from_number=ana.phone or "+1", body="Can I bring my son?", kind="message",
        member=ana, group=reachable.group, received_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    url = f"/facilitate/groups/{reachable.group.pk}/inbox/"
    body = as_lead.get(url).content.decode()
    assert body.index("Can I bring my son?") < body.index("Running late")
    response = as_lead.post(f"{url}{older.pk}/handled/", {"handled": "yes"})
    assert response.status_code == 302
    older.refresh_from_db()
    assert older.handled_at is not None and older.handled_by == reachable.users["lead"]
    assert "Handled" in as_lead.get(url).content.decode()
    as_lead.post(f"{url}{older.pk}/handled/", {"handled": "no"})
    older.refresh_from_db()
    assert older.handled_at is None
    assert newer.handled_at is None


def test_a_text_from_another_organizations_inbox_cannot_be_marked(reachable, as_lead):
    stranger = MemberFactory()
    theirs = InboundMessage.objects.create(
        provider_message_id="SM9", from_number=stranger.phone, body="hello", kind="message",
        member=stranger, group=reachable.other_group, received_at=timezone.now(),
    )  # fmt: skip
    response = as_lead.post(f"/facilitate/groups/{reachable.group.pk}/inbox/{theirs.pk}/handled/", {"handled": "yes"})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.handled_at is None


def test_follow_up_lists_who_missed_two_sessions_with_a_ready_check_in(reachable, as_lead):
    from tests.factories import SessionFactory

    world = reachable
    ana, ben, cy = world.active
    now = timezone.now()
    for days in (14, 7):
        session = SessionFactory(series=world.series, starts_at=now - dt.timedelta(days=days))
        Attendance.objects.create(session=session, enrollment=ben, attendance="present")
        Attendance.objects.create(session=session, enrollment=ana, attendance="absent")
    # Activated before those sessions, so they count as theirs.
    type(ana).objects.filter(group=world.group).update(activated_at=now - dt.timedelta(days=30))
    url = f"/facilitate/groups/{world.group.pk}/follow-up/"
    response = as_lead.get(url)
    assert shows(response, texts.check_in_text(display_name="Ana"))
    assert not shows(response, texts.check_in_text(display_name="Ben"))
    assert AuditLog.objects.filter(action="attendance.follow_up.view").exists()
    sent = as_lead.post(url, {"enrollment": ana.pk})
    assert sent.status_code == 302
    broadcast = Broadcast.objects.get()
    assert broadcast.recipients == 1
    assert broadcast.body == texts.check_in_text(display_name="Ana")
    assert list(OutboxMessage.objects.values_list("member_id", flat=True)) == [ana.member_id]


def test_the_check_in_is_offered_and_sent_in_the_members_language(reachable, as_lead):
    from tests.factories import SessionFactory

    world = reachable
    ana = world.active[0]
    type(ana.member).objects.filter(pk=ana.member_id).update(language="es")
    now = timezone.now()
    for days in (14, 7):
        session = SessionFactory(series=world.series, starts_at=now - dt.timedelta(days=days))
        Attendance.objects.create(session=session, enrollment=world.active[1], attendance="present")
        Attendance.objects.create(session=session, enrollment=ana, attendance="absent")
    type(ana).objects.filter(pk=ana.pk).update(activated_at=now - dt.timedelta(days=30))
    url = f"/facilitate/groups/{world.group.pk}/follow-up/"
    spanish = texts.check_in_text(display_name="Ana", language="es")
    assert shows(as_lead.get(url), spanish)
    as_lead.post(url, {"enrollment": ana.pk})
    assert Broadcast.objects.get().body == spanish


def test_check_in_to_someone_not_on_the_list_sends_nothing(reachable, as_lead):
    response = as_lead.post(
        f"/facilitate/groups/{reachable.group.pk}/follow-up/", {"enrollment": reachable.active[0].pk}
    )
    assert response.status_code == 302
    assert not Broadcast.objects.exists()


def test_co_facilitator_may_message_but_outsider_may_not(reachable):
    co = signed_in(reachable.users["co_facilitator"])
    assert co.get(messages_url(reachable)).status_code == 200
    outsider = signed_in(reachable.users["other_org_facilitator"])
    response = outsider.post(messages_url(reachable), {"body": "hi", "confirm": "yes"})
    assert response.status_code == 403
    assert not Broadcast.objects.exists()
