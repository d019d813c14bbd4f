"""Who sees a member's text: the facilitators' inbox, as a read (selector).

A text that is not a keyword is for "your facilitator", but a member may be in
several groups and a text rarely says which one it is about. Lantern shows it in
the inbox of every group the member was active in when it arrived, and always in
the group it was filed under on receipt (the group Lantern last texted them
about, `inbound_sms.conversation_group`), so nothing is lost between facilitators.

It is never shown to a group the member did not belong to at that moment: a
group they joined later (`Enrollment.activated_at` after the text) does not
get their old texts, and a group they have left since no longer sees texts it
was not the filed group for. Derived at read time from enrollments, so no
model change and nothing to keep in step when someone joins or leaves.

Beyond the filed group it goes only to groups of the same organization. A person
in groups of two organizations (a hospice and a church, say) is two member
records, one per organization, and a text is filed under the record of the
organization Lantern last texted the number for (`inbound_sms._member_for`), so the
other organization's facilitators never read it, nor learn where else they go.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone as dj_timezone

from notifications.models import InboundMessage
from sessions.models import Enrollment, SupportGroup
from sessions.services.audit import audit_record


def group_inbox(*, group: SupportGroup) -> QuerySet[InboundMessage]:
    """Texts for this group's facilitators, newest first."""
    active_here = Enrollment.objects.filter(group=group, status=Enrollment.Status.ACTIVE)
    active_when_received = active_here.filter(
        member_id=OuterRef("member_id"), activated_at__lte=OuterRef("received_at")
    )
    for_this_group = Q(group=group) | (
        (Q(group__isnull=True) | Q(group__organization_id=group.organization_id))
        & Q(member_id__in=active_here.values("member_id"))
        & Q(Exists(active_when_received))
    )
    return (
        InboundMessage.objects.filter(kind=InboundMessage.Kind.MESSAGE, member__erased_at__isnull=True)
        .filter(for_this_group)
        .select_related("member", "handled_by")
        .order_by("-received_at", "-id")
    )


def inbound_mark_handled(
    *, message: InboundMessage, group: SupportGroup, actor, handled: bool = True, now: dt.datetime | None = None
) -> InboundMessage:
    """Mark a text from this group's inbox dealt with (or not). The caller found it
    through group_inbox(group), so it is one this group's facilitators may see."""
    message.handled_at = (now or dj_timezone.now()) if handled else None
    message.handled_by = actor if handled and getattr(actor, "is_authenticated", False) else None
    message.save(update_fields=["handled_at", "handled_by"])
    audit_record(
        action="inbox.handled" if handled else "inbox.unhandled",
        actor=actor,
        group=group,
        target=message,
    )
    return message
