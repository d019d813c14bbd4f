"""Proving a contact turns a join request into an enrollment, and only the owner's proof
gives anyone the member's page (docs/privacy.md, "Identity and proof")."""

from __future__ import annotations

import datetime as dt

import pytest

from sessions.models import ContactProof, Enrollment, JoinRequest, Member
from sessions.services.joining import group_join, join_request_cancel, join_request_public_state
from sessions.services.members import contact_proof_request, member_update
from sessions.services.proofs import PROOF_EXPIRED, email_confirm, phone_confirm
from tests.factories import SupportGroupFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
VICTIM = "+12175550142"


def later(minutes: int) -> dt.datetime:
    return NOW + dt.timedelta(minutes=minutes)


def test_the_handle_never_says_whether_the_owner_confirmed():
    group = SupportGroupFactory()
    request = group_join(group=group, display_name="Mallory", phone=VICTIM, now=NOW).join_request
    before = join_request_public_state(join_request=request, now=later(1))
    phone_confirm(member=request.member, now=later(2))
    request.refresh_from_db()
    assert request.confirmed_at is not None
    after = join_request_public_state(join_request=request, now=later(3))
    assert after == before and after.status == "waiting_for_confirmation"
    # A cancel after confirmation answers the same and leaves the owner's enrollment alone.
    cancelled = join_request_cancel(join_request=request, now=later(4))
    assert join_request_public_state(join_request=cancelled, now=later(5)).status == "cancelled"
    assert Enrollment.objects.get(group=group).status == "active"
    expired = join_request_public_state(join_request=JoinRequest.objects.get(pk=request.pk), now=later(60 * 49))
    assert expired.status == "cancelled"


def test_a_handles_answer_is_the_same_over_http_before_and_after_confirmation(api_client):
    group = SupportGroupFactory()
    handle = api_client.post(
        f"/api/groups/{group.slug}/join/", {"display_name": "M", "phone": VICTIM}, format="json"
    ).json()["request_token"]
    before = api_client.get(f"/api/join-requests/{handle}/")
    phone_confirm(member=Member.objects.get(phone=VICTIM))
    after = api_client.get(f"/api/join-requests/{handle}/")
    assert before.status_code == after.status_code == 200
    assert before.content == after.content
    assert after["Cache-Control"] == "no-store"


def test_a_stranger_cannot_attach_their_email_to_someone_elses_number():
    """Whoever typed a stranger's number (with their own email) could later read that
    person's groups and change their email."""
    attacker = group_join(
        group=SupportGroupFactory(), display_name="Mallory", phone=VICTIM, email="mallory@example.org", now=NOW
    ).join_request
    # The attacker's email gets no confirmation: the join's one confirmation goes to the phone.
    assert list(ContactProof.objects.values_list("channel", flat=True)) == ["sms"]
    # Later the owner joins a group of the same organization, and replies YES.
    grief = SupportGroupFactory(organization=attacker.group.organization)
    own = group_join(group=grief, display_name="Ruth", phone=VICTIM, now=later(60)).join_request
    assert own.member_id == attacker.member_id
    result = phone_confirm(member=own.member, now=later(61))
    member = result.member
    assert result.join_request == own and result.first_proof
    assert (member.display_name, member.phone, member.email) == ("Ruth", VICTIM, None)
    assert not Member.objects.filter(email="mallory@example.org").exists()
    assert list(Enrollment.objects.filter(member=member).values_list("group_id", flat=True)) == [grief.pk]


def test_a_number_pending_on_a_strangers_proven_record_is_taken_off_it():
    group = SupportGroupFactory()
    attacker_request = group_join(group=group, display_name="M", email="mallory@example.org", now=NOW).join_request
    attacker = email_confirm(proof=attacker_request.proofs.get(), now=later(1)).member
    # From their own page the attacker puts the victim's number on their record (unproven).
    member_update(member=attacker, phone=VICTIM, sms_reminders=True, now=later(2))
    owner_request = group_join(group=group, display_name="Ruth", phone=VICTIM, now=later(3)).join_request
    assert owner_request.member_id != attacker.pk
    attacker.refresh_from_db()
    assert attacker.phone is None
    assert not ContactProof.objects.filter(member=attacker, channel="sms", cancelled_at__isnull=True).exists()
    phone_confirm(member=owner_request.member, now=later(4))
    assert Enrollment.objects.get(member=owner_request.member).group == group


def test_the_owner_is_never_locked_out_by_an_earlier_unconfirmed_join():
    group = SupportGroupFactory()
    group_join(group=group, display_name="Mallory", phone=VICTIM, now=NOW)
    # Unanswered; a day later the owner joins: a new confirmation goes out and works.
    own = group_join(group=group, display_name="Ruth", phone=VICTIM, now=later(60 * 24)).join_request
    assert ContactProof.objects.filter(join_request=own, channel="sms").exists()
    result = phone_confirm(member=own.member, now=later(60 * 24 + 1))
    assert result.join_request == own and result.enrollment.status == "active"


def test_email_confirmation_get_changes_nothing_and_post_proves_and_gives_the_page(api_client, settings):
    group = SupportGroupFactory(name="Evening Circle")
    request = group_join(group=group, display_name="Lee", email="lee@example.org", email_reminders=True).join_request
    url = f"/api/email-confirmations/{request.proofs.get().secret}/"
    shown = api_client.get(url)
    assert shown.status_code == 200
    assert shown.json() == {
        "group_name": "Evening Circle",
        "group_slug": group.slug,
        "contact": "l•••@e•••",
        "status": "waiting_for_confirmation",
        "confirm": "POST to this URL",
    }
    member = Member.objects.get(email="lee@example.org")
    assert member.email_verified_at is None and not Enrollment.objects.exists()
    confirmed = api_client.post(url)
    assert confirmed.status_code == 200
    member.refresh_from_db()
    assert confirmed.json()["self_service_url"] == f"{settings.PUBLIC_BASE_URL}/me/{member.token}/"
    assert confirmed.json()["enrollment_status"] == "active"
    assert member.email_verified_at is not None and member.email_consent and member.email_reminders
    assert api_client.post(url).json()["enrollment_status"] == "active"
    assert api_client.get(url).json()["status"] == "confirmed"
    assert Enrollment.objects.filter(member=member).count() == 1


def test_an_expired_or_cancelled_email_link_is_410_and_changes_nothing(api_client):
    group = SupportGroupFactory()
    old = group_join(group=group, display_name="A", email="a@example.org", now=NOW - dt.timedelta(days=3))
    response = api_client.post(f"/api/email-confirmations/{old.join_request.proofs.get().secret}/")
    assert response.status_code == 410 and response.json() == {"detail": PROOF_EXPIRED}
    cancelled = group_join(group=group, display_name="B", email="b@example.org").join_request
    api_client.delete(f"/api/join-requests/{cancelled.token}/")
    assert api_client.post(f"/api/email-confirmations/{cancelled.proofs.get().secret}/").status_code == 410
    assert not Enrollment.objects.exists()
    assert not Member.objects.filter(email_verified_at__isnull=False).exists()
    assert api_client.get("/api/email-confirmations/not-a-secret/").status_code == 404


def _join_by_phone(group, *, name: str, minutes: int, **fields):
    return group_join(group=group, display_name=name, phone=VICTIM, now=later(minutes), **fields).join_request


def _yes(join_request, *, minutes: int):
    proof = join_request.proofs.get()
    return phone_confirm(member=proof.member, proof_id=proof.pk, now=later(minutes))


def test_only_the_first_proof_takes_the_name_and_zone_typed_with_its_request():
    group = SupportGroupFactory()
    _join_by_phone(group, name="Stranger", minutes=0, time_zone="Asia/Tokyo")
    owners = _join_by_phone(group, name="Ana", minutes=1, time_zone="Europe/London")

    member = _yes(owners, minutes=2).member
    assert (member.display_name, member.timezone) == ("Ana", "Europe/London")

    again = _join_by_phone(SupportGroupFactory(organization=group.organization), name="Someone", minutes=3)
    member = _yes(again, minutes=4).member
    assert (member.display_name, member.timezone) == ("Ana", "Europe/London")


def test_a_first_proof_without_a_typed_zone_keeps_the_records_zone():
    group = SupportGroupFactory()
    _join_by_phone(group, name="Stranger", minutes=0, time_zone="Asia/Tokyo")
    member = _yes(_join_by_phone(group, name="Ana", minutes=1), minutes=2).member
    assert (member.display_name, member.timezone) == ("Ana", "Asia/Tokyo")


def test_a_yes_is_the_numbers_consent_and_turns_on_the_texts_asked_for():
    group = SupportGroupFactory()
    member = _yes(_join_by_phone(group, name="Ana", minutes=0, sms_reminders=True), minutes=1).member
    member.refresh_from_db()
    assert (member.sms_consent, member.sms_consent_at, member.sms_consent_source) == (
        Member.SmsConsent.CONFIRMED,
        later(1),
        Member.ConsentSource.SMS_KEYWORD,
    )
    assert member.sms_reminders and member.phone_verified_at == later(1)

    # A later YES for another request proves the number again but keeps the consent's date.
    _yes(_join_by_phone(SupportGroupFactory(organization=group.organization), name="Ana", minutes=2), minutes=3)
    member.refresh_from_db()
    assert (member.sms_consent_at, member.phone_verified_at) == (later(1), later(3))


def test_a_yes_without_texts_asked_for_leaves_them_off():
    member = _yes(_join_by_phone(SupportGroupFactory(), name="Ana", minutes=0), minutes=1).member
    member.refresh_from_db()
    assert member.sms_consent == Member.SmsConsent.CONFIRMED and not member.sms_reminders


def test_a_request_proven_again_after_it_was_confirmed_answers_with_its_enrollment():
    group = SupportGroupFactory()
    join_request = _join_by_phone(group, name="Ana", minutes=0)
    first = _yes(join_request, minutes=1)
    member = first.member
    second_proof = contact_proof_request(
        member=member, channel=ContactProof.Channel.SMS, join_request=join_request, now=later(2)
    )

    second = phone_confirm(member=member, proof_id=second_proof.pk, now=later(3))

    assert second.enrollment == first.enrollment
    assert JoinRequest.objects.get(pk=join_request.pk).confirmed_at == later(1)
    assert Enrollment.objects.filter(member=member).count() == 1
