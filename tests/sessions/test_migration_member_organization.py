"""The migration that gives every member one organization, splitting shared members."""

from __future__ import annotations

import pytest

from tests.migrations import latest_schema_after, migrate_to, migrate_to_latest  # noqa: F401 (a fixture)

BEFORE = [("lantern_sessions", "0002_join_confirmation"), ("notifications", "0002_join_confirmation")]
AFTER = [("lantern_sessions", "0004_consent_source_email_link"), ("notifications", "0003_outbox_email_confirm")]


pytestmark = pytest.mark.usefixtures("latest_schema_after")


@pytest.mark.django_db(transaction=True)
def test_a_member_of_two_organizations_becomes_two_records_each_with_its_own_history(requires_postgres):
    apps = migrate_to(BEFORE)
    Organization = apps.get_model("lantern_sessions", "Organization")
    Venue = apps.get_model("lantern_sessions", "Venue")
    Group = apps.get_model("lantern_sessions", "SupportGroup")
    Member = apps.get_model("lantern_sessions", "Member")
    Enrollment = apps.get_model("lantern_sessions", "Enrollment")
    Outbox = apps.get_model("notifications", "OutboxMessage")
    Inbound = apps.get_model("notifications", "InboundMessage")

    def group(org, slug):
        venue = Venue.objects.create(
            organization=org, name="Room", city="Springfield", country="US", latitude=39.8, longitude=-89.6,
            timezone="America/Chicago",
        )  # fmt: skip
        return Group.objects.create(
            organization=org, name=slug, slug=slug, topic="grief", format="in_person", venue=venue,
            timezone="America/Chicago", sms_label="Group",
        )  # fmt: skip

    hospice = Organization.objects.create(name="Hospice", slug="hospice")
    church = Organization.objects.create(name="Church", slug="church")
    group_a, group_b = group(hospice, "a"), group(church, "b")
    shared = Member.objects.create(
        display_name="Ana", phone="+13125550142", email="ana@example.org", token="tok-shared",
        sms_consent="confirmed", sms_consent_at="2026-01-01T00:00:00Z",
    )  # fmt: skip
    alone = Member.objects.create(display_name="Bo", phone="+13125550143", token="tok-alone")
    Enrollment.objects.create(member=shared, group=group_a, status="active")
    enrollment_b = Enrollment.objects.create(member=shared, group=group_b, status="active")
    Enrollment.objects.create(member=alone, group=group_b, status="active")
    row = dict(channel="sms", kind="reminder", status="sent", due_at="2026-01-01T00:00:00Z",
               next_attempt_at="2026-01-01T00:00:00Z")  # fmt: skip
    Outbox.objects.create(member=shared, group=group_a, dedupe_key="a", **row)
    outbox_b = Outbox.objects.create(member=shared, group=group_b, dedupe_key="b", **row)
    inbound_b = Inbound.objects.create(
        provider_message_id="SM1", from_number="+13125550142", kind="message", member=shared, group=group_b,
        received_at="2026-01-02T00:00:00Z",
    )  # fmt: skip

    apps = migrate_to(AFTER)
    Member = apps.get_model("lantern_sessions", "Member")
    Enrollment = apps.get_model("lantern_sessions", "Enrollment")
    Outbox = apps.get_model("notifications", "OutboxMessage")
    Inbound = apps.get_model("notifications", "InboundMessage")
    records = {m.organization_id: m for m in Member.objects.filter(phone="+13125550142")}
    assert set(records) == {hospice.pk, church.pk}
    original, copy = records[hospice.pk], records[church.pk]
    assert original.pk == shared.pk and original.token == "tok-shared"
    assert copy.token != "tok-shared" and copy.display_name == "Ana" and copy.email == "ana@example.org"
    # A YES that happened is kept as proof; emails were never proven.
    assert original.phone_verified_at is not None and original.email_verified_at is None
    assert Enrollment.objects.get(pk=enrollment_b.pk).member_id == copy.pk
    assert Outbox.objects.get(pk=outbox_b.pk).member_id == copy.pk
    assert Inbound.objects.get(pk=inbound_b.pk).member_id == copy.pk
    assert set(Enrollment.objects.filter(member_id=original.pk).values_list("group_id", flat=True)) == {group_a.pk}
    assert Member.objects.get(pk=alone.pk).organization_id == church.pk
