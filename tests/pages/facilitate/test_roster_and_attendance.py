"""The roster page and a session's attendance: the API's services behind one-tap forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from sessions.models import Attendance, AuditLog, Enrollment, Member
from sessions.services import attendance as attendance_services
from sessions.services import enrollment as enrollment_services
from sessions.services import members as member_services
from tests.factories import EnrollmentFactory, MemberFactory, SessionFactory
from tests.pages.facilitate.conftest import shows, signed_in

Status = Enrollment.Status


def roster_url(world) -> str:
    return f"/facilitate/groups/{world.group.pk}/roster/"


def change_url(world, enrollment) -> str:
    return f"/facilitate/groups/{world.group.pk}/roster/{enrollment.pk}/change/"


def test_roster_shows_contacts_and_sections_and_is_audited_like_the_api(page_world, as_lead):
    world = page_world
    body = as_lead.get(roster_url(world)).content.decode()
    assert world.active[0].member.phone in body
    assert "ana@example.org" in body
    assert "My sister died in May." in body  # the request's join note, to decide on
    assert body.index(">Eve</a>") < body.index(">Fay</a>")  # the waitlist in order
    entry = AuditLog.objects.get(action="roster.view")
    assert entry.actor == world.users["lead"]
    assert entry.group == world.group
    assert entry.details == {"statuses": "all", "rows": 6}


def test_approve_a_request_in_one_tap(page_world, as_lead):
    world = page_world
    world.group.capacity = 10
    world.group.save()
    response = as_lead.post(change_url(world, world.requested), {"action": "approve"})
    assert response.status_code == 302
    assert response["Location"] == f"{roster_url(world)}#e{world.requested.pk}"
    world.requested.refresh_from_db()
    assert world.requested.status == Status.ACTIVE
    assert AuditLog.objects.filter(action="roster.approve", actor=world.users["lead"]).exists()
    assert "Dee is approved." in as_lead.get(roster_url(world)).content.decode()


def test_approving_into_a_full_group_waitlists_as_the_api_does(page_world, as_lead):
    world = page_world  # capacity 3, three active
    as_lead.post(change_url(world, world.requested), {"action": "approve"})
    world.requested.refresh_from_db()
    assert world.requested.status == Status.WAITLISTED
    assert world.requested.waitlist_position == 3


def test_decline_a_request(page_world, as_lead):
    as_lead.post(change_url(page_world, page_world.requested), {"action": "decline"})
    page_world.requested.refresh_from_db()
    assert page_world.requested.status == Status.DECLINED


def test_move_down_and_up_the_waitlist_with_buttons(page_world, as_lead):
    eve, fay = page_world.waitlisted
    as_lead.post(change_url(page_world, eve), {"action": "move", "waitlist_position": 2})
    eve.refresh_from_db()
    fay.refresh_from_db()
    assert (eve.waitlist_position, fay.waitlist_position) == (2, 1)
    body = as_lead.get(roster_url(page_world)).content.decode()
    assert body.index(">Fay</a>") < body.index(">Eve</a>")


def test_a_refused_change_shows_the_services_message(page_world, as_lead):
    ana = page_world.active[0]
    response = as_lead.post(change_url(page_world, ana), {"action": "move", "waitlist_position": 1})
    assert response.status_code == 400
    assert enrollment_services.CANNOT_MOVE % {"status": "active"} in response.content.decode()
    assert "There is a problem" in response.content.decode()


def test_an_enrollment_of_another_group_is_not_found(page_world, as_lead):
    stranger = EnrollmentFactory(group=page_world.other_group)
    response = as_lead.post(
        f"/facilitate/groups/{page_world.group.pk}/roster/{stranger.pk}/change/", {"action": "remove"}
    )
    assert response.status_code == 404
    stranger.refresh_from_db()
    assert stranger.status == Status.ACTIVE


def test_roster_changes_need_a_csrf_token(page_world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(page_world.users["lead"])
    response = client.post(change_url(page_world, page_world.requested), {"action": "approve"})
    assert response.status_code == 403
    page_world.requested.refresh_from_db()
    assert page_world.requested.status == Status.REQUESTED


def test_add_someone_met_in_person(page_world, as_lead):
    world = page_world
    world.group.capacity = None
    world.group.save()
    response = as_lead.post(
        roster_url(world),
        {"display_name": "Gus", "phone": "(217) 555-0199", "sms_reminders": "on", "notes": "Met at the door"},
    )
    assert response.status_code == 302
    member = Member.objects.get(phone="+12175550199")
    assert member.sms_consent == Member.SmsConsent.PENDING  # they confirm by replying YES, like everyone
    enrollment = Enrollment.objects.get(member=member, group=world.group)
    assert enrollment.status == Status.ACTIVE
    assert enrollment.notes == "Met at the door"


def test_add_without_a_contact_shows_the_services_message_next_to_the_fields(page_world, as_lead):
    response = as_lead.post(roster_url(page_world), {"display_name": "Gus"})
    assert response.status_code == 400
    body = response.content.decode()
    assert body.count(member_services.CONTACT_FOR_ROSTER) >= 2  # summary and field
    assert 'href="#id_phone"' in body
    assert not Member.objects.filter(display_name="Gus").exists()


def test_private_notes_are_saved_and_the_entry_view_audited(page_world, as_lead):
    ana = page_world.active[0]
    url = f"/facilitate/groups/{page_world.group.pk}/roster/{ana.pk}/"
    assert as_lead.get(url).status_code == 200
    viewed = AuditLog.objects.get(action="roster.view", target_id=str(ana.pk))
    assert viewed.details == {"member_id": ana.member_id}
    assert as_lead.post(url, {"notes": "Prefers Annie"}).status_code == 302
    ana.refresh_from_db()
    assert ana.notes == "Prefers Annie"


def test_remove_from_the_entry_page(page_world, as_lead):
    ana = page_world.active[0]
    as_lead.post(change_url(page_world, ana), {"action": "remove"})
    ana.refresh_from_db()
    assert ana.status == Status.REMOVED
    # The seat went to the first on the waitlist, by the service's rule.
    page_world.waitlisted[0].refresh_from_db()
    assert page_world.waitlisted[0].status == Status.ACTIVE


def test_csv_link_is_the_apis_audited_export(page_world, as_lead):
    body = as_lead.get(roster_url(page_world)).content.decode()
    assert f'href="/api/manage/groups/{page_world.group.pk}/roster.csv"' in body
    response = as_lead.get(f"/api/manage/groups/{page_world.group.pk}/roster.csv")
    assert response.status_code == 200
    assert AuditLog.objects.filter(action="roster.export").count() == 1


def _grow(group, count: int) -> None:
    for _ in range(count):
        EnrollmentFactory(group=group, member=MemberFactory())


@pytest.mark.parametrize("extra", [0, 60])
def test_roster_page_costs_the_same_queries_at_any_size(page_world, as_lead, extra, django_assert_max_num_queries):
    _grow(page_world.group, extra)
    with django_assert_max_num_queries(7) as queries:
        assert as_lead.get(roster_url(page_world)).status_code == 200
    assert len(queries) <= 7


# --- Attendance -------------------------------------------------------------------------


def session_url(session) -> str:
    return f"/facilitate/sessions/{session.pk}/"


def test_take_attendance_one_tap_each_with_undo(page_world, as_lead):
    session = page_world.past_session
    ana, ben = page_world.active[:2]
    response = as_lead.post(session_url(session), {"enrollment": ana.pk, "mark": "present"})
    assert response.status_code == 302
    assert response["Location"] == f"{session_url(session)}#e{ana.pk}"
    as_lead.post(session_url(session), {"enrollment": ben.pk, "mark": "absent"})
    marks = dict(Attendance.objects.filter(session=session).values_list("enrollment_id", "attendance"))
    assert marks == {ana.pk: "present", ben.pk: "absent"}
    body = as_lead.get(session_url(session)).content.decode()
    assert "1 here, 1 not here, 0 excused, 1 not marked" in body
    as_lead.post(session_url(session), {"enrollment": ana.pk, "mark": "clear"})
    assert Attendance.objects.get(session=session, enrollment=ana).attendance is None
    assert AuditLog.objects.filter(action="attendance.update").count() == 3


def test_attendance_before_the_session_starts_is_refused_with_the_services_message(page_world, as_lead):
    session = page_world.next_session
    body = as_lead.get(session_url(session)).content.decode()
    assert attendance_services.ATTENDANCE_NOT_STARTED in body
    assert 'name="mark"' not in body
    response = as_lead.post(session_url(session), {"enrollment": page_world.active[0].pk, "mark": "present"})
    assert response.status_code == 400
    assert attendance_services.ATTENDANCE_NOT_STARTED in response.content.decode()
    assert not Attendance.objects.filter(session=session).exists()


def test_marking_someone_not_on_the_roster_is_refused(page_world, as_lead):
    stranger = EnrollmentFactory(group=page_world.other_group)
    response = as_lead.post(session_url(page_world.past_session), {"enrollment": stranger.pk, "mark": "present"})
    assert response.status_code == 400
    assert shows(response, attendance_services.ATTENDANCE_UNKNOWN_ENROLLMENT % {"id": stranger.pk})


def test_session_view_is_audited_like_the_api(page_world, as_lead):
    as_lead.get(session_url(page_world.past_session))
    assert AuditLog.objects.filter(action="attendance.view", target_id=str(page_world.past_session.pk)).count() == 1


@pytest.mark.parametrize("extra", [0, 60])
def test_attendance_page_costs_the_same_queries_at_any_size(page_world, as_lead, extra, django_assert_max_num_queries):
    _grow(page_world.group, extra)
    session = page_world.past_session
    for enrollment in Enrollment.objects.filter(group=page_world.group, status=Status.ACTIVE)[:20]:
        Attendance.objects.create(session=session, enrollment=enrollment, attendance="present")
    with django_assert_max_num_queries(7):
        assert as_lead.get(session_url(session)).status_code == 200


def test_group_sessions_lists_upcoming_and_recent(page_world, as_lead):
    later = SessionFactory(series=page_world.series, starts_at=timezone.now() + dt.timedelta(days=14))
    body = as_lead.get(f"/facilitate/groups/{page_world.group.pk}/sessions/").content.decode()
    assert session_url(later) in body
    assert session_url(page_world.past_session) in body


def test_another_organizations_facilitator_gets_the_apis_refusal(page_world):
    response = signed_in(page_world.users["other_org_facilitator"]).get(session_url(page_world.past_session))
    assert response.status_code == 403
    assert "You do not manage this group." in response.content.decode()
    assert "Ana" not in response.content.decode()


@pytest.mark.parametrize(
    ("stored", "shown"),
    [("+12175550142", "+1 217-555-0142"), ("+447700900123", "+44 7700 900123"), ("", ""), ("n/a", "n/a")],
)
def test_phone_numbers_are_shown_as_people_read_them(stored, shown):
    from sessions.templatetags.facilitate import phone_display

    assert phone_display(stored) == shown


def test_a_past_sessions_page_lists_who_was_on_the_roster_then(page_world, as_lead):
    week_ago = timezone.now() - dt.timedelta(days=7)
    session = SessionFactory(series=page_world.series, starts_at=week_ago, ends_at=week_ago + dt.timedelta(hours=1))
    gone = EnrollmentFactory(
        group=page_world.group, member=MemberFactory(display_name="Gwen"), activated_at=week_ago - dt.timedelta(7)
    )
    Enrollment.objects.filter(pk=gone.pk).update(status=Status.LEFT, status_changed_at=timezone.now())
    body = as_lead.get(session_url(session)).content.decode()
    assert "Gwen" in body  # left after the session
    joined_since = page_world.active[0].member.display_name  # the world's members joined today
    assert joined_since not in body
    assert "Gwen" not in as_lead.get(session_url(page_world.next_session)).content.decode()
    assert joined_since in as_lead.get(session_url(page_world.next_session)).content.decode()
