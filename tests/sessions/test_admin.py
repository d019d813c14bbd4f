from __future__ import annotations

import pytest

from sessions.models import SupportGroup
from tests.factories import SupportGroupFactory, UserFactory

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
