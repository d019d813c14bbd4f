"""Venue writes with their audit entries (locating a venue is tested in test_services_places.py)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from sessions.models import AuditLog, Venue
from sessions.services.venues import VENUE_IN_USE, venue_create, venue_delete, venue_update
from tests.factories import OrganizationFactory, SupportGroupFactory, UserFactory, VenueFactory

SPRINGFIELD = {"city": "Springfield", "country": "US", "latitude": 39.8003, "longitude": -89.6437}


@pytest.mark.django_db
def test_a_staff_user_creating_and_changing_a_venue_is_audited_with_it():
    admin, organization = UserFactory(), OrganizationFactory()
    venue = venue_create(organization=organization, actor=admin, name="Chapel Room", **SPRINGFIELD)
    venue_update(venue=venue, actor=admin, name="Chapel Room B")
    entries = AuditLog.objects.filter(target_type="venue", target_id=str(venue.pk)).order_by("id")
    assert [(e.action, e.actor, e.organization_id) for e in entries] == [
        ("venue.create", admin, organization.pk),
        ("venue.update", admin, organization.pk),
    ]


@pytest.mark.django_db
def test_a_venue_made_without_an_actor_is_not_audited():
    # The demo and the Meeting Guide import create venues on nobody's behalf.
    venue = venue_create(organization=OrganizationFactory(), name="Hall", **SPRINGFIELD)
    venue_update(venue=venue, name="Hall 2")
    assert not AuditLog.objects.exists()


@pytest.mark.django_db
def test_deleting_a_venue_keeps_its_name_in_the_audit_log():
    admin, venue = UserFactory(), VenueFactory(name="Old Library")
    venue_delete(venue=venue, actor=admin)
    assert not Venue.objects.filter(pk=venue.pk).exists()
    entry = AuditLog.objects.get(action="venue.delete")
    assert (entry.actor, entry.organization_id, entry.details) == (
        admin,
        venue.organization_id,
        {"name": "Old Library"},
    )


@pytest.mark.django_db
def test_a_venue_in_use_stays_and_leaves_no_audit_entry():
    venue = VenueFactory()
    SupportGroupFactory(organization=venue.organization, venue=venue)
    with pytest.raises(ValidationError) as raised:
        venue_delete(venue=venue, actor=UserFactory())
    assert raised.value.message_dict == {"venue": [VENUE_IN_USE]}
    assert Venue.objects.filter(pk=venue.pk).exists()
    assert not AuditLog.objects.filter(action="venue.delete").exists()
