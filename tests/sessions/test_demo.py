from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sessions.demo import load_demo
from sessions.models import Member, Organization, Session, SupportGroup

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


def test_demo_counts_what_it_loaded_and_keeps_spanish_groups_in_us_cities():
    counts = load_demo(now=NOW)
    assert counts == {
        "organizations": Organization.objects.count(),
        "groups": SupportGroup.objects.count(),
        "members": Member.objects.count(),
    }
    in_person_spanish = SupportGroup.objects.filter(venue__isnull=False).exclude(language="en")
    assert in_person_spanish.exists()
    assert set(in_person_spanish.values_list("venue__country", flat=True)) == {"US"}
    # Every other member also takes email, consented and confirmed.
    assert Member.objects.filter(email__isnull=False, email_consent=True, email_verified_at__isnull=False).exists()
    assert not Member.objects.filter(email__isnull=True, email_consent=True).exists()
    coordinated = Organization.objects.filter(admins__username="coordinator")
    assert list(coordinated.values_list("slug", flat=True)) == ["prairie-hospice"]


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


@pytest.mark.parametrize("hour_utc", [0, 6, 12, 18, 23])
def test_demo_check_in_group_meets_soon_enough_for_a_reminder_outside_quiet_hours(hour_utc):
    import zoneinfo

    now = NOW.replace(hour=hour_utc, minute=7)
    load_demo(now=now)
    group = SupportGroup.objects.get(name="Daily Check-in (demo)")
    upcoming = Session.objects.filter(group=group, starts_at__gt=now).order_by("starts_at").first()
    assert dt.timedelta(hours=2) < upcoming.starts_at - now <= dt.timedelta(hours=2, minutes=10)
    member = group.enrollments.first().member
    assert 8 <= now.astimezone(zoneinfo.ZoneInfo(member.timezone)).hour < 21


def test_demo_members_have_valid_phone_numbers():
    from sessions.models import Member

    load_demo(now=NOW)
    members = list(Member.objects.all())
    assert len(members) >= 40
    for member in members:
        member.full_clean()


def test_demo_approval_groups_have_active_members_and_one_pending_request():
    from sessions.models import Enrollment

    load_demo(now=NOW)
    for group in SupportGroup.objects.filter(enrollment_mode="approval"):
        statuses = list(group.enrollments.values_list("status", flat=True))
        assert statuses.count(Enrollment.Status.REQUESTED) == 1, group.slug
        assert Enrollment.Status.ACTIVE in statuses, group.slug


def test_demo_members_load_as_already_told_so_start_up_sends_no_burst_of_join_news():
    from notifications.models import Kind, OutboxMessage
    from notifications.planner import plan_notifications

    # The planner treats rows written within its news window as news, and rows get
    # the real clock when written: "now" here is the real one, and nothing below
    # depends on the hour (reminders, which do, are not counted).
    load_demo(now=timezone.now())
    # The first dispatcher run after start-up.
    plan_notifications(now=timezone.now() + dt.timedelta(minutes=1))
    join_news = OutboxMessage.objects.filter(
        kind__in=[Kind.SERIES_INVITE, Kind.JOIN_APPROVED, Kind.SEAT_OFFERED, Kind.SMS_CONFIRM]
    )
    assert list(join_news.values_list("kind", flat=True)) == []
    assert not OutboxMessage.objects.exclude(kind=Kind.REMINDER).exists()


def test_the_member_the_demo_banner_names_can_rsvp_by_simulated_text():
    import io

    from django.core.management import call_command

    from sessions.demo import FIRST_MEMBER_PHONE
    from sessions.models import Attendance, Member

    load_demo(now=timezone.now())
    member = Member.objects.get(phone=FIRST_MEMBER_PHONE)
    group = member.enrollments.get().group
    assert group.venue.city == "Springfield" and group.facilitators.filter(user__username="facilitator").exists()
    out = io.StringIO()
    call_command("simulate_sms", FIRST_MEMBER_PHONE, "1", stdout=out)
    assert group.sms_label in out.getvalue()
    assert Attendance.objects.get(enrollment__member=member).rsvp == Attendance.Rsvp.YES
