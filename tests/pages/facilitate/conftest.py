"""A small world for the facilitator pages: one organization with an admin, a group with
a lead and a co-facilitator, a series with a session last hour and one next week, and
members in every roster state; plus a facilitator of another organization."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from sessions.models import Enrollment
from tests.factories import (
    EnrollmentFactory,
    FacilitatorFactory,
    MemberFactory,
    OrganizationFactory,
    SessionFactory,
    SessionSeriesFactory,
    SupportGroupFactory,
    UserFactory,
    VenueFactory,
)

PASSWORD = "correct horse battery"


@dataclass
class PageWorld:
    organization: object
    group: object
    venue: object
    series: object
    past_session: object
    next_session: object
    active: list
    requested: object
    waitlisted: list
    users: dict
    other_group: object


@pytest.fixture
def page_world(db) -> PageWorld:
    return build_page_world()


def build_page_world() -> PageWorld:
    admin, lead, co = UserFactory(username="org-admin"), UserFactory(username="lead"), UserFactory(username="co")
    outsider = UserFactory(username="outsider")
    superuser = UserFactory(username="root", is_superuser=True, is_staff=True)
    organization = OrganizationFactory(admins=[admin])
    venue = VenueFactory(organization=organization, name="Chapel Room")
    group = SupportGroupFactory(organization=organization, venue=venue, capacity=3, enrollment_mode="approval")
    FacilitatorFactory(group=group, user=lead, role="lead")
    FacilitatorFactory(group=group, user=co, role="co")
    other_organization = OrganizationFactory()
    other_group = SupportGroupFactory(organization=other_organization)
    FacilitatorFactory(group=other_group, user=outsider, role="lead")
    series = SessionSeriesFactory(group=group)
    now = timezone.now()
    past_session = SessionFactory(series=series, starts_at=now - dt.timedelta(minutes=30))
    next_session = SessionFactory(series=series, starts_at=now + dt.timedelta(days=7))
    active = [
        EnrollmentFactory(group=group, member=MemberFactory(display_name=name, email=f"{name.lower()}@example.org"))
        for name in ("Ana", "Ben", "Cy")
    ]
    requested = EnrollmentFactory(
        group=group,
        member=MemberFactory(display_name="Dee"),
        status=Enrollment.Status.REQUESTED,
        activated_at=None,
        join_note="My sister died in May.",
    )
    waitlisted = [
        EnrollmentFactory(
            group=group,
            member=MemberFactory(display_name=name),
            status=Enrollment.Status.WAITLISTED,
            waitlist_position=position,
            activated_at=None,
        )
        for position, name in enumerate(("Eve", "Fay"), start=1)
    ]
    users = {
        "admin": admin,
        "lead": lead,
        "co_facilitator": co,
        "other_org_facilitator": outsider,
        "superuser": superuser,
    }
    return PageWorld(
        organization,
        group,
        venue,
        series,
        past_session,
        next_session,
        active,
        requested,
        waitlisted,
        users,
        other_group,
    )


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def as_lead(page_world) -> Client:
    return signed_in(page_world.users["lead"])


@pytest.fixture
def as_admin(page_world) -> Client:
    return signed_in(page_world.users["admin"])


def shows(response, message: str) -> bool:
    """The page carries this message (as HTML escapes it)."""
    return escape(message) in response.content.decode()
