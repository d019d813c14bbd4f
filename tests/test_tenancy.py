"""Organizations are sealed: two organizations sharing one person (docs/privacy.md).

A hospice (A) and a church (B) both know +1 312 555 0142. A collected it first, with a
YES, a name and an email. Nothing B's staff can do (type the number, message their
roster, read their inbox) may read, infer or reach A's data, and texts from the number
go to the organization that last texted it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from notifications.broadcasts import broadcast_send
from notifications.inbound_sms import handle_inbound
from notifications.models import InboundMessage, OutboxMessage
from sessions.models import AuditLog, ContactProof, Enrollment, Member
from tests.factories import (
    EnrollmentFactory,
    FacilitatorFactory,
    MemberFactory,
    OrganizationFactory,
    SupportGroupFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PHONE = "+13125550142"
ANA_EMAIL = "ana.private@example.org"
NOW = dt.datetime(2026, 3, 2, 16, 0, tzinfo=dt.UTC)
PROVEN_AT = NOW - dt.timedelta(days=30)
_sid = iter(range(10**6))


def staff(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def texted(member: Member, group, at: dt.datetime, kind: str = "reminder", contact_proof=None) -> None:
    """A text Lantern sent `member` for `group` at `at` (what routes replies)."""
    OutboxMessage.objects.create(
        member=member,
        channel="sms",
        kind=kind,
        contact_proof=contact_proof,
        group=group,
        dedupe_key=f"t{next(_sid)}",
        status="sent",
        to=member.phone,
        due_at=at,
        next_attempt_at=at,
        send_started_at=at,
    )


def text_from(body: str, at: dt.datetime) -> InboundMessage:
    sid = f"SM{next(_sid):032d}"
    handle_inbound(message_sid=sid, from_number=PHONE, to_number="+13125550000", body=body, now=at)
    return InboundMessage.objects.get(provider_message_id=sid)


@pytest.fixture
def world():
    hospice, church = OrganizationFactory(name="Hospice"), OrganizationFactory(name="Church")
    group_a = SupportGroupFactory(organization=hospice, sms_label="Tuesday group")
    group_b = SupportGroupFactory(organization=church, sms_label="Thursday group")
    lead_a, lead_b = UserFactory(), UserFactory()
    FacilitatorFactory(group=group_a, user=lead_a)
    FacilitatorFactory(group=group_b, user=lead_b)
    ana = MemberFactory(
        organization=hospice,
        display_name="Anastasia",
        phone=PHONE,
        email=ANA_EMAIL,
        sms_consent="confirmed",
        sms_reminders=True,
        phone_verified_at=PROVEN_AT,
    )
    EnrollmentFactory(member=ana, group=group_a)
    texted(ana, group_a, NOW - dt.timedelta(days=1))
    return {"a": group_a, "b": group_b, "lead_a": lead_a, "lead_b": lead_b, "ana": ana}


def test_typing_anothers_number_reads_and_changes_nothing_of_their_record(world):
    """A facilitator of B typing A's member's number got back her name, email and consent."""
    response = staff(world["lead_b"]).post(
        f"/api/manage/groups/{world['b'].pk}/roster/",
        {"display_name": "Walk-in", "phone": "(312) 555-0142", "sms_reminders": True},
        format="json",
    )
    assert response.status_code == 201
    text = response.content.decode()
    for private in ("Anastasia", ANA_EMAIL, world["ana"].token, "confirmed"):
        assert private not in text
    # A new record in the church, unproven, whose number must answer its own confirmation.
    church_member = Member.objects.get(organization=world["b"].organization, phone=PHONE)
    assert church_member.pk != world["ana"].pk and church_member.display_name == "Walk-in"
    assert church_member.phone_verified_at is None and church_member.sms_consent == "pending"
    assert list(ContactProof.objects.filter(member=church_member).values_list("channel", flat=True)) == ["sms"]
    world["ana"].refresh_from_db()
    assert (world["ana"].display_name, world["ana"].email, world["ana"].sms_consent) == (
        "Anastasia",
        ANA_EMAIL,
        "confirmed",
    )
    roster = staff(world["lead_b"]).get(f"/api/manage/groups/{world['b'].pk}/roster/").content.decode()
    assert "Anastasia" not in roster and ANA_EMAIL not in roster


def test_the_other_organization_cannot_message_on_an_earlier_yes(world):
    staff(world["lead_b"]).post(
        f"/api/manage/groups/{world['b'].pk}/roster/",
        {"display_name": "Walk-in", "phone": PHONE, "sms_reminders": True},
        format="json",
    )
    broadcast = broadcast_send(group=world["b"], author=world["lead_b"], body="Meeting moved to the hall", now=NOW)
    # A's YES does not count for B: nobody in B has proven this number yet.
    assert broadcast.recipients == 0
    assert not OutboxMessage.objects.filter(member=world["ana"], group=world["b"]).exists()
    # The send is in B's log, and nothing of B's is in A's.
    assert AuditLog.objects.filter(organization=world["b"].organization, action="broadcast.send").count() == 1
    assert not AuditLog.objects.filter(organization=world["a"].organization, action="broadcast.send").exists()


def test_replies_go_to_the_organization_that_last_texted_the_number_and_never_across(world):
    """Replies to a shared number landed in the wrong organization's inbox."""
    church_member = MemberFactory(organization=world["b"].organization, phone=PHONE, phone_verified_at=None)
    EnrollmentFactory(member=church_member, group=world["b"])
    message = text_from("I am not doing well, can someone call me", NOW)
    assert (message.member, message.group) == (world["ana"], world["a"])
    inbox_a = staff(world["lead_a"]).get(f"/api/manage/groups/{world['a'].pk}/inbox/").json()["results"]
    inbox_b = staff(world["lead_b"]).get(f"/api/manage/groups/{world['b'].pk}/inbox/").json()["results"]
    assert [m["body"] for m in inbox_a] == ["I am not doing well, can someone call me"]
    assert inbox_b == []

    # The church then texts the number (its confirmation): the next reply is the church's.
    proof = ContactProof.objects.create(
        member=church_member,
        channel="sms",
        destination=PHONE,
        requested_at=NOW,
        expires_at=NOW + dt.timedelta(days=2),
    )
    texted(church_member, world["b"], NOW + dt.timedelta(minutes=5), kind="sms_confirm", contact_proof=proof)
    yes = text_from("YES", NOW + dt.timedelta(minutes=6))
    assert yes.member == church_member
    church_member.refresh_from_db()
    world["ana"].refresh_from_db()
    assert church_member.phone_verified_at is not None and church_member.sms_consent == "confirmed"
    # A's record is untouched by B's proof.
    assert world["ana"].sms_consent == "confirmed" and world["ana"].phone_verified_at == PROVEN_AT
    later = text_from("thank you", NOW + dt.timedelta(minutes=7))
    assert (later.member, later.group) == (church_member, world["b"])


def test_a_number_known_in_two_organizations_and_never_texted_is_routed_to_neither():
    first = MemberFactory(phone=PHONE)
    second = MemberFactory(phone=PHONE)
    EnrollmentFactory(member=first, group=SupportGroupFactory(organization=first.organization))
    EnrollmentFactory(member=second, group=SupportGroupFactory(organization=second.organization))
    message = text_from("hello?", NOW)
    assert (message.member, message.group) == (None, None)


def test_stop_opts_the_number_out_in_every_organization(world):
    church_member = MemberFactory(organization=world["b"].organization, phone=PHONE, sms_consent="confirmed")
    text_from("STOP", NOW)
    world["ana"].refresh_from_db()
    church_member.refresh_from_db()
    assert world["ana"].sms_consent == church_member.sms_consent == "opted_out"


def test_a_public_join_with_a_number_known_elsewhere_is_a_new_unproven_record(world):
    response = APIClient().post(
        f"/api/groups/{world['b'].slug}/join/", {"display_name": "Mallory", "phone": PHONE}, format="json"
    )
    assert response.status_code == 202
    assert Member.objects.filter(phone=PHONE).count() == 2
    assert not Enrollment.objects.filter(group=world["b"]).exists()
    world["ana"].refresh_from_db()
    assert world["ana"].display_name == "Anastasia"
