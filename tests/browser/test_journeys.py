"""End to end in Chromium: find a group by ZIP, read it, join, confirm, manage, leave, erase.

Each page on the way is checked with axe-core and photographed at phone size for docs/.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.core import mail
from django.utils import timezone

from notifications.inbound_sms import handle_inbound
from notifications.transports import ConsoleSms
from sessions.models import Enrollment, Member
from tests.factories import FacilitatorFactory, UserFactory
from tests.pages.helpers import add_places, make_group

pytestmark = pytest.mark.django_db(transaction=True)

PAGE_LINK = re.compile(r"https?://[^/\s]+(/me/[\w-]+/)")
EMAIL_LINK = re.compile(r"https?://[^/\s]+(/email-confirmations/[\w-]+/)")


@pytest.fixture
def hope_circle():
    add_places()
    group = make_group(
        name="Hope Circle",
        capacity=12,
        sms_label="Tuesday group",
        wheelchair_accessible=True,
        sessions=3,
    )
    FacilitatorFactory(group=group, user=UserFactory(first_name="Maria"))
    make_group(name="Evening Online Circle", format="online")
    return group


def reply_yes(phone: str) -> str:
    return handle_inbound(
        message_sid=f"SM{uuid.uuid4().hex}", from_number=phone, to_number="+15005550006", body="YES", now=timezone.now()
    )


def test_phone_journey_from_zip_to_erase(phone, live_server, axe, screenshot, deliver_messages, hope_circle):
    # Find
    phone.goto("/")
    phone.get_by_label("ZIP code or town").fill("62701")
    phone.get_by_role("button", name="Find groups").click()
    phone.wait_for_url(re.compile(r"/groups/\?near=62701"))
    assert phone.locator("h1").inner_text() == "Groups near 62701 (Springfield, IL)"
    assert phone.get_by_role("heading", name="Groups that meet online").is_visible()
    axe(phone)
    screenshot(phone, "results")

    # Read
    phone.get_by_role("link", name="Hope Circle").click()
    assert phone.locator("h1").inner_text() == "Hope Circle"
    assert phone.get_by_text("Led by Maria.").is_visible()
    axe(phone)
    screenshot(phone, "group")

    # Join, with one mistake first
    phone.get_by_role("link", name="Join this group").first.click()
    phone.get_by_role("button", name="Send my request to join").click()
    summary = phone.locator(".error-summary")
    assert summary.is_visible()
    # The deferred script moves focus to the summary once the page has loaded; the click
    # returns when the navigation commits, which on a busy machine can be before that.
    phone.wait_for_function("() => document.activeElement.classList.contains('error-summary')", timeout=5000)
    axe(phone)
    screenshot(phone, "join-errors")
    phone.get_by_label("Your first name").fill("Ana")
    phone.get_by_label("Mobile phone number").fill("(217) 555-0142")
    phone.get_by_label("By text message").check()
    phone.get_by_label("Anything the group leader should know?").fill("First time at a group.")
    phone.get_by_label(re.compile("I agree that Lantern keeps my first name")).check()
    screenshot(phone, "join")
    phone.get_by_role("button", name="Send my request to join").click()
    phone.wait_for_url(re.compile(r"/join-requests/[\w-]+/$"))
    assert phone.locator("h1").inner_text() == "Check your phone"
    axe(phone)
    screenshot(phone, "join-request")

    # Confirm: the text asks for YES; the reply carries the link to the member's page.
    deliver_messages()
    assert [m.to for m in ConsoleSms.sent] == ["+12175550142"]
    assert "reply YES" in ConsoleSms.sent[0].body and "Hope" not in ConsoleSms.sent[0].body
    reply = reply_yes("+12175550142")
    my_page = PAGE_LINK.search(reply).group(1)
    member = Member.objects.get(phone="+12175550142")
    assert Enrollment.objects.get(member=member).status == "active"

    # Manage
    phone.goto(my_page)
    assert phone.locator("h1").inner_text() == "Hello, Ana"
    axe(phone)
    phone.get_by_role("button", name="I'll come").click()
    assert phone.get_by_text("The group leader knows you plan to come.").is_visible()
    assert phone.get_by_role("button", name="✓ I'll come").get_attribute("aria-pressed") == "true"
    axe(phone)
    screenshot(phone, "me")

    # Leave (a confirmation step), then erase (another)
    phone.get_by_role("link", name="Leave Hope Circle").click()
    axe(phone)
    screenshot(phone, "me-leave")
    phone.get_by_role("button", name="Yes, leave this group").click()
    assert phone.get_by_text("You left Hope Circle.").is_visible()
    assert Enrollment.objects.get(member=member).status == "left"
    phone.get_by_role("link", name="Delete my details").click()
    axe(phone)
    screenshot(phone, "me-erase")
    phone.get_by_label(re.compile("I understand")).check()
    phone.get_by_role("button", name="Delete my details").click()
    phone.wait_for_url(f"{live_server.url}/erased/")
    axe(phone)
    member.refresh_from_db()
    assert member.erased_at is not None and member.phone is None
    assert phone.goto(my_page).status == 404


def test_email_journey_confirm_is_one_tap_on_a_page(
    desktop, live_server, axe, screenshot, deliver_messages, hope_circle
):
    desktop.goto(f"/groups/{hope_circle.slug}/join/")
    desktop.get_by_label("Your first name").fill("Ruth")
    desktop.get_by_label("Email address").fill("ruth@example.org")
    desktop.get_by_label("By email").check()
    desktop.get_by_label(re.compile("I agree that Lantern keeps my first name")).check()
    desktop.get_by_role("button", name="Send my request to join").click()
    assert desktop.locator("h1").inner_text() == "Check your email"
    deliver_messages()
    link = EMAIL_LINK.search(mail.outbox[-1].body).group(1)
    desktop.goto(link)
    # Opening the link changed nothing.
    assert not Enrollment.objects.filter(group=hope_circle).exists()
    axe(desktop)
    screenshot(desktop, "email-confirm-desktop")
    desktop.get_by_role("button", name="Confirm").click()
    assert desktop.locator("h1").inner_text() == "You are confirmed"
    assert desktop.get_by_text("You have a place in Hope Circle.").is_visible()
    axe(desktop)
    desktop.get_by_role("link", name="Go to my page").click()
    assert desktop.locator("h1").inner_text() == "Hello, Ruth"
    screenshot(desktop, "me-desktop")


def test_without_javascript_search_group_and_join_work(phone_nojs, live_server, screenshot, hope_circle):
    page = phone_nojs
    page.goto("/")
    # Without script nothing can find the person's location, so the button must not be offered.
    assert not page.get_by_role("button", name="Use my location").is_visible()
    page.get_by_label("ZIP code or town").fill("62701")
    page.get_by_role("button", name="Find groups").click()
    assert page.locator("h1").inner_text() == "Groups near 62701 (Springfield, IL)"
    # Filters are plain checkboxes in a <details>, which opens without script.
    page.get_by_text("More choices").click()
    page.get_by_label("Only groups with a free seat").check()
    page.get_by_role("button", name="Show groups").click()
    assert "has_openings=on" in page.url
    page.get_by_role("link", name="Hope Circle").click()
    page.get_by_role("link", name="Join this group").first.click()
    page.get_by_role("button", name="Send my request to join").click()
    assert page.get_by_role("link", name="Enter your first name.").is_visible()
    page.get_by_label("Your first name").fill("Ana")
    page.get_by_label("Mobile phone number").fill("(217) 555-0142")
    page.get_by_label(re.compile("I agree that Lantern keeps my first name")).check()
    page.get_by_role("button", name="Send my request to join").click()
    assert page.locator("h1").inner_text() == "Check your phone"
    screenshot(page, "join-request-nojs")


def test_keyboard_only_join(desktop, live_server, hope_circle):
    page = desktop
    page.goto(f"/groups/{hope_circle.slug}/join/")
    typed = {"id_display_name": "Kim", "id_phone": "2175550177"}
    ticks = {"id_reminders_0", "id_consent"}
    for _ in range(60):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement.id || document.activeElement.textContent.trim()")
        if focused in typed:
            page.keyboard.type(typed.pop(focused))
        elif focused in ticks:
            ticks.discard(focused)
            page.keyboard.press("Space")
        elif focused == "Send my request to join":
            assert not typed and not ticks, (typed, ticks)
            page.keyboard.press("Enter")
            break
    page.wait_for_url(re.compile(r"/join-requests/[\w-]+/$"))
    assert page.locator("h1").inner_text() == "Check your phone"
    assert Member.objects.get(phone="+12175550177").display_name == "Kim"
