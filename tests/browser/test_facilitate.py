"""Facilitator pages end to end on a phone (390×844) in Chromium: sign in, approve a request,
take attendance, cancel the next session and see the text reach the fake Twilio, send a
message, end a series after its check, and set up a group with a "2nd Thursday" schedule. axe-core on every page in
English and Spanish; screenshots into docs/screenshots/facilitate-*.png."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications import dispatch
from notifications.models import Broadcast
from sessions.models import Enrollment, Member, SessionSeries, SupportGroup
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio
from tests.pages.facilitate.conftest import PASSWORD, build_page_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def world():
    world = build_page_world()
    world.group.capacity = 10
    world.group.save()
    # Ana takes texts (she replied YES); Ben takes email.
    ana, ben = world.active[0].member, world.active[1].member
    Member.objects.filter(pk=ana.pk).update(sms_consent=Member.SmsConsent.CONFIRMED, sms_reminders=True)
    Member.objects.filter(pk=ben.pk).update(email_consent=True, email_reminders=True)
    return world


def sign_in(page, username: str) -> None:
    page.goto("/facilitate/")
    assert "/facilitate/sign-in/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/facilitate/")


def test_sign_in_approve_a_request_and_take_attendance(phone, world, axe, screenshot):
    phone.goto("/facilitate/sign-in/")
    axe(phone)
    screenshot(phone, "facilitate-sign-in")
    sign_in(phone, "lead")
    assert phone.locator("h1").inner_text() == "Your groups"
    assert phone.get_by_text("1 join request to decide").is_visible()
    axe(phone)
    screenshot(phone, "facilitate-home")

    phone.get_by_role("link", name=world.group.name).click()
    phone.get_by_role("button", name="Approve Dee").click()
    assert phone.get_by_text("Dee is approved.").is_visible()
    world.requested.refresh_from_db()
    assert world.requested.status == Enrollment.Status.ACTIVE
    axe(phone)
    screenshot(phone, "facilitate-roster")

    phone.goto(f"/facilitate/sessions/{world.past_session.pk}/")
    phone.get_by_role("button", name="Here – Ana", exact=True).click()
    phone.get_by_role("button", name="Not here – Ben", exact=True).click()
    assert phone.get_by_text("1 here, 1 not here").is_visible()
    phone.get_by_role("button", name="Undo for Ben").click()
    assert phone.get_by_text("1 here, 0 not here").is_visible()
    # Big targets: every mark button is at least 48 px tall on a phone.
    heights = phone.locator(".f-marks button").evaluate_all("(bs) => bs.map((b) => b.getBoundingClientRect().height)")
    assert heights and min(heights) >= 48
    axe(phone)
    screenshot(phone, "facilitate-attendance")


@pytest.fixture
def fake_twilio(settings):
    server = FakeTwilio().start()
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = server.url
    settings.SMS_RATE_PER_SECOND = 0
    # No quiet hours, so the text is due now whatever the hour the test runs at.
    settings.SMS_QUIET_HOURS_START = settings.SMS_QUIET_HOURS_END = 0
    yield server
    server.stop()


def run_dispatch(now: dt.datetime, monkeypatch) -> None:
    queued: list = []
    monkeypatch.setattr(dispatch, "enqueue", queued.extend)
    dispatch.dispatch_notifications(now=now)
    for pk, token in queued:
        dispatch.deliver(outbox_id=pk, claim_token=token, now=now, sleep=lambda s: None)


def test_cancel_the_next_session_and_the_text_reaches_twilio(phone, world, fake_twilio, monkeypatch, axe, screenshot):
    sign_in(phone, "co")
    phone.goto(f"/facilitate/sessions/{world.next_session.pk}/")
    axe(phone)
    screenshot(phone, "facilitate-session")
    phone.get_by_role("link", name="Cancel it").click()
    phone.get_by_label("Why it is cancelled (members see this)").fill("The hall is closed for repairs.")
    phone.get_by_role("button", name="Continue").click()
    assert phone.get_by_role("heading", name="Who will be told").is_visible()
    told = phone.locator(".panel .f-list").inner_text()
    assert "Text" in told and "Ana" in told and "Email" in told and "Ben" in told
    axe(phone)
    screenshot(phone, "facilitate-cancel-preview")
    phone.get_by_role("button", name="Yes, cancel the session").click()
    assert phone.get_by_text("The session is cancelled. Members will be told.").is_visible()

    run_dispatch(timezone.now(), monkeypatch)
    [text] = [m for m in fake_twilio.messages if m["to"] == world.active[0].member.phone]
    assert "is cancelled" in text["body"]
    assert world.group.sms_label in text["body"]
    assert world.group.topic not in text["body"].lower()


def test_send_a_message_with_a_live_count(phone, world, axe, screenshot):
    sign_in(phone, "lead")
    phone.goto(f"/facilitate/groups/{world.group.pk}/messages/")
    phone.get_by_label("Message").fill("We’re in room 4 tonight.")
    count = phone.locator("#body-count")
    count.filter(has_text="characters, 1 text message").wait_for()
    assert "1 text message" in count.inner_text()
    assert phone.locator("#live-preview .f-sms").inner_text().startswith(f"{world.group.sms_label}: We're in room 4")
    axe(phone)
    screenshot(phone, "facilitate-message")
    phone.get_by_role("button", name="Preview").click()
    assert phone.get_by_role("heading", name="This is how it will arrive").is_visible()
    phone.get_by_role("button", name="Send it").click()
    assert phone.get_by_text("Message sent to 2 people").is_visible()
    assert Broadcast.objects.get().body == "We’re in room 4 tonight."


def test_create_a_group_with_a_second_thursday_schedule(phone, world, axe, screenshot):
    sign_in(phone, "org-admin")
    phone.get_by_role("link", name="Create a group").click()
    phone.get_by_label("Name", exact=True).fill("Second Thursday Circle")
    phone.get_by_label("Topic").select_option("grief")
    phone.get_by_label("Format").select_option("in_person")
    phone.get_by_label("Venue").select_option(str(world.venue.pk))
    phone.get_by_label("Name in text messages").fill("Thursday group")
    phone.get_by_role("button", name="Create the group").click()
    phone.wait_for_url("**/schedule/new/")
    group = SupportGroup.objects.get(name="Second Thursday Circle")

    phone.get_by_label("Once a month, on a weekday (e.g. the 2nd Thursday)").check()
    phone.get_by_label("Which one in the month").select_option("2")
    phone.get_by_label("Day of the week").select_option("TH")
    phone.get_by_label("Starting from").fill("2027-01-01")
    phone.get_by_label("Starts at").fill("19:00")
    phone.get_by_role("button", name="Show the dates").click()
    dates = phone.locator(".f-dates li").all_inner_texts()
    assert len(dates) == 8
    assert dates[0] == "Thursday 14 January 2027, 7:00 PM CST"
    assert dates[3] == "Thursday 8 April 2027, 7:00 PM CDT"
    axe(phone)
    screenshot(phone, "facilitate-schedule-preview")
    phone.get_by_role("button", name="Save this schedule").click()
    assert phone.get_by_text("The schedule is saved.").is_visible()
    assert SessionSeries.objects.get(group=group).rrule == "FREQ=MONTHLY;BYDAY=2TH"


def test_end_a_series_after_seeing_who_will_be_told(phone, world, axe, screenshot):
    sign_in(phone, "lead")
    phone.goto(f"/facilitate/groups/{world.group.pk}/schedule/")
    phone.get_by_role("button", name="End this series").click()
    assert phone.get_by_role("heading", name="Who will be told").is_visible()
    assert phone.get_by_text("1 future session will be cancelled.").is_visible()
    told = phone.locator(".panel .f-list").inner_text()
    assert "Text" in told and "Ana" in told and "Email" in told and "Ben" in told
    world.series.refresh_from_db()
    assert world.series.active
    axe(phone)
    screenshot(phone, "facilitate-series-end-preview")
    phone.get_by_role("button", name="Yes, end the series").click()
    assert phone.get_by_text("The series has ended; 1 future session is cancelled.").is_visible()
    world.series.refresh_from_db()
    assert not world.series.active


def test_pages_in_spanish_have_no_axe_violations(phone_es, world, axe, screenshot):
    sign_in_es(phone_es)
    assert phone_es.locator("html").get_attribute("lang") == "es"
    assert phone_es.locator("h1").inner_text() == "Sus grupos"
    axe(phone_es)
    screenshot(phone_es, "facilitate-home-es")
    for url in (
        f"/facilitate/groups/{world.group.pk}/roster/",
        f"/facilitate/sessions/{world.past_session.pk}/",
        f"/facilitate/groups/{world.group.pk}/messages/",
        f"/facilitate/groups/{world.group.pk}/schedule/new/",
    ):
        phone_es.goto(url)
        axe(phone_es)
    phone_es.goto(f"/facilitate/sessions/{world.past_session.pk}/")
    screenshot(phone_es, "facilitate-attendance-es")


def sign_in_es(page) -> None:
    page.goto("/facilitate/sign-in/")
    page.get_by_label("Nombre de usuario").fill("lead")
    page.get_by_label("Contraseña").fill(PASSWORD)
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_url("**/facilitate/")


def test_usable_at_320_pixels(browser, live_server, world):
    context = browser.new_context(viewport={"width": 320, "height": 640}, base_url=live_server.url)
    page = context.new_page()
    try:
        sign_in(page, "lead")
        for url in (
            "/facilitate/",
            f"/facilitate/groups/{world.group.pk}/roster/",
            f"/facilitate/sessions/{world.past_session.pk}/",
            f"/facilitate/groups/{world.group.pk}/schedule/new/",
        ):
            page.goto(url)
            assert page.evaluate("() => document.documentElement.scrollWidth") <= 320, url
    finally:
        context.close()
