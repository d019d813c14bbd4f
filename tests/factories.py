"""factory_boy factories: each test builds only what it needs."""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.timezone import now as timezone_now

from sessions import models


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password("correct horse battery")


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organization
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Hospice {n}")
    slug = factory.Sequence(lambda n: f"hospice-{n}")
    contact_email = "care@example.org"
    contact_phone = "+12175550100"

    @factory.post_generation
    def admins(self, create, extracted, **kwargs):
        if create and extracted:
            self.admins.add(*extracted)


class VenueFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Venue

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Community Room {n}")
    address = "700 E Adams St"
    city = "Springfield"
    region = "IL"
    postal_code = "62701"
    country = "US"
    latitude = 39.8003
    longitude = -89.6437
    timezone = "America/Chicago"


class SupportGroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SupportGroup

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Tuesday Grief Circle {n}")
    slug = factory.Sequence(lambda n: f"grief-circle-{n}")
    topic = models.SupportGroup.Topic.GRIEF
    format = models.SupportGroup.Format.IN_PERSON
    venue = factory.SubFactory(VenueFactory, organization=factory.SelfAttribute("..organization"))
    timezone = factory.LazyAttribute(lambda g: g.venue.timezone if g.venue else "America/Chicago")
    description = "A peer-led circle for anyone grieving."
    what_to_expect = "Coffee, introductions, and time to share or just listen."
    sms_label = "Tuesday evening group"
    language = "en"


class FacilitatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Facilitator

    group = factory.SubFactory(SupportGroupFactory)
    user = factory.SubFactory(UserFactory)
    role = models.Facilitator.Role.LEAD


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Member

    organization = factory.SubFactory(OrganizationFactory)
    display_name = factory.Faker("first_name")
    phone = factory.Sequence(lambda n: f"+1217555{n % 10000:04d}")
    email = None
    timezone = "America/Chicago"
    # Factory members have proven their contacts unless a test says otherwise
    # (pass phone_verified_at=None / email_verified_at=None).
    phone_verified_at = factory.LazyAttribute(lambda m: timezone_now() if m.phone else None)
    email_verified_at = factory.LazyAttribute(lambda m: timezone_now() if m.email else None)


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Enrollment

    group = factory.SubFactory(SupportGroupFactory)
    member = factory.SubFactory(MemberFactory, organization=factory.SelfAttribute("..group.organization"))
    status = models.Enrollment.Status.ACTIVE
    activated_at = factory.LazyFunction(timezone.now)


class SessionSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SessionSeries

    group = factory.SubFactory(SupportGroupFactory)
    rrule = "FREQ=WEEKLY;BYDAY=TU"
    # Wall-clock 19:00 in `timezone`, stored UTC-labelled (see sessions.services.schedule).
    dtstart = dt.datetime(2026, 1, 6, 19, 0, tzinfo=dt.UTC)
    timezone = "America/Chicago"
    duration_minutes = 90


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Session

    series = factory.SubFactory(SessionSeriesFactory)
    group = factory.SelfAttribute("series.group")
    starts_at = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(days=2))
    ends_at = factory.LazyAttribute(lambda s: s.starts_at + dt.timedelta(minutes=90))
    original_start = factory.SelfAttribute("starts_at")


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Attendance

    session = factory.SubFactory(SessionFactory)
    enrollment = factory.SubFactory(EnrollmentFactory, group=factory.SelfAttribute("..session.group"))


def join_and_confirm(group: models.SupportGroup, *, client=None, **body) -> models.Member:
    """A public join, then its confirmation answered (YES to the text, or Confirm on the
    emailed link): the only way a real person gets from a join form onto a roster."""
    from rest_framework.test import APIClient

    from sessions.services.proofs import email_confirm, phone_confirm

    body.setdefault("display_name", "Ana")
    response = (client or APIClient()).post(f"/api/groups/{group.slug}/join/", body, format="json")
    assert response.status_code == 202, response.content
    request = models.JoinRequest.objects.get(token=response.json()["request_token"])
    proof = request.proofs.get()
    if proof.channel == models.ContactProof.Channel.SMS:
        phone_confirm(member=request.member)
    else:
        email_confirm(proof=proof)
    member = models.Member.objects.get(pk=request.member_id)
    if body.get("email") and member.email is None:
        # An email typed next to a phone is added from the member's own page, where it
        # gets (and here answers) its own confirmation.
        from sessions.services.members import member_update

        member_update(member=member, email=body["email"], email_reminders=bool(body.get("email_reminders")))
        email_confirm(proof=member.contact_proofs.filter(channel="email").latest("id"))
        member.refresh_from_db()
    return member
