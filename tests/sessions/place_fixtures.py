"""A small gazetteer for tests: a few countries' cities and two US ZIP areas."""

from __future__ import annotations

import pytest

from sessions.services.places import places_load

TEST_COUNTRIES = ("US", "FR", "GB", "CA")
# Springfield IL and towns around it (626xx, 627xx), Chicago (606xx), Portland OR (972xx).
TEST_ZIP_PREFIXES = ("626", "627", "606", "972")


@pytest.fixture
def places(db):
    places_load(countries=TEST_COUNTRIES, zip_prefixes=TEST_ZIP_PREFIXES)
