"""Signing in, out and resetting a password; the home page's groups, next sessions and RSVPs."""

from __future__ import annotations

import re

from django.core import mail
from django.test import Client

from sessions.models import Attendance
from tests.factories import AttendanceFactory, UserFactory
from tests.pages.facilitate.conftest import PASSWORD, signed_in


def test_signed_out_facilitate_leads_to_sign_in_and_back(page_world):
    response = Client().get(f"/facilitate/groups/{page_world.group.pk}/roster/")
    assert response.status_code == 302
    assert response["Location"] == f"/facilitate/sign-in/?next=/facilitate/groups/{page_world.group.pk}/roster/"


def test_sign_in_with_username_and_password_goes_to_next(page_world):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/facilitate/sign-in/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/facilitate/sign-in/",
        {"username": "lead", "password": PASSWORD, "next": "/facilitate/", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert response["Location"] == "/facilitate/"
    assert page_world.group.name in client.get("/facilitate/").content.decode()


def test_wrong_password_is_refused_in_the_error_summary(page_world):
    response = Client().post("/facilitate/sign-in/", {"username": "lead", "password": "nope"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Please enter a correct username and password" in body
    assert "_auth_user_id" not in Client().session.keys()


def test_sign_in_without_csrf_token_is_refused(page_world):
    response = Client(enforce_csrf_checks=True).post("/facilitate/sign-in/", {"username": "lead", "password": PASSWORD})
    assert response.status_code == 403


def test_sign_out_is_a_post(page_world, as_lead):
    assert as_lead.get("/facilitate/sign-out/").status_code == 405
    response = as_lead.post("/facilitate/sign-out/")
    assert response.status_code == 302
    assert as_lead.get("/facilitate/").status_code == 302


def test_password_reset_mails_a_link_that_sets_a_new_password(page_world):
    user = page_world.users["lead"]
    client = Client()
    response = client.post("/facilitate/password-reset/", {"email": user.email})
    assert response.status_code == 302
    [message] = mail.outbox
    # On the public address, whatever Host the request came with.
    link = re.search(r"https://lantern\.test(/facilitate/password-reset/[^\s]+/)", message.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    response = client.post(
        form.redirect_chain[-1][0], {"new_password1": "a-much-longer-pass-42", "new_password2": "a-much-longer-pass-42"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a-much-longer-pass-42")


def test_password_reset_for_an_unknown_address_says_the_same_and_sends_nothing(page_world):
    response = Client().post("/facilitate/password-reset/", {"email": "nobody@example.org"}, follow=True)
    assert "Check your email" in response.content.decode()
    assert mail.outbox == []


def test_home_lists_my_groups_with_next_session_rsvps_and_requests(page_world, as_lead):
    world = page_world
    AttendanceFactory(session=world.next_session, enrollment=world.active[0], rsvp=Attendance.Rsvp.YES)
    AttendanceFactory(session=world.next_session, enrollment=world.active[1], rsvp=Attendance.Rsvp.NO)
    response = as_lead.get("/facilitate/")
    body = response.content.decode()
    assert world.group.name in body
    assert world.other_group.name not in body
    assert "1 join request to decide" in body
    local = world.next_session.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("America/Chicago"))
    assert local.strftime("%-I:%M") in body
    assert local.tzname() in body
    counts = re.findall(r"<dt>([^<]+)</dt><dd>(\d+)</dd>", body)
    assert counts == [("Coming", "1"), ("Can't come", "1"), ("No answer yet", "1")]


def test_home_of_someone_without_groups_says_so(db):
    response = signed_in(UserFactory()).get("/facilitate/")
    assert "You don't facilitate any group yet" in response.content.decode()


def test_home_costs_the_same_queries_for_one_group_or_many(page_world, django_assert_max_num_queries):
    from tests.factories import FacilitatorFactory, SessionFactory, SessionSeriesFactory, SupportGroupFactory

    admin = page_world.users["admin"]
    client = signed_in(admin)
    with django_assert_max_num_queries(8):
        client.get("/facilitate/")
    for _ in range(5):
        group = SupportGroupFactory(organization=page_world.organization)
        FacilitatorFactory(group=group)
        SessionFactory(series=SessionSeriesFactory(group=group))
    with django_assert_max_num_queries(8):
        assert client.get("/facilitate/").status_code == 200


def test_sign_in_goes_through_authenticate_so_login_throttles_see_it(page_world):
    """django-axes (and any login throttle) hooks authenticate() and user_login_failed;
    the page's failed sign-in reaches both, with the request, as /admin/login/ does."""
    from django.contrib.auth.signals import user_login_failed

    seen = []

    def record(sender, credentials, request=None, **kwargs):
        seen.append((credentials.get("username"), request.path if request else None))

    user_login_failed.connect(record)
    try:
        Client().post("/facilitate/sign-in/", {"username": "lead", "password": "wrong"})
    finally:
        user_login_failed.disconnect(record)
    assert seen == [("lead", "/facilitate/sign-in/")]
