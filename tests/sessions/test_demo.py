from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions.demo import load_demo
from sessions.models import Session, SupportGroup

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)


def test_demo_has_forty_listed_groups_in_eight_us_cities_and_two_other_countries():
    load_demo(now=NOW)
    listed = SupportGroup.objects.filter(listed=True).select_related("venue")
    assert listed.count() >= 40
    us_cities = {(g.venue.city, g.venue.region) for g in listed if g.venue and g.venue.country == "US"}
    other_countries = {g.venue.country for g in listed if g.venue and g.venue.country != "US"}
    assert len(us_cities) >= 8
    assert len(other_countries) >= 2


def test_every_demo_group_has_upcoming_sessions_and_a_facilitator():
    load_demo(now=NOW)
    for group in SupportGroup.objects.all():
        assert group.facilitators.exists(), group.slug
        assert Session.objects.filter(group=group, starts_at__gt=NOW, status="scheduled").exists(), group.slug


def test_loading_the_demo_twice_adds_nothing():
    load_demo(now=NOW)
    counts = (SupportGroup.objects.count(), Session.objects.count())
    assert load_demo(now=NOW) == {"organizations": 0, "groups": 0, "members": 0}
    assert (SupportGroup.objects.count(), Session.objects.count()) == counts
    assert timezone.is_aware(Session.objects.first().starts_at)
