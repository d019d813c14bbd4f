"""Every seeker and member page, in English and Spanish: axe-core finds no violation, and a
phone-size screenshot of each goes to docs/screenshots/."""

from __future__ import annotations

import pytest

from sessions.models import ContactProof, JoinRequest
from sessions.services.joining import group_join
from tests.factories import EnrollmentFactory, FacilitatorFactory, MemberFactory, UserFactory
from tests.pages.helpers import add_places, make_group

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def pages() -> dict[str, str]:
    """name -> path of every page, with the data each needs."""
    add_places()
    group = make_group(name="Hope Circle", capacity=8, wheelchair_accessible=True, sessions=3)
    FacilitatorFactory(group=group, user=UserFactory(first_name="Maria"))
    make_group(name="Evening Online Circle", format="online")
    member = MemberFactory(organization=group.organization, display_name="Ana", email="ana@example.org")
    EnrollmentFactory(member=member, group=group)
    by_text = group_join(group=group, display_name="Luis", phone="(217) 555-0150").join_request
    group_join(group=group, display_name="Rosa", email="rosa@example.org")
    secret = ContactProof.objects.get(destination="rosa@example.org").secret
    assert JoinRequest.objects.count() == 2
    return {
        "finder": "/",
        "results": "/groups/?near=62701",
        "results-ambiguous": "/groups/?near=Springfield",
        "results-unknown": "/groups/?near=Atlantis",
        "group": f"/groups/{group.slug}/",
        "join": f"/groups/{group.slug}/join/",
        "join-request": f"/join-requests/{by_text.token}/",
        "email-confirm": f"/email-confirmations/{secret}/",
        "me": f"/me/{member.token}/",
        "me-leave": f"/me/{member.token}/groups/{group.slug}/leave/",
        "me-erase": f"/me/{member.token}/erase/",
        "erased": "/erased/",
        "not-found": "/groups/no-such-group/",
    }


def test_every_page_in_english_has_no_axe_violations(phone, axe, screenshot, pages):
    for name, path in pages.items():
        response = phone.goto(path)
        assert response.status in (200, 404), (name, response.status)
        axe(phone)
        screenshot(phone, name)


def test_every_page_in_spanish_has_no_axe_violations(phone_es, axe, screenshot, pages):
    for name, path in pages.items():
        phone_es.goto(path)
        assert phone_es.locator("html").get_attribute("lang") == "es", name
        axe(phone_es)
        if name in ("finder", "results", "group", "join", "me"):
            screenshot(phone_es, f"{name}-es")


def test_join_errors_have_no_axe_violations_in_spanish(phone_es, axe, screenshot, pages):
    phone_es.goto(pages["join"])
    phone_es.get_by_role("button", name="Enviar mi solicitud").click()
    assert phone_es.get_by_role("heading", name="Hay un problema").is_visible()
    axe(phone_es)
    screenshot(phone_es, "join-errors-es")
