"""Rosters shown to staff are recorded as they are read."""

from __future__ import annotations

import pytest

from sessions.models import AuditLog
from sessions.services.audit import ROSTER_EXPORT, ROSTER_VIEW, roster_entry_view, roster_export, roster_view
from tests.factories import EnrollmentFactory, SupportGroupFactory, UserFactory


@pytest.fixture
def group():
    group = SupportGroupFactory()
    EnrollmentFactory(group=group, status="active")
    EnrollmentFactory(group=group, status="requested")
    return group


@pytest.mark.django_db
@pytest.mark.parametrize(("read", "action"), [(roster_view, ROSTER_VIEW), (roster_export, ROSTER_EXPORT)])
def test_reading_a_roster_records_who_read_which_statuses_and_how_many_rows(group, read, action):
    facilitator = UserFactory()
    rows = read(group=group, actor=facilitator, statuses=["active"])
    everyone = read(group=group, actor=facilitator)
    assert [row["status"] for row in rows] == ["active"] and len(everyone) == 2
    entries = AuditLog.objects.filter(group=group).order_by("id")
    assert [(e.action, e.actor, e.organization_id, e.details) for e in entries] == [
        (action, facilitator, group.organization_id, {"statuses": ["active"], "rows": 1}),
        (action, facilitator, group.organization_id, {"statuses": "all", "rows": 2}),
    ]


@pytest.mark.django_db
def test_reading_one_roster_line_records_its_enrollment(group):
    facilitator, enrollment = UserFactory(), group.enrollments.first()
    row = roster_entry_view(group=group, enrollment=enrollment, actor=facilitator)
    assert row["enrollment_id"] == enrollment.pk
    entry = AuditLog.objects.get(group=group)
    assert (entry.action, entry.target_type, entry.target_id, entry.details) == (
        ROSTER_VIEW,
        "enrollment",
        str(enrollment.pk),
        {"member_id": enrollment.member_id},
    )
