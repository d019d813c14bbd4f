"""Plan the outbox from state. Running it twice, or on two machines at once, is harmless.

Every row the planner wants is named by (member, channel, dedupe_key) and
inserted with ON CONFLICT DO NOTHING, so the database keeps one copy. Rows that
are no longer wanted (session cancelled or started, member left or opted out)
are retired with a conditional UPDATE from `scheduled` only: a row already
being sent is never touched here.

Where a notice comes from:
- reminders: scheduled sessions × active enrollments × the group's offsets;
- session notices: a session whose `sequence` grew since the planner last looked
  (SessionWatch) and whose time, venue or status differs from what members were told;
- series notices: a series that ended (`active` False), or one a facilitator edited
  (`SessionSeries.sequence` higher than the last series invite a member got);
- enrollment notices: EnrollmentEvent rows (approve, promote, join, leave, remove);
- contact confirmations: an open ContactProof (a join request, an in-person add, a
  changed contact): one "reply YES" text or one emailed link, the only thing that
  ever goes to an unproven contact (docs/privacy.md).
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import Exists, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone as dj_timezone

from notifications.models import Channel, Kind, OutboxMessage, SessionWatch, Status
from notifications.quiet import sms_send_time
from notifications.send_rules import (
    PROOF_KINDS,
    SEND_RULES,
    email_notice_ok,
    notice_channels,
    proof_sendable_q,
    reminder_channels,
    series_cancel_ok,
    sms_notice_ok,
)
from sessions.models import (
    ContactProof,
    Enrollment,
    EnrollmentEvent,
    Member,
    Session,
    SessionSeries,
    SupportGroup,
)

logger = logging.getLogger(__name__)

# Reminder rows are created this long before they are due (quiet hours can pull
# a text up to ~11 h earlier, so a day covers every case).
REMINDER_PLAN_AHEAD = dt.timedelta(hours=26)
# A reminder that would already be this late when first planned (the member
# joined after it was due) is recorded as skipped instead of sent late.
LATE_GRACE = dt.timedelta(minutes=15)
# Enrollment events and session edits older than this are history, not news
# (e.g. on the first deploy).
NEWS_WINDOW = dt.timedelta(days=2)
# A cancellation far ahead is texted this long before the session, so ending a
# series does not send a text per session at once (email and calendars update at once).
CANCEL_SMS_AHEAD = dt.timedelta(days=8)
MAX_OFFSET = dt.timedelta(minutes=20160)
# Skip reason of the notices a whole series' end makes moot.
SERIES_ENDED = "series_ended"

# A calendar invite of the whole series: on joining, and with a new SEQUENCE when it changed.
SERIES_INVITE_KINDS = (Kind.SERIES_INVITE, Kind.SERIES_CHANGED)


def reminder_key(session_id: int, offset: int) -> str:
    return f"reminder:s{session_id}:o{offset}"


@dataclass
class PlanResult:
    created: int = 0
    moved: int = 0
    retired: int = 0


# Notices about a meeting that will not happen or has changed: a late text beats a wasted trip.
URGENT_KINDS = (Kind.SESSION_CANCELLED, Kind.SESSION_CHANGED, Kind.SERIES_CHANGED, Kind.SERIES_ENDED)


def _due_for(
    *, channel: str, due: dt.datetime, member: Member, starts_at: dt.datetime | None, kind: str = ""
) -> dt.datetime:
    if channel == Channel.SMS:
        return sms_send_time(due=due, tz_name=member.timezone, session_starts_at=starts_at, urgent=kind in URGENT_KINDS)
    return due


def _insert(rows: list[OutboxMessage]) -> int:
    """Insert the rows the database does not hold yet; returns how many it inserted.

    ON CONFLICT DO NOTHING drops a copy without saying so, so the count is the
    database's own: the INSERT statements' row counts."""
    if not rows:
        return 0
    inserted = 0

    def count_inserted(execute, sql, params, many, context):
        nonlocal inserted
        result = execute(sql, params, many, context)
        inserted += max(context["cursor"].rowcount, 0)
        return result

    with connections[OutboxMessage.objects.db].execute_wrapper(count_inserted):
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return inserted


def _row(**fields) -> OutboxMessage:
    due = fields.pop("due_at")
    return OutboxMessage(due_at=due, next_attempt_at=due, **fields)


def _retire_rows(rows: QuerySet[OutboxMessage], *, reason: str, now: dt.datetime, status: str = Status.SKIPPED) -> int:
    """Retire the rows still `scheduled`: a row already claimed for sending is never touched."""
    return rows.filter(status=Status.SCHEDULED).update(status=status, error_code=reason, updated_at=now)


def _retire(*, ids: list[int], status: str, reason: str, now: dt.datetime) -> int:
    count = 0
    for start in range(0, len(ids), 1000):
        chunk = OutboxMessage.objects.filter(pk__in=ids[start : start + 1000])
        count += _retire_rows(chunk, reason=reason, now=now, status=status)
    return count


def _notice_rows(
    *,
    enrollments: Iterable[Enrollment],
    kind: str,
    now: dt.datetime,
    starts_at: dt.datetime | None,
    sms_due: dt.datetime | None = None,
    **fields,
) -> list[OutboxMessage]:
    """One notice per member and channel the member takes notices on. Due now (a text
    at `sms_due` if given), texts moved out of the member's quiet hours."""
    rows = []
    for enrollment in enrollments:
        member = enrollment.member
        for channel in notice_channels(member):
            due = sms_due if channel == Channel.SMS and sms_due is not None else now
            due = _due_for(channel=channel, due=due, member=member, starts_at=starts_at, kind=kind)
            rows.append(
                _row(member_id=member.id, channel=channel, kind=kind, enrollment_id=enrollment.id, due_at=due, **fields)
            )
    return rows


def _members_when_series_changed(series: SessionSeries) -> QuerySet[Enrollment]:
    """Active enrollments that were active when the series was ended or edited: a later
    joiner's invite already shows the new state."""
    return Enrollment.objects.filter(
        group_id=series.group_id, status=Enrollment.Status.ACTIVE, activated_at__lte=series.updated_at
    ).select_related("member")


# --- Reminders -----------------------------------------------------------------------


@dataclass(frozen=True)
class WantedReminder:
    """A reminder row that should exist, whether or not it is time to create it yet."""

    session: Session
    enrollment: Enrollment
    offset: int
    wanted_at: dt.datetime  # the offset before the session
    due_at: dt.datetime  # after quiet hours


ReminderKey = tuple[int, str, str]  # (member, channel, dedupe_key)

_REMINDER_MEMBER_FIELDS = (
    "member__id",
    "member__phone",
    "member__email",
    "member__timezone",
    "member__sms_reminders",
    "member__email_reminders",
    "member__phone_verified_at",
    "member__email_verified_at",
    "member__sms_consent",
    "member__email_consent",
    "member__phone_undeliverable",
    "member__erased_at",
)


def _reminder_offsets() -> tuple[dict[int, list[int]], dt.timedelta]:
    """Each group's reminder offsets (minutes), and the longest of all (capped)."""
    offsets_by_group = {}
    longest = dt.timedelta(0)
    for group_id, offsets in SupportGroup.objects.values_list("id", "reminder_offsets"):
        offsets = [int(o) for o in (offsets or []) if isinstance(o, int)]
        offsets_by_group[group_id] = offsets
        if offsets:
            longest = max(longest, dt.timedelta(minutes=max(offsets)))
    return offsets_by_group, min(longest, MAX_OFFSET)


def _reminder_sessions(*, now: dt.datetime, longest: dt.timedelta) -> list[Session]:
    """Sessions near enough to remind of, and any session that still has a reminder waiting."""
    pending = OutboxMessage.objects.filter(kind=Kind.REMINDER, status=Status.SCHEDULED, session_id=OuterRef("pk"))
    window = Q(status=Session.Status.SCHEDULED, starts_at__gt=now, starts_at__lte=now + longest + REMINDER_PLAN_AHEAD)
    return list(
        Session.objects.filter(window | Q(Exists(pending))).only("id", "group_id", "starts_at", "status").order_by()
    )


def _active_enrollments_by_group(group_ids: set[int]) -> dict[int, list[Enrollment]]:
    enrollments_by_group: dict[int, list[Enrollment]] = defaultdict(list)
    enrollments = (
        Enrollment.objects.filter(group_id__in=group_ids, status=Enrollment.Status.ACTIVE)
        .select_related("member")
        .only("id", "group_id", *_REMINDER_MEMBER_FIELDS)
    )
    for enrollment in enrollments:
        enrollments_by_group[enrollment.group_id].append(enrollment)
    return enrollments_by_group


def _session_reminders(
    session: Session, *, enrollments: list[Enrollment], offsets: list[int]
) -> dict[ReminderKey, WantedReminder]:
    wanted = {}
    for enrollment in enrollments:
        member = enrollment.member
        channels = reminder_channels(member)
        for offset, channel in itertools.product(offsets, channels):
            raw = session.starts_at - dt.timedelta(minutes=offset)
            due = _due_for(channel=channel, due=raw, member=member, starts_at=session.starts_at)
            wanted[(member.id, channel, reminder_key(session.id, offset))] = WantedReminder(
                session=session, enrollment=enrollment, offset=offset, wanted_at=raw, due_at=due
            )
    return wanted


def _wanted_reminders(
    sessions: list[Session], *, offsets_by_group: dict[int, list[int]], now: dt.datetime
) -> dict[ReminderKey, WantedReminder]:
    """Every reminder row that should exist: used both to create and to move or retire rows."""
    enrollments_by_group = _active_enrollments_by_group({s.group_id for s in sessions})
    wanted: dict[ReminderKey, WantedReminder] = {}
    for session in sessions:
        if session.status != Session.Status.SCHEDULED or session.starts_at <= now:
            continue
        wanted |= _session_reminders(
            session,
            enrollments=enrollments_by_group.get(session.group_id, []),
            offsets=offsets_by_group.get(session.group_id, []),
        )
    return wanted


def _follow_existing_reminders(
    sessions: list[Session], *, wanted: dict[ReminderKey, WantedReminder], now: dt.datetime, result: PlanResult
) -> set[ReminderKey]:
    """Move waiting reminders whose due time changed, retire the ones no longer wanted;
    returns the keys of every reminder row that exists."""
    started = {s.id for s in sessions if s.starts_at <= now}
    existing = OutboxMessage.objects.filter(kind=Kind.REMINDER, session_id__in=[s.id for s in sessions]).values_list(
        "id", "member_id", "channel", "dedupe_key", "status", "due_at", "session_id"
    )
    have: set[ReminderKey] = set()
    retire_skip: list[int] = []
    retire_missed: list[int] = []
    # The session moved (or a member's time zone changed): its reminders follow. Rows
    # sharing a new due time move in one UPDATE, not one per member.
    move_to: dict[dt.datetime, list[int]] = defaultdict(list)
    for row_id, member_id, channel, key, status, due_at, session_id in existing.iterator(chunk_size=2000):
        have.add((member_id, channel, key))
        if status != Status.SCHEDULED:
            continue
        target = wanted.get((member_id, channel, key))
        if target is None:
            (retire_missed if session_id in started else retire_skip).append(row_id)
        elif target.due_at != due_at:
            move_to[target.due_at].append(row_id)
    for due, ids in move_to.items():
        result.moved += OutboxMessage.objects.filter(pk__in=ids, status=Status.SCHEDULED).update(
            due_at=due, next_attempt_at=due, updated_at=now
        )
    result.retired += _retire(ids=retire_skip, status=Status.SKIPPED, reason="not_wanted", now=now)
    result.retired += _retire(ids=retire_missed, status=Status.MISSED, reason="session_started", now=now)
    return have


def _reminder_row(key: ReminderKey, reminder: WantedReminder, *, now: dt.datetime) -> OutboxMessage:
    member_id, channel, dedupe_key = key
    late = reminder.due_at < now - LATE_GRACE
    return _row(
        member_id=member_id,
        channel=channel,
        kind=Kind.REMINDER,
        session_id=reminder.session.id,
        group_id=reminder.session.group_id,
        enrollment_id=reminder.enrollment.id,
        offset_minutes=reminder.offset,
        sequence=0,
        dedupe_key=dedupe_key,
        due_at=reminder.due_at,
        status=Status.SKIPPED if late else Status.SCHEDULED,
        error_code="planned_late" if late else "",
    )


def plan_reminders(*, now: dt.datetime) -> PlanResult:
    result = PlanResult()
    offsets_by_group, longest = _reminder_offsets()
    sessions = _reminder_sessions(now=now, longest=longest)
    if not sessions:
        return result
    wanted = _wanted_reminders(sessions, offsets_by_group=offsets_by_group, now=now)
    have = _follow_existing_reminders(sessions, wanted=wanted, now=now, result=result)
    new_rows = [
        _reminder_row(key, reminder, now=now)
        for key, reminder in wanted.items()
        if key not in have and reminder.wanted_at <= now + REMINDER_PLAN_AHEAD
    ]
    result.created += _insert(new_rows)
    return result


# --- Session changes ---------------------------------------------------------------


def session_change_kind(session: Session, watch: SessionWatch | None) -> tuple[str, str] | None:
    """(kind, detail) of the notice a changed session needs, or None (e.g. a note-only edit)."""
    seen_status = watch.status if watch else Session.Status.SCHEDULED
    seen_start = watch.starts_at if watch else session.original_start
    seen_venue = watch.venue_id_seen if watch else session.usual_venue_id
    venue_now = session.effective_venue_id
    if session.status == Session.Status.CANCELLED:
        if seen_status != Session.Status.CANCELLED:
            return Kind.SESSION_CANCELLED, ""
        return None
    if seen_status == Session.Status.CANCELLED:
        return Kind.SESSION_CHANGED, "restored"
    if session.starts_at != seen_start:
        return Kind.SESSION_CHANGED, "moved"
    if venue_now != seen_venue:
        return Kind.SESSION_CHANGED, "new_place"
    return None


def plan_session_changes(*, now: dt.datetime) -> PlanResult:
    result = PlanResult()
    seen = SessionWatch.objects.filter(session_id=OuterRef("pk"), sequence=OuterRef("sequence"))
    changed = list(
        Session.objects.filter(modified=True, starts_at__gt=now, updated_at__gte=now - NEWS_WINDOW)
        .exclude(Exists(seen))
        .select_related("group", "series")
    )
    if not changed:
        return result
    watches = {w.session_id: w for w in SessionWatch.objects.filter(session_id__in=[s.id for s in changed])}
    for session in changed:
        notice = session_change_kind(session, watches.get(session.id))
        if notice is not None:
            kind, detail = notice
            # A session cancelled because its whole series ended gets no notice of its
            # own: the series gets one (plan_series_endings).
            if kind != Kind.SESSION_CANCELLED or session.series.active:
                result.created += _plan_session_notice(session=session, kind=kind, detail=detail, now=now)
            # A newer change makes older, unsent notices about this session wrong.
            older = OutboxMessage.objects.filter(
                session=session, kind__in=[Kind.SESSION_CHANGED, Kind.SESSION_CANCELLED], sequence__lt=session.sequence
            )
            result.retired += _retire_rows(older, reason="superseded", now=now)
        # An upsert, so two dispatchers planning at once cannot trip over each other.
        SessionWatch.objects.bulk_create(
            [
                SessionWatch(
                    session=session,
                    sequence=session.sequence,
                    starts_at=session.starts_at,
                    venue_id_seen=session.effective_venue_id,
                    status=session.status,
                )
            ],
            update_conflicts=True,
            unique_fields=["session"],
            update_fields=["sequence", "starts_at", "venue_id_seen", "status"],
        )
    return result


@dataclass(frozen=True)
class PlannedNotice:
    enrollment: Enrollment
    channel: str
    # When the notice would go but for quiet hours (now, or for a far-off
    # cancellation's text CANCEL_SMS_AHEAD before the session), and when it will go.
    wanted_at: dt.datetime
    due_at: dt.datetime

    def row(self, **fields) -> OutboxMessage:
        """The outbox row that sends this notice; `fields` say what it is about."""
        return _row(
            member_id=self.enrollment.member_id,
            enrollment_id=self.enrollment.id,
            channel=self.channel,
            due_at=self.due_at,
            **fields,
        )


def session_notice_schedule(*, session: Session, kind: str, now: dt.datetime) -> list[PlannedNotice]:
    """Who gets a notice about this session's change, on which channel, and when.

    The planner's rows and the facilitator's preview (notifications.preview) both
    come from here, so what a facilitator is told is what will be sent.
    """
    enrollments = (
        Enrollment.objects.filter(group_id=session.group_id, status=Enrollment.Status.ACTIVE)
        .select_related("member")
        .order_by("member__display_name", "id")
    )
    sms_due = max(now, session.starts_at - CANCEL_SMS_AHEAD) if kind == Kind.SESSION_CANCELLED else None
    planned = []
    for enrollment in enrollments:
        member = enrollment.member
        for channel in notice_channels(member):
            wanted = sms_due if channel == Channel.SMS and sms_due is not None else now
            due = _due_for(channel=channel, due=wanted, member=member, starts_at=session.starts_at, kind=kind)
            planned.append(PlannedNotice(enrollment=enrollment, channel=channel, wanted_at=wanted, due_at=due))
    return planned


def _plan_session_notice(*, session: Session, kind: str, detail: str, now: dt.datetime) -> int:
    rows = [
        notice.row(
            kind=kind,
            detail=detail,
            session_id=session.id,
            group_id=session.group_id,
            sequence=session.sequence,
            dedupe_key=f"{kind}:s{session.id}:q{session.sequence}",
        )
        for notice in session_notice_schedule(session=session, kind=kind, now=now)
    ]
    return _insert(rows)


# --- A whole series ended ------------------------------------------------------------------


def series_ended_key(series: SessionSeries) -> str:
    return f"{SERIES_ENDED}:r{series.pk}:q{series.sequence}"


def plan_series_endings(*, now: dt.datetime) -> PlanResult:
    """One "these meetings have ended" notice per member and channel for a series that
    ended (`SessionSeries.active` False, `sessions.services.schedule.series_end`) with
    sessions still ahead, instead of one cancellation per session; the email carries a
    METHOD:CANCEL of the whole series. Derived from state, so planning again is harmless
    (the key names the series and its SEQUENCE)."""
    result = PlanResult()
    ended = list(
        SessionSeries.objects.filter(active=False, updated_at__gte=now - NEWS_WINDOW, updated_at__lte=now)
        .select_related("group")
        .order_by("id")
    )
    rows = []
    for series in ended:
        # Cancellation notices still waiting for single sessions of the series (e.g. a
        # far-ahead text) say less than the series notice: it replaces them.
        single_cancellations = OutboxMessage.objects.filter(kind=Kind.SESSION_CANCELLED, session__series=series)
        result.retired += _retire_rows(single_cancellations, reason=SERIES_ENDED, now=now)
        # So are unsent notices that the series had changed: it has ended since.
        change_notices = OutboxMessage.objects.filter(series=series, kind=Kind.SERIES_CHANGED)
        result.retired += _retire_rows(change_notices, reason=SERIES_ENDED, now=now)
        rows += [
            notice.row(
                kind=Kind.SERIES_ENDED,
                group_id=series.group_id,
                series_id=series.pk,
                sequence=series.sequence,
                dedupe_key=series_ended_key(series),
            )
            for notice in series_end_notice_schedule(series=series, now=now)
        ]
    result.created += _insert(rows)
    return result


def series_end_notice_schedule(*, series: SessionSeries, now: dt.datetime) -> list[PlannedNotice]:
    """Who is told that `series` has ended, on which channel, and when.

    The planner's rows and the facilitator's preview (notifications.preview) both come
    from here. Nobody is told when nothing ahead was cancelled: nobody expects another
    meeting of it.
    """
    first = (
        Session.objects.filter(series=series, status=Session.Status.CANCELLED, starts_at__gt=now)
        .order_by("starts_at", "id")
        .first()
    )
    if first is None:
        return []
    planned = []
    for enrollment in _members_when_series_changed(series).order_by("member__display_name", "id"):
        member = enrollment.member
        for channel in notice_channels(member):
            due = _due_for(channel=channel, due=now, member=member, starts_at=first.starts_at, kind=Kind.SERIES_ENDED)
            planned.append(PlannedNotice(enrollment=enrollment, channel=channel, wanted_at=now, due_at=due))
    return planned


# --- A whole series changed -------------------------------------------------------------------


def series_changed_invite_key(series: SessionSeries) -> str:
    return f"series_invite:r{series.pk}:q{series.sequence}"


def series_changed_sms_key(series: SessionSeries) -> str:
    return f"series_changed:r{series.pk}:q{series.sequence}"


def plan_series_changes(*, now: dt.datetime) -> PlanResult:
    """Tell members when a facilitator edits a whole series (`series_update`: new rule,
    time, duration, venue or time zone, which raises `SessionSeries.sequence`).

    Email: a new METHOD:REQUEST of the series (same UID, higher SEQUENCE) to each member
    whose last series invite showed an older SEQUENCE, so their calendar follows.
    SMS: one neutral text naming the next meeting. Only members who were active when
    the series changed are told (a later joiner's invite already shows the new
    schedule); a series that was never edited (SEQUENCE 0) or has ended (its own
    notice, plan_series_endings) sends nothing here. The keys name the SEQUENCE, so
    several edits before a run give one notice for the latest, and unsent notices about
    an older SEQUENCE are skipped as superseded.
    """
    result = PlanResult()
    changed = list(
        SessionSeries.objects.filter(
            active=True, sequence__gt=0, updated_at__gte=now - NEWS_WINDOW, updated_at__lte=now
        ).order_by("id")
    )
    rows = []
    for series in changed:
        older = OutboxMessage.objects.filter(series=series, kind=Kind.SERIES_CHANGED, sequence__lt=series.sequence)
        result.retired += _retire_rows(older, reason="superseded", now=now)
        next_session = _next_session(series, now=now)
        # A waiting text names the next meeting when it goes out: if that one was
        # cancelled or has started meanwhile, it names the one after.
        waiting = OutboxMessage.objects.filter(
            kind=Kind.SERIES_CHANGED,
            series=series,
            sequence=series.sequence,
            channel=Channel.SMS,
            status=Status.SCHEDULED,
        )
        if next_session is None:
            result.retired += _retire_rows(waiting, reason="no_next_session", now=now)
        else:
            result.moved += waiting.exclude(session_id=next_session.id).update(
                session_id=next_session.id, updated_at=now
            )
        planned = series_change_notice_schedule(series=series, now=now, next_session=next_session)
        for notice in planned:
            sms = notice.channel == Channel.SMS
            rows.append(
                notice.row(
                    group_id=series.group_id,
                    series_id=series.pk,
                    kind=Kind.SERIES_CHANGED,
                    sequence=series.sequence,
                    session_id=next_session.id if sms else None,
                    dedupe_key=series_changed_sms_key(series) if sms else series_changed_invite_key(series),
                )
            )
        invited = [notice.enrollment.member_id for notice in planned if notice.channel == Channel.EMAIL]
        if invited:
            # An unsent older invite (e.g. the join invite) would show the same schedule: one is enough.
            older_invites = OutboxMessage.objects.filter(
                kind__in=SERIES_INVITE_KINDS,
                channel=Channel.EMAIL,
                series=series,
                member_id__in=invited,
                sequence__lt=series.sequence,
            )
            result.retired += _retire_rows(older_invites, reason="superseded", now=now)
    result.created += _insert(rows)
    return result


# "Not read yet", as distinct from None ("there is no next session").
_UNREAD: Any = object()


def _next_session(series: SessionSeries, *, now: dt.datetime) -> Session | None:
    return (
        Session.objects.filter(series=series, status=Session.Status.SCHEDULED, starts_at__gt=now)
        .order_by("starts_at", "id")
        .first()
    )


def series_change_notice_schedule(
    *, series: SessionSeries, now: dt.datetime, next_session: Session | None = _UNREAD
) -> list[PlannedNotice]:
    """Who is told that a facilitator edited `series`, on which channel, and when.

    Email: a new invite of the series to each member whose calendar last got an older
    SEQUENCE. SMS: one text naming the next meeting, if there is one (the planner passes
    the one its rows will name; the preview lets it be read here). The planner's rows and
    the facilitator's preview (notifications.preview) both come from here.
    """
    enrollments = list(_members_when_series_changed(series).order_by("member__display_name", "id"))
    if not enrollments:
        return []
    # What each member's calendar was last sent (a superseded or failed invite was not received).
    last_invite = dict(
        OutboxMessage.objects.filter(
            kind__in=SERIES_INVITE_KINDS,
            channel=Channel.EMAIL,
            series=series,
            member_id__in=[e.member_id for e in enrollments],
        )
        .exclude(status__in=[Status.SKIPPED, Status.FAILED])
        .values("member_id")
        .annotate(last=Max("sequence"))
        .values_list("member_id", "last")
    )
    if next_session is _UNREAD:
        next_session = _next_session(series, now=now)
    planned = []
    for enrollment in enrollments:
        member = enrollment.member
        if email_notice_ok(member) and last_invite.get(member.id, -1) < series.sequence:
            planned.append(PlannedNotice(enrollment=enrollment, channel=Channel.EMAIL, wanted_at=now, due_at=now))
        if next_session is not None and sms_notice_ok(member):
            # Quiet hours as for a moved session: the morning, unless the next
            # meeting would start before then (a late text beats a wasted trip).
            due = _due_for(
                channel=Channel.SMS, due=now, member=member, starts_at=next_session.starts_at, kind=Kind.SERIES_CHANGED
            )
            planned.append(PlannedNotice(enrollment=enrollment, channel=Channel.SMS, wanted_at=now, due_at=due))
    return planned


# --- Enrollment events -----------------------------------------------------------------


def _notice_kind(event: EnrollmentEvent) -> str | None:
    if event.reason == "approve" or event.from_status == Enrollment.Status.REQUESTED:
        return Kind.JOIN_APPROVED
    if event.reason == "promote" or event.from_status == Enrollment.Status.WAITLISTED:
        return Kind.SEAT_OFFERED
    return None


def _active_series(group_ids: set[int]) -> tuple[dict[int, list[int]], dict[int, int]]:
    """Each group's active series, and each series' SEQUENCE (the one a join invite
    shows, so plan_series_changes knows the member has it)."""
    series_by_group: dict[int, list[int]] = defaultdict(list)
    series_sequence: dict[int, int] = {}
    for series_id, group_id, sequence in SessionSeries.objects.filter(group_id__in=group_ids, active=True).values_list(
        "id", "group_id", "sequence"
    ):
        series_by_group[group_id].append(series_id)
        series_sequence[series_id] = sequence
    return series_by_group, series_sequence


def _joined_rows(event: EnrollmentEvent, *, series_sequence: dict[int, int], now: dt.datetime) -> list[OutboxMessage]:
    """The news that a member is in (approved, or a seat offered) and their calendar invites."""
    enrollment = event.enrollment
    member = enrollment.member
    if enrollment.status != Enrollment.Status.ACTIVE:
        return []  # already left again: the news is moot
    rows = []
    kind = _notice_kind(event)
    if kind is not None:
        rows += _notice_rows(
            enrollments=[enrollment],
            kind=kind,
            now=now,
            starts_at=None,
            group_id=enrollment.group_id,
            dedupe_key=f"{kind}:ev{event.id}",
        )
    if email_notice_ok(member):
        for series_id, sequence in series_sequence.items():
            rows.append(
                _row(
                    channel=Channel.EMAIL,
                    kind=Kind.SERIES_INVITE,
                    series_id=series_id,
                    sequence=sequence,
                    dedupe_key=f"series_invite:ev{event.id}:r{series_id}",
                    due_at=now,
                    member_id=member.id,
                    group_id=enrollment.group_id,
                    enrollment_id=enrollment.id,
                )
            )
    return rows


def _left_rows(event: EnrollmentEvent, *, series_ids: list[int], now: dt.datetime) -> list[OutboxMessage]:
    """A leaver's calendar cancellations."""
    enrollment = event.enrollment
    member = enrollment.member
    if enrollment.status == Enrollment.Status.ACTIVE or not series_cancel_ok(member):
        return []  # rejoined since, or no address to send it to
    return [
        _row(
            channel=Channel.EMAIL,
            kind=Kind.SERIES_CANCEL,
            series_id=series_id,
            dedupe_key=f"series_cancel:ev{event.id}:r{series_id}",
            due_at=now,
            member_id=member.id,
            group_id=enrollment.group_id,
            enrollment_id=enrollment.id,
        )
        for series_id in series_ids
    ]


def plan_enrollment_notices(*, now: dt.datetime) -> PlanResult:
    events = list(
        EnrollmentEvent.objects.filter(created_at__gte=now - NEWS_WINDOW, created_at__lte=now)
        .select_related("enrollment", "enrollment__member")
        .order_by("id")
    )
    if not events:
        return PlanResult()
    series_by_group, series_sequence = _active_series({event.enrollment.group_id for event in events})
    rows = []
    for event in events:
        series_ids = series_by_group.get(event.enrollment.group_id, [])
        if event.to_status == Enrollment.Status.ACTIVE:
            sequences = {series_id: series_sequence[series_id] for series_id in series_ids}
            rows += _joined_rows(event, series_sequence=sequences, now=now)
        elif event.from_status == Enrollment.Status.ACTIVE and event.to_status in (
            Enrollment.Status.LEFT,
            Enrollment.Status.REMOVED,
        ):
            rows += _left_rows(event, series_ids=series_ids, now=now)
    return PlanResult(created=_insert(rows))


# --- Contact confirmations -------------------------------------------------------------------


def plan_contact_proofs(*, now: dt.datetime) -> PlanResult:
    """One message per open ContactProof: a "reply YES" text or an emailed link. Sent
    at once, even in quiet hours: the person has just asked for it and is waiting."""
    latest_group = (
        Enrollment.objects.filter(member_id=OuterRef("member_id")).order_by("-created_at", "-id").values("group_id")
    )
    proofs = list(
        ContactProof.objects.filter(proof_sendable_q(now), requested_at__gte=now - NEWS_WINDOW, requested_at__lte=now)
        .select_related("member", "join_request")
        .annotate(latest_group_id=Subquery(latest_group[:1]))
        .order_by("id")
    )
    if not proofs:
        return PlanResult()
    handled = set(
        OutboxMessage.objects.filter(kind__in=PROOF_KINDS, contact_proof__in=proofs).values_list(
            "contact_proof_id", flat=True
        )
    )
    rows = []
    for proof in proofs:
        if proof.pk in handled:
            continue
        sms = proof.channel == ContactProof.Channel.SMS
        rows.append(
            _row(
                member_id=proof.member_id,
                channel=Channel.SMS if sms else Channel.EMAIL,
                kind=Kind.SMS_CONFIRM if sms else Kind.EMAIL_CONFIRM,
                group_id=proof.join_request.group_id if proof.join_request_id else proof.latest_group_id,
                contact_proof_id=proof.pk,
                dedupe_key=f"proof:p{proof.pk}",
                due_at=now,
            )
        )
    return PlanResult(created=_insert(rows))


# --- Retiring rows nobody wants any more ------------------------------------------------------


def retire_unwanted(*, now: dt.datetime) -> int:
    """Retire the waiting rows that must not go out any more, rule by rule (notifications.send_rules)."""
    count = 0
    for rule in SEND_RULES:
        rows = OutboxMessage.objects.filter(rule.q(now))
        count += _retire_rows(rows, reason=rule.reason, now=now, status=rule.status)
    return count


def plan_notifications(*, now: dt.datetime | None = None) -> PlanResult:
    """Derive the outbox from state. Idempotent; safe to run concurrently."""
    now = now or dj_timezone.now()
    total = PlanResult()
    for step in (
        plan_session_changes,
        plan_series_endings,
        plan_enrollment_notices,
        # After enrollment notices: a join invite planned in the same run already
        # shows the new schedule.
        plan_series_changes,
        plan_contact_proofs,
        plan_reminders,
    ):
        part = step(now=now)
        total.created += part.created
        total.moved += part.moved
        total.retired += part.retired
    total.retired += retire_unwanted(now=now)
    return total
