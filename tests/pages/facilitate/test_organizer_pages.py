"""Organizer pages: groups, facilitators, schedules, venues, the audit log."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions.api.manage import NOT_LEAD
from sessions.facilitate.views_groups import NOT_AN_ORGANIZER
from sessions.models import AuditLog, Facilitator, SessionSeries, SupportGroup, Venue
from sessions.services import groups as group_services
from sessions.services import schedule_patterns as patterns
from tests.factories import SessionSeriesFactory
from tests.pages.facilitate.conftest import shows, signed_in

NEW_GROUP = {
    "name": "Thursday Circle",
    "topic": "grief",
    "audience": "everyone",
    "description": "For anyone grieving.",
    "what_to_expect": "Tea and talk.",
    "format": "in_person",
    "language": "en",
    "capacity": "12",
    "enrollment_mode": "approval",
    "cost": "free",
    "peer_led": "on",
    "listed": "on",
    "sms_label": "Thursday group",
    "reminder_offsets": "1440, 120",
}


def test_an_admin_creates_a_group_then_goes_to_its_schedule(page_world, as_admin):
    data = {**NEW_GROUP, "organization": page_world.organization.pk, "venue": page_world.venue.pk}
    response = as_admin.post("/facilitate/groups/new/", data)
    assert response.status_code == 302
    group = SupportGroup.objects.get(name="Thursday Circle")
    assert response["Location"] == f"/facilitate/groups/{group.pk}/schedule/new/"
    assert (group.timezone, group.capacity, group.reminder_offsets) == ("America/Chicago", 12, [1440, 120])
    assert group.slug == "thursday-circle"
    assert AuditLog.objects.filter(action="group.create", group=group).exists()


def test_an_in_person_group_without_venue_gets_the_services_message_at_the_venue(page_world, as_admin):
    response = as_admin.post("/facilitate/groups/new/", {**NEW_GROUP, "organization": page_world.organization.pk})
    assert response.status_code == 400
    assert shows(response, group_services.VENUE_REQUIRED)
    assert 'href="#id_venue"' in response.content.decode()
    assert not SupportGroup.objects.filter(name="Thursday Circle").exists()


def test_bad_reminder_offsets_are_refused(page_world, as_admin):
    data = {**NEW_GROUP, "organization": page_world.organization.pk, "venue": page_world.venue.pk}
    response = as_admin.post("/facilitate/groups/new/", {**data, "reminder_offsets": "soon"})
    assert response.status_code == 400
    assert 'href="#id_reminder_offsets"' in response.content.decode()


def test_a_facilitator_cannot_create_groups(page_world, as_lead):
    response = as_lead.get("/facilitate/groups/new/")
    assert response.status_code == 403
    assert shows(response, NOT_AN_ORGANIZER)


def test_another_organizations_venue_is_not_offered_nor_accepted(page_world, as_admin):
    theirs = page_world.other_group.venue
    form = as_admin.get("/facilitate/groups/new/").content.decode()
    assert theirs.name not in form
    data = {**NEW_GROUP, "organization": page_world.organization.pk, "venue": theirs.pk}
    assert as_admin.post("/facilitate/groups/new/", data).status_code == 400


def test_lead_edits_the_group_and_raising_capacity_seats_the_waitlist(page_world, as_lead):
    url = f"/facilitate/groups/{page_world.group.pk}/edit/"
    form = as_lead.get(url)
    assert form.status_code == 200
    group = page_world.group
    data = {
        name: getattr(group, name)
        for name in ("name", "slug", "topic", "audience", "description", "what_to_expect", "format", "language")
    }
    data.update(
        venue=group.venue_id,
        timezone=group.timezone,
        capacity="5",
        enrollment_mode=group.enrollment_mode,
        cost=group.cost,
        peer_led="on",
        listed="on",
        sms_label=group.sms_label,
        reminder_offsets="1440, 120",
    )
    response = as_lead.post(url, data)
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.capacity == 5
    entry = AuditLog.objects.get(action="group.update")
    assert entry.details["fields"] == ["capacity"]
    for enrollment in page_world.waitlisted:
        enrollment.refresh_from_db()
        assert enrollment.status == "active"


def test_co_facilitator_may_not_edit_the_group(page_world):
    response = signed_in(page_world.users["co_facilitator"]).get(f"/facilitate/groups/{page_world.group.pk}/edit/")
    assert response.status_code == 403
    assert shows(response, NOT_LEAD)


def test_the_refusal_page_speaks_the_pages_language(page_world):
    client = signed_in(page_world.users["co_facilitator"])
    response = client.get(f"/facilitate/groups/{page_world.group.pk}/edit/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 403
    assert shows(response, "Solo la persona principal que facilita el grupo o quien administra la organización")
    assert not shows(response, NOT_LEAD)


def test_lead_adds_a_facilitator_by_username_with_a_role(page_world, as_lead):
    from tests.factories import UserFactory

    UserFactory(username="dev")
    url = f"/facilitate/groups/{page_world.group.pk}/facilitators/"
    assert as_lead.post(url, {"username": "dev", "role": "co"}).status_code == 302
    assert Facilitator.objects.get(group=page_world.group, user__username="dev").role == "co"
    unknown = as_lead.post(url, {"username": "nobody", "role": "co"})
    assert unknown.status_code == 400
    assert shows(unknown, group_services.USER_NOT_FOUND % {"username": "nobody"})
    assert as_lead.post(f"{url}dev/remove/").status_code == 302
    assert not Facilitator.objects.filter(group=page_world.group, user__username="dev").exists()


def test_a_spanish_facilitators_page_gives_the_services_refusals_in_spanish(page_world, as_lead):
    url = f"/facilitate/groups/{page_world.group.pk}/facilitators/"
    unknown = as_lead.post(url, {"username": "nobody", "role": "co"}, HTTP_ACCEPT_LANGUAGE="es")
    assert unknown.status_code == 400
    assert shows(unknown, "No hay ningún usuario con el nombre 'nobody'.")
    assert not shows(unknown, group_services.USER_NOT_FOUND % {"username": "nobody"})
    removed = as_lead.post(f"{url}nobody/remove/", HTTP_ACCEPT_LANGUAGE="es", follow=True)
    assert shows(removed, "'nobody' no facilita este grupo.")


def test_co_facilitator_sees_facilitators_but_cannot_add(page_world):
    client = signed_in(page_world.users["co_facilitator"])
    url = f"/facilitate/groups/{page_world.group.pk}/facilitators/"
    assert client.get(url).status_code == 200
    assert client.post(url, {"username": "co", "role": "lead"}).status_code == 403
    assert Facilitator.objects.get(group=page_world.group, user__username="co").role == "co"


# --- Schedules --------------------------------------------------------------------------


def schedule_new_url(world) -> str:
    return f"/facilitate/groups/{world.group.pk}/schedule/new/"


SECOND_THURSDAY = {
    "pattern": patterns.MONTHLY,
    "weekday": "TH",
    "ordinal": "2",
    "first_date": "2027-01-01",
    "start_time": "19:00",
    "duration_minutes": "90",
}


def test_second_thursday_shows_eight_dates_before_saving(page_world, as_lead):
    response = as_lead.post(schedule_new_url(page_world), SECOND_THURSDAY)
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('<li><time datetime="2027-') == 8
    assert "Thursday 14 January 2027, 7:00 PM CST" in body
    assert "Thursday 8 April 2027, 7:00 PM CDT" in body
    assert not SessionSeries.objects.filter(rrule__contains="2TH").exists()
    saved = as_lead.post(schedule_new_url(page_world), {**SECOND_THURSDAY, "confirm": "yes"})
    assert saved.status_code == 302
    series = SessionSeries.objects.get(group=page_world.group, rrule="FREQ=MONTHLY;BYDAY=2TH")
    assert series.timezone == "America/Chicago"
    schedule = as_lead.get(f"/facilitate/groups/{page_world.group.pk}/schedule/").content.decode()
    assert "Monthly on the 2nd Thursday" in " ".join(schedule.split())


def test_schedule_errors_go_next_to_the_pickers_fields(page_world, as_lead):
    response = as_lead.post(schedule_new_url(page_world), {**SECOND_THURSDAY, "ordinal": "", "duration_minutes": "2"})
    assert response.status_code == 400
    assert shows(response, patterns.ORDINAL_REQUIRED)
    assert 'href="#id_ordinal"' in response.content.decode()


def test_the_services_rule_and_duration_errors_are_shown(page_world, as_lead):
    from sessions.services import schedule as schedule_services

    response = as_lead.post(
        schedule_new_url(page_world), {**SECOND_THURSDAY, "duration_minutes": "2", "confirm": "yes"}
    )
    assert response.status_code == 400
    assert shows(response, schedule_services.DURATION_INVALID)
    assert not SessionSeries.objects.filter(rrule__contains="2TH").exists()


def test_a_cycle_needs_the_lead(page_world):
    data = {**SECOND_THURSDAY, "pattern": patterns.CYCLE, "weekday": "TU", "cycle_weeks": "13", "confirm": "yes"}
    co = signed_in(page_world.users["co_facilitator"])
    response = co.post(schedule_new_url(page_world), data)
    assert response.status_code == 403
    assert shows(response, NOT_LEAD)


def test_edit_and_end_a_series(page_world, as_lead):
    series = page_world.series  # weekly on Tuesday at 19:00
    url = f"/facilitate/series/{series.pk}/"
    form = as_lead.get(url).content.decode()
    assert 'value="weekly" checked' in form or 'value="weekly" id="id_pattern_0" checked' in form or "checked" in form
    today = timezone.now().date()
    data = {
        "pattern": patterns.WEEKLY,
        "weekday": "WE",
        "first_date": (today + dt.timedelta(days=1)).isoformat(),
        "start_time": "18:30",
        "duration_minutes": "90",
        "confirm": "yes",
    }
    assert as_lead.post(url, data).status_code == 302
    series.refresh_from_db()
    assert series.rrule == "FREQ=WEEKLY;BYDAY=WE"
    assert as_lead.post(f"{url}end/", {"confirm": "yes"}).status_code == 302
    series.refresh_from_db()
    assert series.active is False


def test_outsider_cannot_see_or_end_a_series(page_world):
    outsider = signed_in(page_world.users["other_org_facilitator"])
    assert outsider.get(f"/facilitate/series/{page_world.series.pk}/").status_code == 403
    assert outsider.post(f"/facilitate/series/{page_world.series.pk}/end/").status_code == 403
    page_world.series.refresh_from_db()
    assert page_world.series.active


# --- Venues and the audit log -----------------------------------------------------------


@pytest.fixture
def springfield_place(db):
    from sessions.models import Place

    return Place.objects.create(
        kind="postal_code",
        key="62701",
        name="Springfield",
        region="IL",
        country="US",
        postal_code="62701",
        latitude=39.80,
        longitude=-89.65,
        timezone="America/Chicago",
    )


def test_a_venue_is_located_offline_and_marked_approximate(page_world, as_admin, springfield_place):
    data = {
        "organization": page_world.organization.pk,
        "name": "Library Room",
        "address": "1 Main St",
        "city": "Springfield",
        "region": "IL",
        "postal_code": "62701",
        "country": "us",
    }
    response = as_admin.post("/facilitate/venues/new/", data)
    assert response.status_code == 302, response.content.decode()[:3000]
    venue = Venue.objects.get(name="Library Room")
    assert venue.location_approximate
    assert venue.timezone == "America/Chicago"
    page = as_admin.get(f"/facilitate/venues/{venue.pk}/").content.decode()
    assert "approximate" in page
    assert AuditLog.objects.filter(action="venue.create").exists()


def test_venues_are_for_admins(page_world, as_lead):
    assert as_lead.get("/facilitate/venues/").status_code == 403
    assert as_lead.get(f"/facilitate/venues/{page_world.venue.pk}/").status_code == 403


def test_audit_log_filters_by_group_and_action(page_world, as_admin):
    as_admin.get(f"/facilitate/groups/{page_world.group.pk}/roster/")
    SessionSeriesFactory(group=page_world.group)
    url = f"/facilitate/organizations/{page_world.organization.pk}/audit/"
    everything = as_admin.get(url).content.decode()
    assert "roster.view" in everything
    filtered = as_admin.get(url, {"group": page_world.group.pk, "action": "series.create"}).content.decode()
    assert "roster.view" not in filtered.split("<tbody>")[1]
    bad = as_admin.get(url, {"group": "not-a-number"})
    assert bad.status_code == 200  # the filter is ignored and its error shown


def test_audit_log_is_for_the_organizations_admins_only(page_world):
    url = f"/facilitate/organizations/{page_world.organization.pk}/audit/"
    assert signed_in(page_world.users["lead"]).get(url).status_code == 403
    assert signed_in(page_world.users["other_org_facilitator"]).get(url).status_code == 403
