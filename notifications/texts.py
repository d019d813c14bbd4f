"""What Lantern says, by SMS and by email.

SMS texts are read on lock screens, so they name the group only by its
`sms_label` and never its topic; they are GSM-7 only and at most two segments
(tests render every template with long, realistic names). Times are given in
the member's own time zone with its abbreviation.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from notifications import gsm
from sessions.links import self_service_url
from sessions.models import Member, Session, SupportGroup, Venue

STOP_FOOTER = N_(" Reply STOP to opt out.")
LABEL_MAX = 40  # SupportGroup.sms_label's max_length
ORG_NAME_MAX = 40

# --- SMS templates -------------------------------------------------------------
# Named placeholders only; every one is rendered by tests with long values.
SMS_REMINDER = N_("Reminder: {label}, {when}.{join} Reply 1 if you can come, 2 if not.")
SMS_SESSION_CANCELLED = N_("{label} on {when} is cancelled. We hope to see you next time.")
SMS_SESSION_MOVED = N_("{label} has moved: it now meets {when}.")
SMS_SESSION_NEW_PLACE = N_("{label} on {when} meets at a new place: {place}.")
SMS_SESSION_RESTORED = N_("{label} on {when} is back on as planned.")
# A facilitator changed the whole series (day, time, place or time zone): one text,
# with the next meeting as the member's clock will show it.
SMS_SERIES_CHANGED = N_("{label}: the meeting schedule has changed. Next meeting: {when}.")
# One notice when a whole series ends, instead of one per cancelled session.
SMS_SERIES_ENDED = N_("{label} meetings have ended: no more sessions are scheduled. Thank you for being part of it.")
SMS_SERIES_ENDED_OTHERS_CONTINUE = N_(
    "{label}: the regular meetings from {when} on are cancelled. The group's other meetings continue."
)
SMS_SEAT_OFFERED = N_("Good news: a place opened up for you in {label}.{next} Your page: {link}")
SMS_JOIN_APPROVED = N_("You're in: {label} accepted your request.{next} Your page: {link}")
SMS_CONFIRM = N_(
    "Lantern: reply YES to get text reminders for {label}. Reply STOP to opt out, HELP for help. "
    "Msg&data rates may apply."
)
# The confirmation of a join request: the only text an unproven number gets. The
# label only (never the name or topic); the YES that answers it proves the number.
SMS_CONFIRM_JOIN = N_(
    "Lantern: reply YES to join {label} and get its texts. If you did not ask, ignore this. "
    "Reply STOP to opt out, HELP for help."
)
SMS_BROADCAST = "{label}: {text}"
SMS_NEXT = N_(" Next: {when}.")
SMS_JOIN = N_(" Join: {url}")

# Replies to inbound texts (TwiML).
REPLY_OPTED_IN = N_("Lantern: text reminders are on. Reply STOP to opt out, HELP for help.")
REPLY_CONFIRMED = N_("Thanks! Text reminders for {label} are on. Reply STOP to opt out, HELP for help.")
# The YES proved the number: the member's page goes to it, and only to it.
REPLY_JOIN_CONFIRMED = N_("Thanks! You're confirmed for {label}. Your page: {link}")
REPLY_CONFIRMED_PAGE = N_("Thanks! Text reminders for {label} are on. Your page: {link}")
REPLY_HELP = N_("Lantern reminders for {label}. Questions: {org} {contact}.{crisis} Reply STOP to opt out.")
REPLY_HELP_UNKNOWN = N_("Lantern sends reminders for peer groups.{crisis} Reply STOP to opt out.")
# The member asked for help; the Lifeline's own name is the one people know.
REPLY_HELP_CRISIS_US = N_(" In crisis? Call or text 988 (Suicide & Crisis Lifeline).")
REPLY_RSVP_YES = N_("Thanks, see you at {label}, {when}.")
REPLY_RSVP_NO = N_("Thanks for letting us know. {label}, {when}: marked as not coming.")
REPLY_RSVP_NONE = N_("We could not find an upcoming session for you. Reply HELP for help.")
REPLY_FORWARDED = N_("Thanks, your message was passed to your facilitator. Reply HELP for help.")

# Replies to inbound texts. With the outbox's own templates (each renderer names the
# ones it uses) they make notifications.rendering.SMS_TEMPLATES, which tests hold to
# GSM-7, two segments and a Spanish translation.
SMS_REPLY_TEMPLATES = {
    "reply_opted_in": REPLY_OPTED_IN,
    "reply_confirmed": REPLY_CONFIRMED,
    "reply_join_confirmed": REPLY_JOIN_CONFIRMED,
    "reply_confirmed_page": REPLY_CONFIRMED_PAGE,
    "reply_help_unknown": REPLY_HELP_UNKNOWN,
    "reply_rsvp_yes": REPLY_RSVP_YES,
    "reply_rsvp_no": REPLY_RSVP_NO,
    "reply_rsvp_none": REPLY_RSVP_NONE,
    "reply_forwarded": REPLY_FORWARDED,
}

# Longest broadcast text that still fits two segments after "label: " and the STOP footer.
# (Every translation of the footer is at most as long as the English one.)
BROADCAST_MAX_SEPTETS = gsm.max_septets() - LABEL_MAX - len(": ") - len(STOP_FOOTER)

# Texts and emails go out in the member's language; anything else falls back to English.
MESSAGE_LANGUAGES = ("en", "es")
# Spanish dates by table rather than by locale: short, the same on every machine,
# and SMS normalisation turns "mié"/"sáb" into GSM-7 "mie"/"sab".
_ES_DAYS = ("lun", "mar", "mié", "jue", "vie", "sáb", "dom")
_ES_MONTHS = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")


def language_of(member: Member | None) -> str:
    """The language a member's texts and emails are written in ("es-MX" → "es")."""
    return language_of_code(member.language if member is not None else "")


def language_of_code(language: str | None) -> str:
    """A stored language code as one Lantern writes messages in ("es-MX" → "es", unknown → "en")."""
    code = (language or "").lower().replace("_", "-").split("-")[0]
    return code if code in MESSAGE_LANGUAGES else "en"


def _spanish() -> bool:
    return (translation.get_language() or "en").lower().startswith("es")


def local_when(moment: dt.datetime, tz_name: str) -> str:
    """'Tue Jan 6, 7:00 PM CST' (in Spanish 'mar 6 ene, 19:00 CST') in the reader's
    zone, abbreviation from tzdata; the language is the active translation's."""
    local = moment.astimezone(zoneinfo.ZoneInfo(tz_name or "UTC"))
    if _spanish():
        return f"{_ES_DAYS[local.weekday()]} {local.day} {_ES_MONTHS[local.month - 1]}, {local:%H:%M} {local.tzname()}"
    hour = local.strftime("%I").lstrip("0") or "12"
    return f"{local:%a %b} {local.day}, {hour}:{local:%M %p} {local.tzname()}"


def utc_when(moment: dt.datetime) -> str:
    """'Tue Jan 6, 19:00 UTC' (Spanish 'mar 6 ene, 19:00 UTC')."""
    local = moment.astimezone(dt.UTC)
    if _spanish():
        return f"{_ES_DAYS[local.weekday()]} {local.day} {_ES_MONTHS[local.month - 1]}, {local:%H:%M} UTC"
    return f"{local:%a %b} {local.day}, {local:%H:%M} UTC"


def label_of(group: SupportGroup) -> str:
    return gsm.truncate(gsm.normalize(group.sms_label.strip() or _("Your group")), LABEL_MAX)


def member_calendar_url(member: Member) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/me/{member.token}/calendar.ics"


def sms(text: str, *, first_to_number: bool = False) -> str:
    """The final SMS body: GSM-7, with the opt-out line on the first text to a number."""
    body = gsm.normalize(text)
    if first_to_number and "STOP" not in body:
        body += gsm.normalize(_(STOP_FOOTER))
    return body


def venue_place(venue: Venue | None) -> str:
    # Street and city, not the venue's name: "Prairie Hospice" would say too much on a lock screen.
    if venue is None:
        return _("see your email")
    return ", ".join(part for part in (venue.address, venue.city) if part) or _("see your email")


def _join_url(group: SupportGroup) -> str:
    if group.format != SupportGroup.Format.IN_PERSON and group.conference_url and len(group.conference_url) <= 100:
        return _(SMS_JOIN).format(url=group.conference_url)
    return ""


def sms_reminder(*, session: Session, member: Member) -> str:
    group = session.group
    return _(SMS_REMINDER).format(
        label=label_of(group), when=local_when(session.starts_at, member.timezone), join=_join_url(group)
    )


def sms_session_cancelled(*, session: Session, member: Member) -> str:
    return _(SMS_SESSION_CANCELLED).format(
        label=label_of(session.group), when=local_when(session.starts_at, member.timezone)
    )


def sms_session_changed(*, session: Session, member: Member, change: str) -> str:
    template = {
        "moved": SMS_SESSION_MOVED,
        "new_place": SMS_SESSION_NEW_PLACE,
        "restored": SMS_SESSION_RESTORED,
        "series_changed": SMS_SERIES_CHANGED,
    }[change]
    return _(template).format(
        label=label_of(session.group),
        when=local_when(session.starts_at, member.timezone),
        place=gsm.truncate(gsm.normalize(venue_place(session.effective_venue)), 80),
    )


def sms_series_ended(
    *, group: SupportGroup, member: Member, first_cancelled: Session | None, others_continue: bool
) -> str:
    if others_continue and first_cancelled is not None:
        return _(SMS_SERIES_ENDED_OTHERS_CONTINUE).format(
            label=label_of(group), when=local_when(first_cancelled.starts_at, member.timezone)
        )
    return _(SMS_SERIES_ENDED).format(label=label_of(group))


def _next(next_session: Session | None, member: Member) -> str:
    if next_session is None:
        return ""
    return _(SMS_NEXT).format(when=local_when(next_session.starts_at, member.timezone))


def sms_seat_offered(*, group: SupportGroup, member: Member, next_session: Session | None) -> str:
    return _(SMS_SEAT_OFFERED).format(
        label=label_of(group), next=_next(next_session, member), link=self_service_url(member)
    )


def sms_join_approved(*, group: SupportGroup, member: Member, next_session: Session | None) -> str:
    return _(SMS_JOIN_APPROVED).format(
        label=label_of(group), next=_next(next_session, member), link=self_service_url(member)
    )


def sms_confirm(*, group: SupportGroup | None, join: bool = False) -> str:
    template = SMS_CONFIRM_JOIN if join else SMS_CONFIRM
    return _(template).format(label=label_of(group) if group else _("your group"))


def email_confirmation_url(*, secret: str) -> str:
    # A page with one Confirm button (opening the link changes nothing).
    return f"{settings.PUBLIC_BASE_URL}/email-confirmations/{secret}/"


def sms_broadcast(*, group: SupportGroup, text: str) -> str:
    return SMS_BROADCAST.format(label=label_of(group), text=gsm.normalize(text).strip())


# The follow-up list's ready check-in: warm, no pressure, nothing about why they come.
CHECK_IN = N_(
    "Hi {name}, we've missed you the last couple of times. No pressure at all - "
    "we'd be glad to see you whenever you're ready. Reply here if you'd like to talk."
)
CHECK_IN_NO_NAME = N_(
    "Hi there, we've missed you the last couple of times. No pressure at all - "
    "we'd be glad to see you whenever you're ready. Reply here if you'd like to talk."
)


def check_in_text(*, display_name: str, language: str = "") -> str:
    """The check-in as the member will read it: in their language, GSM-7."""
    name = (display_name or "").strip()
    with translation.override(language_of_code(language)):
        return gsm.normalize(_(CHECK_IN).format(name=name) if name else _(CHECK_IN_NO_NAME))


def reply_help(*, group: SupportGroup | None, us_number: bool) -> str:
    crisis = _(REPLY_HELP_CRISIS_US) if us_number else ""
    if group is None:
        return gsm.normalize(_(REPLY_HELP_UNKNOWN).format(crisis=crisis))
    org = group.organization
    contact = org.contact_phone or org.contact_email or org.website or ""
    return gsm.normalize(
        _(REPLY_HELP).format(
            label=label_of(group),
            org=gsm.truncate(gsm.normalize(org.name), ORG_NAME_MAX),
            contact=contact,
            crisis=crisis,
        )
    ).replace(" .", ".")


# --- Email -------------------------------------------------------------------------


@dataclass
class EmailContent:
    subject: str
    body: str


def _email_footer(member: Member) -> str:
    return "\n\n--\n" + _("Manage your reminders or leave the group: {link}\nYour calendar: {calendar}\n").format(
        link=self_service_url(member), calendar=member_calendar_url(member)
    )


def _hello(member: Member) -> str:
    return _("Hello {name},").format(name=member.display_name) + "\n\n"


def _from_facilitator(session: Session) -> str:
    if not session.note:
        return ""
    return "\n\n" + _("From your facilitator: {note}").format(note=session.note)


def _email_where(session: Session) -> str:
    group = session.group
    lines = []
    venue = session.effective_venue
    if venue is not None and group.format != SupportGroup.Format.ONLINE:
        place = ", ".join(p for p in (venue.name, venue.address, venue.city, venue.region) if p)
        lines.append(_("Where: {place}").format(place=place))
    if group.format != SupportGroup.Format.IN_PERSON and group.conference_url:
        lines.append(_("Join online: {url}").format(url=group.conference_url))
    return "\n".join(lines)


def email_reminder(*, session: Session, member: Member) -> EmailContent:
    group = session.group
    when = local_when(session.starts_at, member.timezone)
    body = _hello(member) + _("A reminder: {name} meets {when}.").format(name=group.name, when=when)
    body += "\n" + _email_where(session)
    subject = _("Reminder: {label}, {when}").format(label=group.sms_label, when=when)
    return EmailContent(subject=subject, body=body + _email_footer(member))


def email_session_cancelled(*, session: Session, member: Member) -> EmailContent:
    group = session.group
    when = local_when(session.starts_at, member.timezone)
    body = _hello(member) + _("{name} on {when} is cancelled.").format(name=group.name, when=when)
    body += _from_facilitator(session)
    subject = _("Cancelled: {label}, {when}").format(label=group.sms_label, when=when)
    return EmailContent(subject=subject, body=body + _email_footer(member))


EMAIL_CHANGE_HEADLINES = {
    "moved": N_("{name} has moved: it now meets {when}."),
    "new_place": N_("{name} on {when} meets at a new place."),
    "restored": N_("{name} on {when} is back on as planned."),
    "series_changed": N_("{name}'s meeting schedule has changed. The next meeting is {when}."),
}


def email_session_changed(*, session: Session, member: Member, change: str) -> EmailContent:
    group = session.group
    when = local_when(session.starts_at, member.timezone)
    headline = _(EMAIL_CHANGE_HEADLINES[change]).format(name=group.name, when=when)
    body = _hello(member) + headline + "\n" + _email_where(session) + _from_facilitator(session)
    subject = _("Changed: {label}, {when}").format(label=group.sms_label, when=when)
    return EmailContent(subject=subject, body=body + _email_footer(member))


def email_series_ended(
    *, group: SupportGroup, member: Member, first_cancelled: Session | None, others_continue: bool
) -> EmailContent:
    if others_continue and first_cancelled is not None:
        when = local_when(first_cancelled.starts_at, member.timezone)
        headline = _(
            "The regular meetings of {name} from {when} on are cancelled. "
            "The group's other meetings continue as planned."
        ).format(name=group.name, when=when)
    else:
        headline = _(
            "{name}'s meetings have ended: no more sessions are scheduled. Thank you for being part of it."
        ).format(name=group.name)
    body = _hello(member) + headline + "\n" + _("The attached update removes these meetings from your calendar.")
    subject = _("Ended: {label}").format(label=group.sms_label)
    return EmailContent(subject=subject, body=body + _email_footer(member))


EMAIL_ENROLLMENT_HEADLINES = {
    "seat_offered": N_("Good news: a place opened up for you in {name}."),
    "join_approved": N_("Your request to join {name} was approved."),
}


def email_enrollment_notice(
    *, group: SupportGroup, member: Member, next_session: Session | None, kind: str
) -> EmailContent:
    body = _hello(member) + _(EMAIL_ENROLLMENT_HEADLINES[kind]).format(name=group.name)
    if next_session is not None:
        when = local_when(next_session.starts_at, member.timezone)
        body += "\n" + _("The next session is {when}.").format(when=when)
        body += "\n" + _email_where(next_session)
    subject = _("You're in: {label}").format(label=group.sms_label)
    return EmailContent(subject=subject, body=body + _email_footer(member))


def email_series_invite(*, group: SupportGroup, member: Member, cancel: bool) -> EmailContent:
    if cancel:
        body = _hello(member) + _("This removes {name} from your calendar.").format(name=group.name)
        subject = _("Calendar: {label} removed").format(label=group.sms_label)
        return EmailContent(subject=subject, body=body + _email_footer(member))
    # Also sent when a facilitator changes the series: the same UID with a higher
    # SEQUENCE replaces the old schedule in the member's calendar.
    body = _hello(member) + _(
        "The attached invite adds {name}'s sessions to your calendar, "
        "or updates them there if the meeting schedule has changed."
    ).format(name=group.name)
    subject = _("Calendar: {label}").format(label=group.sms_label)
    return EmailContent(subject=subject, body=body + _email_footer(member))


def email_broadcast(*, group: SupportGroup, member: Member, text: str) -> EmailContent:
    body = _hello(member) + _("A message from the facilitators of {name}:").format(name=group.name) + f"\n\n{text}"
    subject = _("Message: {label}").format(label=group.sms_label)
    return EmailContent(subject=subject, body=body + _email_footer(member))


EMAIL_CONFIRM_SUBJECT = N_("Please confirm your email address")


def email_contact_confirmation(*, group: SupportGroup | None, secret: str, expires_at: dt.datetime) -> EmailContent:
    """The only email an unproven address gets. The subject is neutral (it shows in
    notification previews); the body names the group by its lock-screen label only,
    greets nobody by name (the name was typed by whoever filled the form) and carries
    no self-service link or calendar."""
    if group is not None and group.sms_label.strip():
        label = group.sms_label.strip()
    else:
        label = _("a group on Lantern")
    body = _(
        "Hello,\n\nSomeone asked Lantern to use this email address for {label}. "
        "If it was you, open this link and press Confirm:\n"
        "{link}\n"
        "The link works until {until}.\n\n"
        "If it was not you, ignore this message: nothing happens unless you confirm.\n"
    ).format(label=label, link=email_confirmation_url(secret=secret), until=utc_when(expires_at))
    return EmailContent(subject=_(EMAIL_CONFIRM_SUBJECT), body=body)
