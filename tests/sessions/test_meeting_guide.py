from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from sessions.models import Session, SessionSeries, SupportGroup, Venue
from sessions.services.meeting_guide import (
    ROW_BAD_DAY,
    ROW_BAD_TIME,
    ROW_BAD_TIMEZONE,
    ROW_MISSING,
    ROW_NEEDS_PLACE,
    ROW_SLUG_TAKEN,
    TOPIC_FIELD,
    meeting_guide_feed,
    meeting_guide_import,
)
from tests.factories import OrganizationFactory, SessionSeriesFactory, SupportGroupFactory, VenueFactory
from tests.sessions.meeting_guide_schema import feed_errors, spec_fields, spec_type_codes
from tests.sessions.place_fixtures import places  # noqa: F401

pytestmark = pytest.mark.django_db

# Series keep local wall-clock time stored as if UTC (see sessions.services.schedule).
TUESDAY_7PM = dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC)

FEED = "/api/feeds/meeting-guide.json"
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def test_feed_lists_weekly_series_in_the_spec_format_without_conference_links(api_client):
    group = SupportGroupFactory(
        name="Widowed Friends",
        topic="spouse_loss",
        audience="women",
        wheelchair_accessible=True,
        conference_url="https://zoom.example/j/members-only",
        format="hybrid",
    )
    SessionSeriesFactory(
        group=group, rrule="FREQ=WEEKLY;BYDAY=TU,TH", dtstart=dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC)
    )
    response = api_client.get(FEED)
    assert response.status_code == 200
    assert "members-only" not in response.content.decode()
    (meeting,) = response.json()
    venue = group.venue
    assert meeting["name"] == "Widowed Friends"
    assert meeting["slug"] == group.slug
    assert meeting["day"] == [2, 4]  # Tuesday and Thursday, 0 = Sunday
    assert (meeting["time"], meeting["end_time"]) == ("19:00", "20:30")
    assert meeting["timezone"] == "America/Chicago"
    assert meeting["location"] == venue.name
    assert meeting["address"] == venue.address and meeting["city"] == venue.city
    assert meeting["state"] == "IL" and meeting["postal_code"] == "62701" and meeting["country"] == "US"
    assert meeting["formatted_address"] == "700 E Adams St, Springfield, IL 62701, US"
    assert meeting["latitude"] == pytest.approx(39.8003)
    assert set(meeting["types"]) == {"W", "X", "EN", "A"}
    assert meeting[TOPIC_FIELD] == "spouse_loss" and meeting["lantern_format"] == "hybrid"
    assert meeting["notes"].startswith("Loss of a spouse or partner.\n\nIn person and online: the link goes to members")
    assert meeting["entity"] == group.organization.name
    assert meeting["entity_email"] == group.organization.contact_email
    assert meeting["url"] == f"https://lantern.test/groups/{group.slug}/"
    dt.datetime.strptime(meeting["updated"], "%Y-%m-%d %H:%M:%S")
    assert "conference_url" not in meeting


def test_feed_skips_unlisted_groups_monthly_fortnightly_and_ended_series(api_client):
    unlisted = SupportGroupFactory(listed=False)
    SessionSeriesFactory(group=unlisted, dtstart=TUESDAY_7PM)
    monthly = SupportGroupFactory()
    SessionSeriesFactory(group=monthly, rrule="FREQ=MONTHLY;BYDAY=1MO", dtstart=TUESDAY_7PM)
    fortnightly = SupportGroupFactory()
    SessionSeriesFactory(group=fortnightly, rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=TU", dtstart=TUESDAY_7PM)
    ended = SupportGroupFactory()
    SessionSeriesFactory(group=ended, active=False, dtstart=TUESDAY_7PM)
    assert api_client.get(FEED).json() == []


def test_two_weekly_series_get_distinct_slugs():
    group = SupportGroupFactory()
    first = SessionSeriesFactory(group=group, dtstart=TUESDAY_7PM)
    second = SessionSeriesFactory(
        group=group, rrule="FREQ=WEEKLY;BYDAY=SA", dtstart=dt.datetime(2026, 1, 3, 10, 0, tzinfo=dt.UTC)
    )
    meetings = meeting_guide_feed()
    assert {m["slug"] for m in meetings} == {f"{group.slug}-{first.pk}", f"{group.slug}-{second.pk}"}
    assert {m["day"] for m in meetings} == {2, 6}


def test_feed_has_constant_queries(api_client, django_assert_max_num_queries):
    for _ in range(5):
        SessionSeriesFactory(group=SupportGroupFactory(), dtstart=TUESDAY_7PM)
    with django_assert_max_num_queries(3):
        assert len(api_client.get(FEED).json()) == 5


ROWS = [
    {
        "name": "Tuesday Grief Circle",
        "slug": "tuesday-grief",
        "day": 2,
        "time": "19:00",
        "end_time": "20:30",
        "location": "First Church",
        "address": "123 Main St",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "country": "US",
        "latitude": 39.8,
        "longitude": -89.65,
        "types": ["GRIEF-SPOUSE", "M", "X", "S"],
        "notes": "Side door.",
    },
    {
        "name": "Online Saturday",
        "slug": "online-sat",
        "day": [0, 6],
        "time": "09:30",
        "timezone": "America/New_York",
        "conference_url": "https://zoom.example/j/1",
    },
    {"name": "No day", "slug": "no-day", "time": "10:00", "city": "Springfield", "state": "IL"},
    {"name": "Bad day", "slug": "bad-day", "day": 9, "time": "10:00", "city": "Springfield", "state": "IL"},
    {"name": "Nowhere", "slug": "nowhere", "day": 1, "time": "10:00"},
    {"name": "Geocoded", "slug": "geocoded", "day": 3, "time": "18:00", "city": "Portland", "state": "OR"},
    "not an object",
]


@pytest.mark.usefixtures("places")
def test_import_creates_groups_venues_and_weekly_series_and_reports_rejections():
    org = OrganizationFactory()
    report = meeting_guide_import(rows=ROWS, organization=org, now=NOW)
    assert sorted(report.created) == ["geocoded", "online-sat", "tuesday-grief"]
    reasons = {number: reason for number, _, reason in report.rejected}
    assert reasons[3] == "missing day"
    assert reasons[4] == ROW_BAD_DAY
    assert reasons[5] == ROW_NEEDS_PLACE
    assert 7 in reasons

    group = SupportGroup.objects.get(slug="tuesday-grief")
    assert (group.topic, group.audience, group.language, group.wheelchair_accessible) == (
        "spouse_loss",
        "men",
        "es",
        True,
    )
    assert group.format == "in_person" and group.organization == org
    assert group.venue.name == "First Church" and not group.venue.location_approximate
    series = SessionSeries.objects.get(group=group)
    assert series.rrule.startswith("FREQ=WEEKLY") and "BYDAY=TU" in series.rrule
    assert series.duration_minutes == 90 and series.timezone == "America/Chicago"
    first = Session.objects.filter(group=group).order_by("starts_at").first()
    assert first.starts_at == dt.datetime(2026, 3, 4, 1, 0, tzinfo=dt.UTC)  # Tue 3 March 19:00 CST

    online = SupportGroup.objects.get(slug="online-sat")
    assert online.format == "online" and online.venue is None and online.timezone == "America/New_York"
    assert "BYDAY=SU,SA" in online.series.get().rrule or "BYDAY=SA,SU" in online.series.get().rrule

    geocoded = SupportGroup.objects.get(slug="geocoded")
    assert geocoded.venue.location_approximate and geocoded.venue.timezone == "America/Los_Angeles"


@pytest.mark.usefixtures("places")
def test_import_is_idempotent_by_slug():
    org = OrganizationFactory()
    meeting_guide_import(rows=ROWS, organization=org, now=NOW)
    counts = (
        SupportGroup.objects.count(),
        Venue.objects.count(),
        SessionSeries.objects.count(),
        Session.objects.count(),
    )
    again = meeting_guide_import(rows=ROWS, organization=org, now=NOW)
    assert again.created == [] and sorted(again.unchanged) == ["geocoded", "online-sat", "tuesday-grief"]
    assert (
        SupportGroup.objects.count(),
        Venue.objects.count(),
        SessionSeries.objects.count(),
        Session.objects.count(),
    ) == counts


def test_import_refuses_a_slug_owned_by_another_organization():
    SupportGroupFactory(slug="taken")
    report = meeting_guide_import(
        rows=[
            {"name": "X", "slug": "taken", "day": 1, "time": "10:00", "latitude": 39.8, "longitude": -89.6, "city": "S"}
        ],
        organization=OrganizationFactory(),
        now=NOW,
    )
    assert report.rejected == [(1, "taken", ROW_SLUG_TAKEN.format(slug="taken"))]


PLACED = {"day": 1, "time": "10:00", "city": "Springfield", "latitude": 39.8, "longitude": -89.65}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({**PLACED, "slug": "no-name"}, ROW_MISSING.format(field="name")),
        ({**PLACED, "name": "   ", "slug": "blank-name"}, ROW_MISSING.format(field="name")),
        ({**PLACED, "name": "No slug"}, ROW_MISSING.format(field="slug")),
        ({**PLACED, "name": "Bad slug", "slug": "!!!"}, ROW_MISSING.format(field="slug")),
        ({**PLACED, "name": "Empty day", "slug": "empty-day", "day": ""}, ROW_MISSING.format(field="day")),
        ({**PLACED, "name": "Day list", "slug": "day-list", "day": []}, ROW_BAD_DAY),
        ({**PLACED, "name": "True day", "slug": "true-day", "day": True}, ROW_BAD_DAY),
        ({**PLACED, "name": "No time", "slug": "no-time", "time": ""}, ROW_MISSING.format(field="time")),
        ({**PLACED, "name": "Bad time", "slug": "bad-time", "time": "noon"}, ROW_BAD_TIME.format(field="time")),
        (
            {**PLACED, "name": "Bad end", "slug": "bad-end", "end_time": "25"},
            ROW_BAD_TIME.format(field="end_time"),
        ),
        (
            {**PLACED, "name": "Bad zone", "slug": "bad-zone", "timezone": "Mars/Olympus"},
            ROW_BAD_TIMEZONE.format(value="Mars/Olympus"),
        ),
        (
            {**PLACED, "name": "Bad lat", "slug": "bad-lat", "latitude": "north"},
            "latitude/longitude must be numbers, got 'north'",
        ),
    ],
)
def test_import_rejects_a_row_and_says_which_field(row, reason):
    report = meeting_guide_import(rows=[row], organization=OrganizationFactory(), now=NOW)
    assert report.created == []
    assert [rejected_reason for _, _, rejected_reason in report.rejected] == [reason]


def test_day_zero_is_sunday_and_not_missing():
    report = meeting_guide_import(
        rows=[{**PLACED, "name": "Sunday", "slug": "sunday", "day": 0}], organization=OrganizationFactory(), now=NOW
    )
    assert report.created == ["sunday"]
    assert "BYDAY=SU" in SessionSeries.objects.get(group__slug="sunday").rrule


@pytest.mark.parametrize(
    ("time", "end_time", "minutes"),
    [
        ("19:00", None, 60),  # the spec's default
        ("19:00", "20:15", 75),
        ("23:00", "00:30", 90),  # past midnight
        ("19:00", "19:00", 60),  # an end equal to the start says nothing
    ],
)
def test_import_duration_comes_from_end_time(time, end_time, minutes):
    row = {**PLACED, "name": "Timed", "slug": "timed", "time": time}
    if end_time:
        row["end_time"] = end_time
    meeting_guide_import(rows=[row], organization=OrganizationFactory(), now=NOW)
    assert SessionSeries.objects.get(group__slug="timed").duration_minutes == minutes


@pytest.mark.parametrize(
    ("extra", "group_format"),
    [
        ({}, "in_person"),
        ({"conference_url": "https://meet.example/x"}, "hybrid"),
        ({"conference_phone": "+15555550100"}, "hybrid"),
        ({"types": ["ONL"]}, "hybrid"),
        ({TOPIC_FIELD: "grief", "lantern_format": "online"}, "hybrid"),
        ({"lantern_format": "hybrid"}, "hybrid"),
        ({"lantern_format": "in_person"}, "in_person"),
    ],
)
def test_a_placed_meeting_with_an_online_sign_is_hybrid(extra, group_format):
    meeting_guide_import(
        rows=[{**PLACED, "name": "Placed", "slug": "placed", **extra}], organization=OrganizationFactory(), now=NOW
    )
    assert SupportGroup.objects.get(slug="placed").format == group_format


@pytest.mark.parametrize(
    ("country", "code"),
    [
        (None, "US"),
        ("ca", "CA"),
        ("USA", "US"),
        ("United States", "US"),
        ("Canada", "CA"),
        ("UK", "GB"),
        ("Narnia", "US"),
    ],
)
def test_import_reads_a_country_name_as_its_code(country, code):
    row = {**PLACED, "name": "Abroad", "slug": "abroad", "timezone": "America/Chicago"}
    if country:
        row["country"] = country
    meeting_guide_import(rows=[row], organization=OrganizationFactory(), now=NOW)
    assert SupportGroup.objects.get(slug="abroad").venue.country == code


def test_import_reuses_the_organizations_venue_of_the_same_name_and_address():
    org = OrganizationFactory()
    rows = [
        {**PLACED, "name": "First", "slug": "first", "location": "Library", "address": "1 Elm St"},
        {**PLACED, "name": "Second", "slug": "second", "location": "Library", "address": "1 Elm St"},
        {**PLACED, "name": "Third", "slug": "third", "address": "1 Elm St"},
    ]
    meeting_guide_import(rows=rows, organization=org, now=NOW)
    first, second, third = (SupportGroup.objects.get(slug=slug).venue for slug in ("first", "second", "third"))
    assert first == second and first.name == "Library"
    assert third != first and third.name == "1 Elm St"  # no location: the address names the place


def test_round_trip_of_our_own_feed():
    group = SupportGroupFactory(topic="child_loss", venue=VenueFactory(), childcare=True)
    SessionSeriesFactory(group=group, dtstart=TUESDAY_7PM)
    feed = meeting_guide_feed()
    for meeting in feed:
        meeting["slug"] = "copy-" + meeting["slug"]
    report = meeting_guide_import(rows=feed, organization=OrganizationFactory(), now=NOW)
    copy = SupportGroup.objects.get(slug=report.created[0])
    assert (copy.topic, copy.childcare, copy.timezone) == ("child_loss", True, "America/Chicago")
    assert "BYDAY=TU" in copy.series.get().rrule


@pytest.mark.usefixtures("places")
def test_import_command_prints_progress_and_each_rejected_row(tmp_path, capsys):
    org = OrganizationFactory(slug="prairie")
    path = tmp_path / "feed.json"
    path.write_text(json.dumps(ROWS))
    call_command("import_meeting_guide", str(path), "--organization", "prairie")
    out, err = capsys.readouterr()
    assert "3 created, 0 already imported, 4 rejected." in out
    assert "row 3 (no-day) rejected: missing day" in err
    assert "7/7" in err
    assert SupportGroup.objects.filter(organization=org).count() == 3


def test_import_command_errors(tmp_path):
    OrganizationFactory(slug="prairie")
    with pytest.raises(CommandError, match="No organization"):
        call_command("import_meeting_guide", "x.json", "--organization", "nope")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="not valid JSON"):
        call_command("import_meeting_guide", str(bad), "--organization", "prairie")
    obj = tmp_path / "obj.json"
    obj.write_text("{}")
    with pytest.raises(CommandError, match="JSON array"):
        call_command("import_meeting_guide", str(obj), "--organization", "prairie")


# --- Read by the spec's own schema ------------------------------------------------------------
#
# code4recovery's JSON schema for the format (vendored in tests/vendor/meeting-guide) is the
# contract other apps hold a feed to: it lists the type codes and field names.

# The schema draft's address patterns describe US addresses whose street names are all
# letters ("700 E Adams St"): "1500 E 6th St" or a Canadian or British postcode break
# them although the spec's text asks for exactly those values. These four fields may
# fail on their `pattern` only, and nothing else may fail.
ADDRESS_PATTERNS = {"formatted_address", "address", "city", "postal_code"}


def _not_address_patterns(errors):
    return [
        e
        for e in errors
        if not (e.validator == "pattern" and len(e.absolute_path) == 2 and e.absolute_path[1] in ADDRESS_PATTERNS)
    ]


def test_feed_passes_the_published_schema_for_every_topic_audience_language_and_format(api_client):
    organization = OrganizationFactory(website="https://hospice.example/")
    topics = [value for value, _ in SupportGroup.Topic.choices]
    for number, topic in enumerate(topics):
        group = SupportGroupFactory(
            organization=organization,
            topic=topic,
            audience=["everyone", "men", "women", "young_adults", "lgbtq"][number % 5],
            language=["en", "es", "fr", "de", "pt-BR", "ko"][number % 6],
            format=["in_person", "online", "hybrid"][number % 3],
            wheelchair_accessible=number % 2 == 0,
            childcare=number % 3 == 0,
            faith_based=number % 4 == 0,
            conference_url="https://meet.example/members-only",
        )
        SessionSeriesFactory(group=group, dtstart=TUESDAY_7PM)
    feed = api_client.get(FEED).json()
    assert len(feed) == len(topics)
    assert [f"{e.json_path}: {e.message}" for e in feed_errors(feed)] == []
    for meeting in feed:
        assert set(meeting["types"]) <= spec_type_codes()
        assert {key for key in meeting if key not in spec_fields()} == {"lantern_topic", "lantern_format"}
        assert meeting["entity_website_url"] == "https://hospice.example/"
    assert {meeting[TOPIC_FIELD] for meeting in feed} == set(topics)


def test_the_demo_feed_passes_the_published_schema(api_client):
    from sessions.demo import load_demo

    load_demo(now=NOW)
    feed = api_client.get(FEED).json()
    assert len(feed) >= 30
    errors = feed_errors(feed)
    assert [f"{e.json_path}: {e.message}" for e in _not_address_patterns(errors)] == []
    # What is left is only the draft's US-letters-only address patterns.
    assert {e.instance for e in errors} <= {m.get(f) for m in feed for f in ADDRESS_PATTERNS}


def test_an_old_lantern_feed_with_custom_type_codes_still_imports_its_topic():
    rows = [
        {
            "name": "Old feed",
            "slug": "old-feed",
            "day": 2,
            "time": "19:00",
            "timezone": "America/Chicago",
            "types": ["GRIEF-PARENT", "ONL"],
        }
    ]
    report = meeting_guide_import(rows=rows, organization=OrganizationFactory(), now=NOW)
    group = SupportGroup.objects.get(slug=report.created[0])
    assert (group.topic, group.format) == ("parent_loss", "online")
