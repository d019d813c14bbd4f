from __future__ import annotations

import pytest

from sessions.models import SupportGroup
from tests.factories import SessionFactory, SupportGroupFactory, UserFactory

pytestmark = pytest.mark.django_db

ADMIN_MODELS = [
    "organization",
    "venue",
    "supportgroup",
    "facilitator",
    "member",
    "enrollment",
    "sessionseries",
    "session",
    "attendance",
    "auditlog",
]


def test_admin_lists_support_groups(client):
    group = SupportGroupFactory(name="Widowed Friends — Springfield")
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    response = client.get("/admin/lantern_sessions/supportgroup/")
    assert response.status_code == 200
    assert group.name.encode() in response.content


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_domain_model_has_an_admin_page(client, model):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    assert client.get(f"/admin/lantern_sessions/{model}/").status_code == 200


def test_admin_is_closed_to_anonymous_visitors(client):
    SupportGroupFactory()
    response = client.get("/admin/lantern_sessions/supportgroup/")
    assert response.status_code == 302
    assert SupportGroup.objects.count() == 1


@pytest.mark.parametrize("model", ["sessionseries", "session"])
def test_the_admin_shows_the_schedule_and_changes_it_only_through_the_services(client, model):
    """A series or session edited in the admin would skip the rule checks, the sessions and the notices."""
    session = SessionFactory()
    obj = session.series if model == "sessionseries" else session
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    change_url = f"/admin/lantern_sessions/{model}/{obj.pk}/change/"

    page = client.get(change_url)
    assert page.status_code == 200 and b'name="_save"' not in page.content  # read-only view
    assert client.post(change_url, {"dtstart_0": "2030-01-01", "status": "cancelled"}).status_code == 403
    assert client.get(f"/admin/lantern_sessions/{model}/add/").status_code == 403
    assert client.post(f"/admin/lantern_sessions/{model}/{obj.pk}/delete/", {"post": "yes"}).status_code == 403

    before = (session.series.dtstart, session.series.rrule, session.starts_at, session.status)
    session.refresh_from_db()
    session.series.refresh_from_db()
    assert (session.series.dtstart, session.series.rrule, session.starts_at, session.status) == before


def test_the_group_admin_lists_its_series_without_changing_them(client):
    session = SessionFactory()
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get(f"/admin/lantern_sessions/supportgroup/{session.group_id}/change/")
    assert page.status_code == 200
    assert session.series.rrule.encode() in page.content
    assert b'name="series-0-rrule"' not in page.content  # shown as text, not as a field
