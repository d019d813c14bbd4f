from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from sessions.models import AuditLog, Enrollment, EnrollmentEvent, SupportGroup
from sessions.services.enrollment import (
    BAD_POSITION,
    CANNOT_APPROVE,
    CANNOT_LEAVE,
    GROUP_FULL,
    MEMBER_ERASED,
    OTHER_ORGANIZATION,
    enrollment_add,
    enrollment_approve,
    enrollment_decline,
    enrollment_join,
    enrollment_leave,
    enrollment_remove,
    enrollment_waitlist,
    group_fill_seats,
    waitlist_move,
)
from sessions.services.groups import group_update
from tests.factories import MemberFactory, SupportGroupFactory, UserFactory
from tests.sessions.concurrency import run_in_threads

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
DROP_IN = SupportGroup.EnrollmentMode.DROP_IN
APPROVAL = SupportGroup.EnrollmentMode.APPROVAL
COHORT = SupportGroup.EnrollmentMode.COHORT


def join(group, member=None, **kwargs):
    return enrollment_join(
        group=group, member=member or MemberFactory(organization=group.organization), now=NOW, **kwargs
    )[0]


def statuses(group) -> dict[int, tuple[str, int | None]]:
    return {e.member_id: (e.status, e.waitlist_position) for e in Enrollment.objects.filter(group=group).order_by("id")}


def waitlist(group) -> list[tuple[int, int]]:
    return list(
        Enrollment.objects.filter(group=group, status="waitlisted")
        .order_by("waitlist_position")
        .values_list("member_id", "waitlist_position")
    )


def events(enrollment) -> list[tuple[str, str, str]]:
    return list(enrollment.events.values_list("from_status", "to_status", "reason"))


def full_group(*, capacity: int = 2, waiting: int = 0, mode=DROP_IN):
    group = SupportGroupFactory(capacity=capacity, enrollment_mode=DROP_IN)
    active = [join(group) for _ in range(capacity)]
    queue = [join(group) for _ in range(waiting)]
    if mode != DROP_IN:
        SupportGroup.objects.filter(pk=group.pk).update(enrollment_mode=mode)
        group.refresh_from_db()
    return group, active, queue


# --- Joining ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_drop_in_join_with_a_free_seat_is_active_and_recorded():
    group = SupportGroupFactory(capacity=3)
    member = MemberFactory(organization=group.organization)
    enrollment, created = enrollment_join(group=group, member=member, join_note="hello", now=NOW)
    assert created is True
    assert enrollment.status == "active" and enrollment.waitlist_position is None
    assert enrollment.activated_at == NOW and enrollment.join_note == "hello"
    assert events(enrollment) == [("", "active", "join")]
    entry = AuditLog.objects.get(action="roster.join")
    assert entry.group == group and entry.organization_id == group.organization_id
    assert entry.actor_label == "member" and entry.details["member_id"] == member.pk


@pytest.mark.django_db
def test_full_group_puts_joiners_on_the_waitlist_in_order():
    group, _, queue = full_group(capacity=2, waiting=3)
    assert [(e.status, e.waitlist_position) for e in queue] == [("waitlisted", 1), ("waitlisted", 2), ("waitlisted", 3)]
    assert events(queue[0]) == [("", "waitlisted", "join")]


@pytest.mark.django_db
def test_no_capacity_means_no_limit():
    group = SupportGroupFactory(capacity=None)
    assert {join(group).status for _ in range(30)} == {"active"}


@pytest.mark.django_db
@pytest.mark.parametrize("mode", [APPROVAL, COHORT])
def test_approval_and_cohort_joins_are_requests_even_with_free_seats(mode):
    group = SupportGroupFactory(capacity=5, enrollment_mode=mode)
    enrollment = join(group)
    assert enrollment.status == "requested" and enrollment.waitlist_position is None
    assert events(enrollment) == [("", "requested", "join")]


@pytest.mark.django_db
@pytest.mark.parametrize("status", ["requested", "active", "waitlisted", "declined", "removed"])
def test_repeat_join_returns_the_existing_enrollment_unchanged(status):
    group = SupportGroupFactory()
    member = MemberFactory(organization=group.organization)
    existing = Enrollment.objects.create(
        group=group, member=member, status=status, waitlist_position=1 if status == "waitlisted" else None
    )
    enrollment, created = enrollment_join(group=group, member=member, now=NOW)
    assert created is False
    assert enrollment.pk == existing.pk and enrollment.status == status
    assert not EnrollmentEvent.objects.exists()


@pytest.mark.django_db
def test_a_member_who_left_may_join_again():
    group = SupportGroupFactory(capacity=1)
    member = MemberFactory(organization=group.organization)
    first = join(group, member)
    enrollment_leave(enrollment=first, now=NOW)
    again, created = enrollment_join(group=group, member=member, join_note="back", now=NOW)
    assert created is True and again.pk == first.pk
    assert again.status == "active" and again.join_note == "back"
    assert events(again) == [("", "active", "join"), ("active", "left", "leave"), ("left", "active", "join")]


@pytest.mark.django_db
def test_erased_member_cannot_join():
    group = SupportGroupFactory()
    member = MemberFactory(phone=None, email=None, erased_at=NOW, organization=group.organization)
    with pytest.raises(ValidationError) as info:
        enrollment_join(group=group, member=member, now=NOW)
    assert info.value.message_dict == {"member": [MEMBER_ERASED]}


@pytest.mark.django_db
def test_a_member_cannot_join_or_be_added_to_another_organizations_group():
    member = MemberFactory()
    group = SupportGroupFactory()
    with pytest.raises(ValidationError) as info:
        enrollment_join(group=group, member=member, now=NOW)
    assert info.value.message_dict == {"member": [OTHER_ORGANIZATION]}
    with pytest.raises(ValidationError):
        enrollment_add(group=group, member=member, actor=UserFactory(), now=NOW)
    assert not group.enrollments.exists()


# --- Approval ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_approving_with_a_free_seat_activates():
    group = SupportGroupFactory(capacity=2, enrollment_mode=APPROVAL)
    user = UserFactory()
    enrollment = join(group)
    enrollment_approve(enrollment=enrollment, actor=user, now=NOW)
    assert enrollment.status == "active" and enrollment.activated_at == NOW
    event = enrollment.events.last()
    assert (event.from_status, event.to_status, event.reason, event.actor) == ("requested", "active", "approve", user)


@pytest.mark.django_db
def test_approving_into_a_full_group_waitlists():
    group, _, _ = full_group(capacity=1, waiting=1, mode=APPROVAL)
    request = join(group)
    enrollment_approve(enrollment=request, actor=UserFactory(), now=NOW)
    assert (request.status, request.waitlist_position) == ("waitlisted", 2)
    assert events(request)[-1] == ("requested", "waitlisted", "approve")


@pytest.mark.django_db
def test_approving_a_waitlisted_member_of_a_full_group_is_refused():
    group, _, queue = full_group(capacity=1, waiting=1)
    with pytest.raises(ValidationError) as info:
        enrollment_approve(enrollment=queue[0], actor=UserFactory(), now=NOW)
    assert info.value.message_dict == {"action": [GROUP_FULL]}


@pytest.mark.django_db
def test_only_requests_and_waitlisted_can_be_approved():
    enrollment = join(SupportGroupFactory())
    with pytest.raises(ValidationError) as info:
        enrollment_approve(enrollment=enrollment, now=NOW)
    assert info.value.message_dict == {"action": [CANNOT_APPROVE % {"status": "active"}]}


# --- Seats freeing: automatic promotion -------------------------------------------------


@pytest.mark.django_db
def test_leaving_promotes_the_first_on_the_waitlist_and_closes_the_gap():
    group, active, queue = full_group(capacity=2, waiting=3)
    enrollment_leave(enrollment=active[0], now=NOW)
    queue[0].refresh_from_db()
    assert (queue[0].status, queue[0].waitlist_position, queue[0].activated_at) == ("active", None, NOW)
    assert events(queue[0])[-1] == ("waitlisted", "active", "promote")
    assert waitlist(group) == [(queue[1].member_id, 1), (queue[2].member_id, 2)]
    assert AuditLog.objects.filter(action="roster.promote", target_id=str(queue[0].pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("end", [enrollment_remove, enrollment_decline])
def test_removing_or_declining_an_active_member_promotes(end):
    group, active, queue = full_group(capacity=1, waiting=2)
    end(enrollment=active[0], actor=UserFactory(), now=NOW)
    assert statuses(group)[queue[0].member_id] == ("active", None)
    assert waitlist(group) == [(queue[1].member_id, 1)]


@pytest.mark.django_db
def test_removing_from_the_middle_of_the_waitlist_keeps_positions_contiguous():
    group, _, queue = full_group(capacity=1, waiting=4)
    enrollment_remove(enrollment=queue[1], actor=UserFactory(), now=NOW)
    assert waitlist(group) == [(queue[0].member_id, 1), (queue[2].member_id, 2), (queue[3].member_id, 3)]
    assert events(queue[1])[-1] == ("waitlisted", "removed", "remove")
    # Nobody moved up: a waitlisted person leaving frees no seat.
    assert Enrollment.objects.filter(group=group, status="active").count() == 1


@pytest.mark.django_db
def test_declining_a_request_frees_no_seat():
    group, active, queue = full_group(capacity=1, waiting=1, mode=APPROVAL)
    request = join(group)
    enrollment_decline(enrollment=request, actor=UserFactory(), now=NOW)
    assert events(request)[-1] == ("requested", "declined", "decline")
    assert statuses(group)[queue[0].member_id] == ("waitlisted", 1)


@pytest.mark.django_db
def test_leaving_twice_is_refused_with_a_clear_message():
    enrollment = join(SupportGroupFactory())
    enrollment_leave(enrollment=enrollment, now=NOW)
    with pytest.raises(ValidationError) as info:
        enrollment_leave(enrollment=enrollment, now=NOW)
    assert info.value.message_dict == {"group": [CANNOT_LEAVE]}


@pytest.mark.django_db
def test_raising_capacity_promotes_as_many_as_fit():
    group, _, queue = full_group(capacity=1, waiting=3)
    group_update(group=group, actor=UserFactory(), capacity=3, now=NOW)
    assert [statuses(group)[e.member_id] for e in queue] == [("active", None), ("active", None), ("waitlisted", 1)]


@pytest.mark.django_db
def test_removing_the_capacity_promotes_everyone():
    group, _, queue = full_group(capacity=1, waiting=3)
    group_update(group=group, actor=UserFactory(), capacity=None, now=NOW)
    assert {statuses(group)[e.member_id] for e in queue} == {("active", None)}


@pytest.mark.django_db
def test_lowering_capacity_removes_nobody():
    group, active, queue = full_group(capacity=3, waiting=1)
    group_update(group=group, actor=UserFactory(), capacity=1, now=NOW)
    assert Enrollment.objects.filter(group=group, status="active").count() == 3
    assert group_fill_seats(group=group, now=NOW) == []


# --- Facilitator actions on the waitlist ------------------------------------------------


@pytest.mark.django_db
def test_moving_on_the_waitlist_shifts_the_others():
    group, _, queue = full_group(capacity=1, waiting=4)
    moved = waitlist_move(enrollment=queue[3], position=1, actor=UserFactory())
    assert moved.waitlist_position == 1
    assert [m for m, _ in waitlist(group)] == [queue[i].member_id for i in (3, 0, 1, 2)]
    assert [p for _, p in waitlist(group)] == [1, 2, 3, 4]
    waitlist_move(enrollment=queue[3], position=4)
    assert [m for m, _ in waitlist(group)] == [queue[i].member_id for i in (0, 1, 2, 3)]
    entry = AuditLog.objects.filter(action="roster.move").first()
    assert entry.details["from_position"] == 1 and entry.details["to_position"] == 4


@pytest.mark.django_db
def test_moving_to_the_head_of_the_waitlist_costs_the_same_queries_however_long_it_is():
    counts = {}
    for waiting in (3, 30):
        group, _, queue = full_group(capacity=1, waiting=waiting)
        with CaptureQueriesContext(connection) as queries:
            waitlist_move(enrollment=queue[-1], position=1)
        counts[waiting] = len(queries)
        assert [p for _, p in waitlist(group)] == list(range(1, waiting + 1))
        assert waitlist(group)[0][0] == queue[-1].member_id
    assert counts[30] == counts[3]


@pytest.mark.django_db
@pytest.mark.parametrize("position", [0, 3, -1])
def test_moving_outside_the_waitlist_is_refused(position):
    group, _, queue = full_group(capacity=1, waiting=2)
    with pytest.raises(ValidationError) as info:
        waitlist_move(enrollment=queue[0], position=position)
    assert info.value.message_dict == {"waitlist_position": [BAD_POSITION % {"count": 2}]}


@pytest.mark.django_db
def test_waitlisting_an_active_member_gives_the_seat_to_whoever_already_waited():
    group, active, queue = full_group(capacity=1, waiting=1)
    enrollment_waitlist(enrollment=active[0], actor=UserFactory(), now=NOW)
    assert statuses(group)[queue[0].member_id] == ("active", None)
    assert statuses(group)[active[0].member_id] == ("waitlisted", 1)
    assert events(active[0])[-1] == ("active", "waitlisted", "waitlist")


@pytest.mark.django_db
def test_facilitator_add_ignores_approval_mode_and_respects_capacity():
    group, _, _ = full_group(capacity=1, mode=APPROVAL)
    user = UserFactory()
    enrollment, created = enrollment_add(
        group=group, member=MemberFactory(organization=group.organization), actor=user, notes="met at door"
    )
    assert created and (enrollment.status, enrollment.waitlist_position) == ("waitlisted", 1)
    assert enrollment.notes == "met at door"
    assert events(enrollment) == [("", "waitlisted", "add")]
    again, created = enrollment_add(group=group, member=enrollment.member, actor=user)
    assert not created and again.pk == enrollment.pk


@pytest.mark.django_db
def test_facilitator_add_approves_a_pending_request():
    group = SupportGroupFactory(enrollment_mode=APPROVAL)
    request = join(group)
    enrollment, created = enrollment_add(group=group, member=request.member, actor=UserFactory())
    assert created and enrollment.status == "active"
    assert events(enrollment)[-1] == ("requested", "active", "approve")


# --- Races (PostgreSQL row locks) -------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_joins_racing_for_the_last_seat_give_one_seat_and_one_waitlist_place(requires_postgres):
    group = SupportGroupFactory(capacity=3)
    for _ in range(2):
        join(group)
    racers = [MemberFactory(organization=group.organization) for _ in range(2)]
    results = run_in_threads(2, lambda i: enrollment_join(group=group, member=racers[i], now=NOW)[0].status)
    assert sorted(results) == ["active", "waitlisted"]
    assert Enrollment.objects.filter(group=group, status="active").count() == 3
    assert waitlist(group)[0][1] == 1


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_joins_fill_exactly_the_capacity_with_a_contiguous_waitlist(requires_postgres):
    group = SupportGroupFactory(capacity=4)
    racers = [MemberFactory(organization=group.organization) for _ in range(10)]
    results = run_in_threads(10, lambda i: enrollment_join(group=group, member=racers[i], now=NOW)[0].status)
    assert results.count("active") == 4 and results.count("waitlisted") == 6
    assert sorted(p for _, p in waitlist(group)) == [1, 2, 3, 4, 5, 6]


@pytest.mark.django_db(transaction=True)
def test_a_leave_racing_a_join_never_overfills(requires_postgres):
    group = SupportGroupFactory(capacity=1)
    seated = join(group)
    waiting = join(group)
    newcomer = MemberFactory(organization=group.organization)

    def act(index: int):
        if index == 0:
            return enrollment_leave(enrollment=seated, now=NOW).status
        return enrollment_join(group=group, member=newcomer, now=NOW)[0].status

    results = run_in_threads(2, act)
    assert not any(isinstance(r, Exception) for r in results), results
    assert list(Enrollment.objects.filter(group=group, status="active").values_list("pk", flat=True)) == [waiting.pk]
    assert waitlist(group) == [(newcomer.pk, 1)]


@pytest.mark.django_db
def test_status_times_follow_the_injected_now():
    group = SupportGroupFactory(capacity=1)
    first = join(group)
    waiting = join(group)
    assert (first.status_changed_at, first.activated_at) == (NOW, NOW)
    later = NOW + dt.timedelta(days=3)
    enrollment_leave(enrollment=first, now=later)
    waiting.refresh_from_db()
    assert (waiting.status_changed_at, waiting.activated_at) == (later, later)
    assert Enrollment.objects.get(pk=first.pk).status_changed_at == later


# --- Invariants under any sequence of roster operations (hypothesis) --------------------

OPERATIONS = st.lists(
    st.tuples(
        # Joins weighted up: most interesting sequences need a full group first.
        st.sampled_from(["join"] * 5 + ["leave"] * 2 + ["remove", "decline", "move", "capacity", "approve"]),
        st.integers(min_value=0, max_value=3),
        st.integers(min_value=0, max_value=6),
    ),
    min_size=1,
    max_size=25,
)


def _apply(group, members, op: str, who: int, value: int, user) -> None:
    member = members[who]
    enrollment = Enrollment.objects.filter(group=group, member=member).first()
    try:
        if op == "join":
            enrollment_join(group=group, member=member, now=NOW)
        elif op == "capacity":
            group_update(group=group, actor=user, capacity=value or None, now=NOW)
        elif enrollment is None:
            return
        elif op == "leave":
            enrollment_leave(enrollment=enrollment, now=NOW)
        elif op == "remove":
            enrollment_remove(enrollment=enrollment, actor=user, now=NOW)
        elif op == "decline":
            enrollment_decline(enrollment=enrollment, actor=user, now=NOW)
        elif op == "approve":
            enrollment_approve(enrollment=enrollment, actor=user, now=NOW)
        elif op == "move":
            waitlist_move(enrollment=enrollment, position=value or 1, actor=user)
    except ValidationError:
        pass  # refused operations must leave the invariants intact too


def _check_invariants(group) -> None:
    group.refresh_from_db()
    enrollments = list(Enrollment.objects.filter(group=group))
    active = [e for e in enrollments if e.status == "active"]
    waiting = sorted(e.waitlist_position for e in enrollments if e.status == "waitlisted")
    assert waiting == list(range(1, len(waiting) + 1)), "waitlist positions are 1..n"
    if group.capacity is None:
        assert not waiting, "nobody waits without a capacity"
    elif len(active) < group.capacity:
        assert not waiting, "nobody waits while a seat is free"
    for enrollment in enrollments:
        chain = list(enrollment.events.values_list("from_status", "to_status"))
        assert chain[0][0] == "" and chain[-1][1] == enrollment.status
        assert all(prev[1] == nxt[0] for prev, nxt in zip(chain, chain[1:], strict=False)), chain


@pytest.mark.django_db
@given(operations=OPERATIONS, capacity=st.integers(min_value=1, max_value=3))
@hypothesis_settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_roster_invariants_hold_after_any_sequence_of_operations(operations, capacity):
    with transaction.atomic():
        group = SupportGroupFactory(capacity=capacity)
        members = [MemberFactory(organization=group.organization) for _ in range(4)]
        user = UserFactory()
        active_cap = capacity
        for op, who, value in operations:
            before = Enrollment.objects.filter(group=group, status="active").count()
            _apply(group, members, op, who, value, user)
            if op == "capacity":
                active_cap = value or None
            _check_invariants(group)
            after = Enrollment.objects.filter(group=group, status="active").count()
            if active_cap is not None and after > before:
                assert after <= active_cap, "a seat was given beyond the capacity"
        transaction.set_rollback(True)
