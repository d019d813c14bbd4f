from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from sessions.models import Place
from sessions.services.places import (
    COORDINATES_OUT_OF_RANGE,
    PlaceNotFound,
    haversine_km,
    locate_address,
    normalize_key,
    places_load,
    resolve_place,
)
from sessions.services.venues import VENUE_COORDINATE_MISSING, VENUE_NOT_LOCATED, venue_create, venue_update
from tests.factories import OrganizationFactory
from tests.sessions.place_fixtures import TEST_COUNTRIES, TEST_ZIP_PREFIXES, places  # noqa: F401

pytestmark = pytest.mark.django_db


def test_normalize_key_folds_case_accents_and_punctuation():
    assert normalize_key("  St. Louis ") == "st louis"
    assert normalize_key("Montréal") == "montreal"
    assert normalize_key("Winston-Salem") == "winston salem"


def test_load_is_idempotent_and_reload_is_forced_only_on_request():
    first = places_load(countries=TEST_COUNTRIES, zip_prefixes=TEST_ZIP_PREFIXES)
    ids = set(Place.objects.values_list("id", flat=True))
    assert first == len(ids) > 1000
    assert places_load(countries=TEST_COUNTRIES, zip_prefixes=TEST_ZIP_PREFIXES) == 0
    assert set(Place.objects.values_list("id", flat=True)) == ids
    assert places_load(countries=TEST_COUNTRIES, zip_prefixes=TEST_ZIP_PREFIXES, force=True) == first
    assert Place.objects.count() == first


def test_full_load_covers_us_zip_codes_and_world_cities(capsys):
    # What `make demo` runs: every packaged row, no network.
    call_command("load_places", verbosity=1)
    assert "Loaded" in capsys.readouterr().out
    assert Place.objects.filter(kind=Place.Kind.POSTAL_CODE).count() > 40000
    assert Place.objects.filter(kind=Place.Kind.CITY).exclude(country="US").count() > 25000
    assert resolve_place("10001").region == "NY"
    assert resolve_place("Sydney, Australia").region == "NSW"
    call_command("load_places", verbosity=1)
    assert "already loaded" in capsys.readouterr().out


def test_load_places_command_accepts_a_subset(capsys):
    call_command("load_places", "--countries", "FR", verbosity=0)
    assert set(Place.objects.values_list("country", flat=True)) == {"FR"}
    assert not Place.objects.filter(kind=Place.Kind.POSTAL_CODE).exists()


@pytest.mark.usefixtures("places")
def test_us_zip_code():
    place = resolve_place("62701")
    assert (place.name, place.region, place.country, place.kind) == ("Springfield", "IL", "US", "postal_code")
    assert abs(place.latitude - 39.80) < 0.05 and abs(place.longitude + 89.65) < 0.05
    assert not place.ambiguous
    assert resolve_place("62701-1234").postal_code == "62701"


@pytest.mark.usefixtures("places")
@pytest.mark.parametrize("query", ["Springfield, IL", "springfield, illinois", "Springfield,IL"])
def test_city_with_us_state_code_or_name(query):
    place = resolve_place(query)
    assert (place.name, place.region, place.country) == ("Springfield", "IL", "US")
    assert not place.ambiguous


@pytest.mark.usefixtures("places")
@pytest.mark.parametrize("query", ["Paris, France", "Paris, FR", "paris, fra"])
def test_city_with_country(query):
    place = resolve_place(query)
    assert (place.name, place.country) == ("Paris", "FR")
    assert abs(place.latitude - 48.85) < 0.05


@pytest.mark.usefixtures("places")
def test_ambiguous_name_picks_most_populous_and_says_so():
    place = resolve_place("Springfield")
    # Springfield, Missouri is the largest Springfield in the world list.
    assert (place.region, place.country) == ("MO", "US")
    assert place.ambiguous
    regions = {alt["region"] for alt in place.alternatives}
    assert "IL" in regions
    assert place.as_dict()["ambiguous"] is True


@pytest.mark.usefixtures("places")
def test_paris_alone_is_paris_france_but_flagged():
    place = resolve_place("Paris")
    assert place.country == "FR" and place.ambiguous
    assert any(alt["country"] == "US" for alt in place.alternatives)


@pytest.mark.usefixtures("places")
def test_canadian_province_and_uk():
    assert resolve_place("Toronto, ON").country == "CA"
    # "CA" reads as California and as Canada; Toronto exists only in Canada.
    assert resolve_place("Toronto, CA").country == "CA"
    assert resolve_place("Manchester, UK").country == "GB"


@pytest.mark.usefixtures("places")
def test_small_us_town_found_through_its_zip_codes():
    place = resolve_place("Carlinville, IL")
    assert (place.region, place.country, place.population) == ("IL", "US", 0)
    assert abs(place.latitude - 39.28) < 0.1


@pytest.mark.usefixtures("places")
def test_a_world_city_is_not_listed_again_from_its_zip_codes():
    # Springfield IL is in the world list and has ZIP codes: one city row, the world list's.
    rows = Place.objects.filter(kind=Place.Kind.CITY, key="springfield", region="IL", country="US")
    assert rows.count() == 1 and rows.get().population > 0


@pytest.mark.usefixtures("places")
def test_an_address_is_located_by_its_postal_code_first():
    place = locate_address(postal_code="62704-1234", city="Portland", region="OR", country="us")
    assert (place.kind, place.postal_code, place.region) == ("postal_code", "62704", "IL")
    # A ZIP code in another country than the one given is not this address's.
    place = locate_address(postal_code="62704", city="Lyon", country="FR")
    assert (place.kind, place.name, place.country) == ("city", "Lyon", "FR")


@pytest.mark.usefixtures("places")
def test_an_address_without_a_known_postal_code_is_located_by_its_city_in_its_region():
    assert locate_address(postal_code="99999", city="Springfield", region="Illinois", country="US").region == "IL"
    assert locate_address(city="Springfield", region="IL").region == "IL"
    # An unrecognised region keeps the city; a recognised one where the city is not finds nothing.
    assert locate_address(city="Springfield", region="Sangamon County", country="US").region == "MO"
    assert locate_address(city="Carlinville", region="OR", country="US") is None
    assert locate_address(city="Lyon", country="US") is None
    assert locate_address(postal_code="", city="  ") is None


def test_coordinates():
    place = resolve_place(" 39.8017, -89.6437 ")
    assert (place.latitude, place.longitude, place.kind) == (39.8017, -89.6437, "coordinates")
    with pytest.raises(PlaceNotFound, match="between -90 and 90"):
        resolve_place("95.0,10.0")
    assert str(PlaceNotFound("x", COORDINATES_OUT_OF_RANGE)) == COORDINATES_OUT_OF_RANGE


@pytest.mark.usefixtures("places")
@pytest.mark.parametrize("query", ["Atlantis", "Springfield, Narnia", "00000", ","])
def test_unknown_place_names_the_text_and_gives_a_hint(query):
    with pytest.raises(PlaceNotFound) as info:
        resolve_place(query)
    assert info.value.query == query
    assert "ZIP code" in str(info.value)


def test_haversine_known_distance():
    # Springfield IL to Chicago: about 280 km.
    assert 275 < haversine_km(39.8017, -89.6437, 41.8500, -87.6500) < 290
    assert haversine_km(10, 20, 10, 20) == 0


@pytest.mark.usefixtures("places")
def test_venue_without_coordinates_is_located_from_postal_code():
    org = OrganizationFactory()
    venue = venue_create(
        organization=org, name="Library", city="Springfield", region="IL", postal_code="62704", country="US"
    )
    assert venue.location_approximate
    assert abs(venue.latitude - 39.77) < 0.1
    assert venue.timezone == "America/Chicago"


@pytest.mark.usefixtures("places")
def test_venue_without_coordinates_or_known_postal_code_uses_the_city():
    org = OrganizationFactory()
    venue = venue_create(organization=org, name="Salle", city="Lyon", country="FR")
    assert venue.location_approximate
    assert venue.timezone == "Europe/Paris"


@pytest.mark.usefixtures("places")
def test_venue_nowhere_to_be_found_asks_for_coordinates():
    org = OrganizationFactory()
    with pytest.raises(ValidationError) as info:
        venue_create(organization=org, name="Hall", city="Nowhereville", region="ZZ", country="US")
    assert info.value.message_dict == {"latitude": [VENUE_NOT_LOCATED]}


@pytest.mark.usefixtures("places")
def test_venue_with_coordinates_is_exact_and_its_timezone_comes_from_them():
    org = OrganizationFactory()
    # Given a wrong zone, the coordinates (Toronto) decide.
    venue = venue_create(
        organization=org,
        name="Hall",
        city="Toronto",
        country="CA",
        latitude=43.65,
        longitude=-79.38,
        timezone="America/Chicago",
    )
    assert not venue.location_approximate
    assert venue.timezone == "America/Toronto"


@pytest.mark.usefixtures("places")
def test_venue_coordinates_out_of_range_name_the_field():
    with pytest.raises(ValidationError) as info:
        venue_create(organization=OrganizationFactory(), name="Hall", city="X", country="US", latitude=123, longitude=0)
    assert "latitude" in info.value.message_dict


@pytest.mark.usefixtures("places")
def test_venue_update_relocates_an_approximate_venue_and_new_coordinates_make_it_exact():
    org = OrganizationFactory()
    venue = venue_create(organization=org, name="Room", city="Springfield", region="IL", country="US")
    venue = venue_update(venue=venue, city="Portland", region="OR", postal_code="97201")
    assert venue.location_approximate and venue.timezone == "America/Los_Angeles"
    assert abs(venue.latitude - 45.5) < 0.2
    venue = venue_update(venue=venue, latitude=45.52, longitude=-122.68)
    assert not venue.location_approximate


@pytest.mark.usefixtures("places")
def test_venue_with_half_the_coordinates_names_the_missing_one():
    with pytest.raises(ValidationError) as info:
        venue_create(organization=OrganizationFactory(), name="Hall", city="Springfield", country="US", latitude=39.8)
    assert info.value.message_dict == {"longitude": [VENUE_COORDINATE_MISSING]}
