"""Seed for .ci/production-smoke, run with `manage.py shell`: one online group whose
daily session starts 2 h 1 min from now, and one member who takes text reminders,
so the 2-hour reminder falls due a minute after seeding. Prints the member's phone.

Written against the models (not the test factories, which are not installed from
requirements.txt). Fields that only some versions have are set when present.
"""

import datetime as dt
import zoneinfo

from django.utils import timezone

from sessions.models import Enrollment, Member, Organization, SupportGroup
from sessions.services import schedule

PHONE = "+12175550199"
ZONE = "America/Chicago"

now = timezone.now()
org = Organization.objects.create(name="Smoke Test Hospice", slug="smoke-test-hospice")
group = SupportGroup.objects.create(
    organization=org,
    name="Smoke check-in",
    slug="smoke-check-in",
    topic="grief",
    format="online",
    conference_url="https://meet.example/smoke",
    timezone=ZONE,
    sms_label="Smoke check-in",
)
start_local = (now + dt.timedelta(hours=2, minutes=1)).astimezone(zoneinfo.ZoneInfo(ZONE))
schedule.series_create(
    group=group,
    rrule="FREQ=DAILY",
    dtstart=start_local.replace(tzinfo=None, second=0, microsecond=0),
    timezone=ZONE,
    duration_minutes=30,
    now=now,
)
member_fields = {
    "display_name": "Smoke",
    "phone": PHONE,
    "timezone": ZONE,
    "sms_reminders": True,
    "sms_consent": Member.SmsConsent.CONFIRMED,
    "sms_consent_at": now,
}
field_names = {f.name for f in Member._meta.get_fields()}
if "organization" in field_names:
    member_fields["organization"] = org
if "phone_verified_at" in field_names:
    member_fields["phone_verified_at"] = now
member = Member.objects.create(**member_fields)
Enrollment.objects.create(member=member, group=group, status=Enrollment.Status.ACTIVE, activated_at=now)
print(PHONE)
