"""Demo data: real cities, fictional organizations and people.

Built through the same services the API uses, so the demo exercises the real
rules (capacity, waitlists, materialization). Idempotent: a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from dateutil.rrule import rrulestr
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sessions.models import Enrollment, EnrollmentEvent, Facilitator, Member, Organization, SupportGroup
from sessions.services import schedule
from sessions.services.enrollment import enrollment_approve, enrollment_join
from sessions.services.venues import venue_create

DEMO_PASSWORD = "lantern-demo"
# The demo's groups started this long ago, and their members joined then.
HISTORY = dt.timedelta(days=21)
PLACES_FILE = Path(settings.BASE_DIR) / "fixtures" / "demo" / "places.json"


@dataclass(frozen=True)
class GroupPattern:
    topic: str
    title: str
    sms_label: str
    rrule: str
    hour: int
    minute: int = 0
    duration: int = 90
    audience: str = "everyone"
    mode: str = "drop_in"
    capacity: int | None = None
    language: str = "en"
    cost: str = "free"
    faith_based: bool = False
    peer_led: bool = True
    format: str = "in_person"


PATTERNS = [
    GroupPattern("grief", "Tuesday Evening Grief Circle", "Tuesday evening group", "FREQ=WEEKLY;BYDAY=TU", 19),
    GroupPattern("spouse_loss", "Widowed Friends", "Thursday morning group", "FREQ=WEEKLY;BYDAY=TH", 10, capacity=12),
    GroupPattern(
        "suicide_loss",
        "Survivors of Suicide Loss",
        "Monthly Monday group",
        "FREQ=MONTHLY;BYDAY=1MO,3MO",
        18,
        30,
        mode="approval",
        capacity=10,
        peer_led=False,
    ),
    GroupPattern(
        "child_loss",
        "Parents Remembering",
        "Wednesday evening group",
        "FREQ=MONTHLY;BYDAY=2WE,4WE",
        19,
        audience="parents",
    ),
    GroupPattern(
        "grief",
        "GriefShare 13-Week Cycle",
        "Sunday afternoon group",
        "FREQ=WEEKLY;BYDAY=SU",
        14,
        mode="cohort",
        capacity=15,
        faith_based=True,
        cost="donation",
    ),
    GroupPattern(
        "mens_peer", "Men's Grief Breakfast", "Saturday breakfast group", "FREQ=WEEKLY;BYDAY=SA", 8, 30, audience="men"
    ),
    GroupPattern("parent_loss", "After a Parent Dies", "Monday evening group", "FREQ=WEEKLY;BYDAY=MO", 18),
    GroupPattern(
        "overdose_loss", "Overdose Loss Support", "Wednesday group", "FREQ=WEEKLY;BYDAY=WE", 17, 30, capacity=8
    ),
    GroupPattern(
        "pregnancy_infant_loss", "Empty Arms", "Thursday evening group", "FREQ=MONTHLY;BYDAY=1TH", 19, mode="approval"
    ),
    GroupPattern(
        "caregivers", "Caregivers' Coffee", "Friday morning group", "FREQ=WEEKLY;BYDAY=FR", 9, 30, duration=60
    ),
    GroupPattern("grief", "Duelo y Esperanza", "Grupo del martes", "FREQ=WEEKLY;BYDAY=TU", 18, language="es"),
    GroupPattern(
        "grief", "Young Adults Grieving", "Wednesday night group", "FREQ=WEEKLY;BYDAY=WE", 20, audience="young_adults"
    ),
    GroupPattern("pet_loss", "Remembering Our Companions", "Monthly Saturday group", "FREQ=MONTHLY;BYDAY=-1SA", 11),
]

ONLINE_PATTERNS = [
    GroupPattern(
        "suicide_loss", "Online Survivors Circle", "Online Thursday group", "FREQ=WEEKLY;BYDAY=TH", 20, format="online"
    ),
    GroupPattern("spouse_loss", "Widowed Online", "Online Sunday group", "FREQ=WEEKLY;BYDAY=SU", 19, format="online"),
    GroupPattern(
        "mental_health_peer", "Peer Support Online", "Online Tuesday group", "FREQ=WEEKLY;BYDAY=TU", 12, format="online"
    ),
    GroupPattern(
        "grief",
        "Veterans' Grief Circle (hybrid)",
        "Tuesday hybrid group",
        "FREQ=WEEKLY;BYDAY=TU",
        19,
        audience="veterans",
        format="hybrid",
    ),
]

FIRST_NAMES = ["Ana", "Ben", "Carmen", "Dev", "Elena", "Frank", "Grace", "Hiro", "Imani", "Jonah", "Kate", "Luis"]


def _user(username: str, first_name: str, *, superuser: bool = False):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"first_name": first_name})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.is_staff = True
        user.is_superuser = superuser
        user.email = f"{username}@lantern.example"
        user.save()
    return user


def _first_session_local(today: dt.date, rule: str, hour: int, minute: int) -> dt.datetime:
    """The rule's first date from three weeks back, so facilitators see a little history.

    A series' dtstart must itself be one of the rule's dates (RFC 5545 §3.8.5.3).
    """
    start = dt.datetime.combine(today - HISTORY, dt.time(hour, minute))
    return rrulestr(rule, dtstart=start)[0]


class _PatternCycle:
    """Hands out the group patterns in turn, across every organization's venues."""

    def __init__(self) -> None:
        self._index = 0

    def _next(self) -> GroupPattern:
        pattern = PATTERNS[self._index % len(PATTERNS)]
        self._index += 1
        return pattern

    def next_for(self, venue) -> GroupPattern:
        pattern = self._next()
        if pattern.language != "en" and venue.country != "US":
            # Spanish-language groups belong in the US cities; take the next pattern.
            pattern = self._next()
        return pattern


def _load_organization(org_data: dict, *, admin, coordinator, patterns: _PatternCycle, now) -> list[SupportGroup]:
    venues_data = org_data.pop("venues")
    org = Organization.objects.create(**org_data)
    org.admins.add(admin)
    if org.slug == "prairie-hospice":
        org.admins.add(coordinator)
    lead = _user(f"lead-{org.slug}"[:150], "Jordan")
    groups: list[SupportGroup] = []
    for venue_data in venues_data:
        venue = venue_create(organization=org, **venue_data)
        for _ in range(2 if venue.country == "US" else 3):
            groups.append(_make_group(org=org, venue=venue, pattern=patterns.next_for(venue), lead=lead, now=now))
    if org.slug == "prairie-hospice":
        for pattern in ONLINE_PATTERNS:
            groups.append(_make_group(org=org, venue=org.venues.first(), pattern=pattern, lead=lead, now=now))
        groups.append(_make_check_in_group(org=org, lead=lead, now=now))
    return groups


def _demo_member(*, group: SupportGroup, name: str, phone: str, email: str | None, now: dt.datetime) -> Member:
    """A member who has answered their confirmations; every other one also takes email."""
    by_email = email is not None
    return Member.objects.create(
        organization=group.organization,
        display_name=name,
        phone=phone,
        email=email,
        timezone=group.local_zone.key,
        sms_reminders=True,
        email_reminders=by_email,
        sms_consent=Member.SmsConsent.CONFIRMED,
        sms_consent_at=now,
        sms_consent_source=Member.ConsentSource.WEB_FORM,
        email_consent=by_email,
        email_consent_at=now if by_email else None,
        phone_verified_at=now,
        email_verified_at=now if by_email else None,
    )


def _fill_rosters(groups: list[SupportGroup], *, now: dt.datetime) -> int:
    """Three to six members per group; returns how many were added."""
    phones = _DemoPhones()
    email_number = 100
    added = 0
    for index, group in enumerate(groups):
        # Online groups belong to the Springfield hospice.
        city = group.venue.city if group.venue else "Springfield"
        for n in range(3 + index % 4):
            email_number += 1
            member = _demo_member(
                group=group,
                name=FIRST_NAMES[(index + n) % len(FIRST_NAMES)],
                phone=phones.next(city),
                email=f"member{email_number}@lantern.example" if n % 2 == 0 else None,
                now=now,
            )
            enrollment, _ = enrollment_join(group=group, member=member, join_note="", now=now)
            # Approval groups: the facilitator has approved all but the newest request, which
            # stays pending so the demo roster shows one to act on.
            if enrollment.status == Enrollment.Status.REQUESTED and n < 2 + index % 4:
                enrollment_approve(enrollment=enrollment, actor=None, now=now)
            added += 1
    return added


@transaction.atomic
def load_demo(*, now: dt.datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    if Organization.objects.filter(slug="prairie-hospice").exists():
        return {"organizations": 0, "groups": 0, "members": 0}

    data = json.loads(PLACES_FILE.read_text())
    admin = _user("admin", "Admin", superuser=True)
    facilitator = _user("facilitator", "Sam")
    coordinator = _user("coordinator", "Rita")
    patterns = _PatternCycle()
    groups: list[SupportGroup] = []
    for org_data in data["organizations"]:
        groups += _load_organization(org_data, admin=admin, coordinator=coordinator, patterns=patterns, now=now)

    # The demo facilitator leads the Springfield groups, so the login shows real rosters.
    for group in SupportGroup.objects.filter(venue__city="Springfield"):
        Facilitator.objects.get_or_create(group=group, user=facilitator, defaults={"role": Facilitator.Role.LEAD})

    members = _fill_rosters(groups, now=now)
    _date_rosters_back(groups=groups, joined_at=now - HISTORY)
    schedule.materialize_all(now=now)
    return {"organizations": len(data["organizations"]), "groups": len(groups), "members": members}


def _date_rosters_back(*, groups: list[SupportGroup], joined_at: dt.datetime) -> None:
    """The rosters are as old as the groups: members joined (and were approved) weeks ago.

    Written now, their join history would read as news to anything that reports
    recent roster changes (the notices planner would send every demo member an
    invite and a "You're in" at start-up). Dated back, they are what they stand
    for: members who were told long ago.
    """
    enrollments = Enrollment.objects.filter(group__in=groups)
    EnrollmentEvent.objects.filter(enrollment__in=enrollments).update(created_at=joined_at)
    enrollments.update(created_at=joined_at, status_changed_at=joined_at)
    enrollments.filter(activated_at__isnull=False).update(activated_at=joined_at)
    Member.objects.filter(enrollments__in=enrollments).update(sms_consent_at=joined_at)
    Member.objects.filter(enrollments__in=enrollments, email_consent=True).update(email_consent_at=joined_at)


# Zones tried in order for the check-in group, so its texts fall outside quiet hours.
_DAYTIME_ZONES = ["America/Chicago", "Europe/London", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney"]


def _make_check_in_group(*, org: Organization, lead, now: dt.datetime) -> SupportGroup:
    """A daily online group whose next session starts about 2 h 5 min after loading.

    Real reminders go out 24 h and 2 h ahead, so without it a demo would print
    no SMS for hours. Its members live in a zone where it is daytime now, so
    quiet hours (21:00-08:00 on the member's clock) do not hold the text back.
    """
    tz = next(
        (z for z in _DAYTIME_ZONES if 9 <= now.astimezone(zoneinfo.ZoneInfo(z)).hour < 18),
        _DAYTIME_ZONES[0],
    )
    start_local = now.astimezone(zoneinfo.ZoneInfo(tz)).replace(tzinfo=None) + dt.timedelta(hours=2, minutes=9)
    start_local = start_local.replace(minute=start_local.minute - start_local.minute % 5, second=0, microsecond=0)
    pattern = GroupPattern(
        "grief",
        "Daily Check-in (demo)",
        "Daily check-in",
        "FREQ=DAILY",
        start_local.hour,
        start_local.minute,
        duration=30,
        format="online",
    )
    group = _make_group(org=org, venue=None, pattern=pattern, lead=lead, now=now, timezone_name=tz)
    return group


# Each city's own area code, so a member's number looks like it belongs to their group.
AREA_CODES = {
    "Springfield": "217",
    "Chicago": "312",
    "Austin": "512",
    "Phoenix": "602",
    "Denver": "303",
    "Seattle": "206",
    "Boston": "617",
    "Atlanta": "404",
    "Decatur": "404",
    "Toronto": "416",
    "Manchester": "161",
}
# The first member loaded (in a Springfield group the `facilitator` login leads) has
# this number: the README and the demo's banner use it to try replies with simulate_sms.
FIRST_MEMBER_PHONE = "+12175550142"


class _DemoPhones:
    """Numbers reserved for fiction: 555-0100..0199 in North America, 0161 496 0xxx in
    Manchester (Ofcom). Numbered per area code from 42, so the first is FIRST_MEMBER_PHONE."""

    def __init__(self) -> None:
        self._next: dict[str, int] = {}

    def next(self, city: str) -> str:
        area = AREA_CODES.get(city, "217")
        n = self._next.get(area, 42)
        self._next[area] = n + 1
        if area == "161":
            return f"+44161496{n % 1000:04d}"
        return f"+1{area}55501{n % 100:02d}"


def _make_group(
    *, org: Organization, venue, pattern: GroupPattern, lead, now: dt.datetime, timezone_name: str | None = None
) -> SupportGroup:
    city = venue.city if venue else "online"
    name = f"{pattern.title} — {city}" if pattern.format != "online" else pattern.title
    base_slug = slugify(f"{pattern.title}-{city}")[:100] if pattern.format != "online" else slugify(pattern.title)
    slug = base_slug
    n = 2
    while SupportGroup.objects.filter(slug=slug).exists():
        slug = f"{base_slug}-{n}"
        n += 1
    tz = timezone_name or venue.timezone
    today_local = now.astimezone(zoneinfo.ZoneInfo(tz)).date()
    cycle_start = None
    if pattern.mode == "cohort":
        cycle_start = today_local - dt.timedelta(days=today_local.weekday() + 22)
    notes = venue.accessibility_notes if venue else ""
    group = SupportGroup.objects.create(
        organization=org,
        name=name,
        slug=slug,
        topic=pattern.topic,
        audience=pattern.audience,
        description=(
            f"A {'professionally facilitated' if not pattern.peer_led else 'peer-led'} group in {city}. "
            "Come as you are; you can share or simply listen."
        ),
        what_to_expect=(
            "A facilitator welcomes you, we go around with first names, and there is time to talk or to listen. "
            "Nothing you share leaves the room."
        ),
        format=pattern.format,
        venue=None if pattern.format == "online" else venue,
        conference_url="https://meet.example/lantern-" + slug if pattern.format != "in_person" else "",
        language=pattern.language,
        timezone=tz,
        capacity=pattern.capacity,
        enrollment_mode=pattern.mode,
        cycle_start=cycle_start,
        cycle_weeks=13 if pattern.mode == "cohort" else None,
        cost=pattern.cost,
        faith_based=pattern.faith_based,
        peer_led=pattern.peer_led,
        wheelchair_accessible="ccessible" in notes or "Step-free" in notes,
        hearing_access="loop" in notes or "ASL" in notes,
        childcare="Childcare" in notes,
        sms_label=pattern.sms_label,
    )
    Facilitator.objects.create(group=group, user=lead, role=Facilitator.Role.LEAD)
    schedule.series_create(
        group=group,
        rrule=pattern.rrule,
        dtstart=_first_session_local(today_local, pattern.rrule, pattern.hour, pattern.minute),
        timezone=tz,
        duration_minutes=pattern.duration,
        now=now,
    )
    return group
