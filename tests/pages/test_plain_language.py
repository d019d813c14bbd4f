"""The seeker and member pages' own words read at US grade 8 or below (Flesch-Kincaid).

What a facilitator wrote (marked `user-content`), names and addresses are left out: the test
measures Lantern's copy, the part this project controls.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
import textstat
from django.test import Client

from sessions.services.joining import group_join
from tests.factories import EnrollmentFactory, FacilitatorFactory, MemberFactory, UserFactory
from tests.pages.helpers import add_places, make_group

pytestmark = pytest.mark.django_db

MAX_GRADE = 8.0


class MainText(HTMLParser):
    """Visible text inside <main>, without user content, inputs or hidden fields."""

    SKIP = {"script", "style", "input", "textarea", "select"}

    def __init__(self) -> None:
        super().__init__()
        self.depth_main = 0
        self.skipping: list[str] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "main":
            self.depth_main += 1
        if self.skipping or "user-content" in (attributes.get("class") or "") or tag in ("h1", "h3", "dd"):
            # Headings name the group or place; dd holds dates, distances and other data.
            if tag not in ("input", "br", "img"):
                self.skipping.append(tag)

    def handle_endtag(self, tag):
        if self.skipping and self.skipping[-1] == tag:
            self.skipping.pop()
        if tag == "main":
            self.depth_main -= 1
        if tag in ("p", "li", "h2", "legend", "label", "button", "dt", "a"):
            self.parts.append(". ")

    def handle_data(self, data):
        if self.depth_main and not self.skipping:
            self.parts.append(data)

    def text(self) -> str:
        text = " ".join(self.parts)
        text = re.sub(r"\s+", " ", text)
        text = re.sub(r"(\.\s*)+", ". ", text)
        return text.strip()


def main_text(html: str) -> str:
    parser = MainText()
    parser.feed(html)
    return parser.text()


@pytest.fixture
def paths() -> list[str]:
    add_places()
    group = make_group(name="Hope Circle", capacity=8)
    FacilitatorFactory(group=group, user=UserFactory(first_name="Maria"))
    member = MemberFactory(organization=group.organization)
    EnrollmentFactory(member=member, group=group)
    join_request = group_join(group=group, display_name="Luis", phone="(217) 555-0150").join_request
    return [
        "/",
        "/groups/?near=62701",
        f"/groups/{group.slug}/",
        f"/groups/{group.slug}/join/",
        f"/join-requests/{join_request.token}/",
        f"/me/{member.token}/",
        f"/me/{member.token}/erase/",
    ]


def test_page_copy_reads_at_grade_8_or_below(client: Client, paths):
    grades = {}
    for path in paths:
        text = main_text(client.get(path).content.decode())
        assert len(text.split()) > 20, (path, text)
        grades[path] = textstat.flesch_kincaid_grade(text)
    assert all(grade <= MAX_GRADE for grade in grades.values()), grades


def test_the_measure_is_not_blind():
    hard = (
        "Notwithstanding the aforementioned considerations, participation necessitates comprehensive "
        "acknowledgement of organizational confidentiality obligations and institutional responsibilities."
    )
    assert textstat.flesch_kincaid_grade(hard) > MAX_GRADE
