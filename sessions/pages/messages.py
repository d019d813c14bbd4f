"""The services' messages (English constants the API returns) in the page's language.

The API keeps the services' English. A page shows a service's message in its own language:
in its own plainer words when SERVICE_MESSAGES has them, else through the catalog, where the
constants marked with gettext_noop at the service are translated. A message the service
filled in with values ("... only to numbers in CA, US.") is matched to the constant it was
made from (FILLED_IN), and the translation is filled in with the same values.
"""

from __future__ import annotations

import re
import string

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from sessions import validators
from sessions.services import (
    attendance,
    enrollment,
    groups,
    joining,
    members,
    organizations,
    schedule,
    schedule_patterns,
)

SERVICE_MESSAGES = {
    validators.INVALID_PHONE: _("Enter a phone number we can text, like (217) 555-0134."),
    joining.JOIN_CAP_NUMBER: _(
        "This number has been sent several confirmation texts today. "
        "Please try again tomorrow, or join with an email address."
    ),
    joining.JOIN_CAP_CLIENT: _("Too many sign-ups from this connection today. Please try again tomorrow."),
    joining.JOIN_CAP_GLOBAL: _(
        "We cannot send more confirmation texts today. Please try again tomorrow, or join with an email address."
    ),
    joining.JOIN_CAP_CONTACT: _(
        "This phone number or email address has been sent several confirmation messages today. "
        "Please try again tomorrow."
    ),
    attendance.RSVP_PAST: _("You can no longer answer: the meeting has started."),
    attendance.RSVP_NOT_ACTIVE: _("Only people with a place in the group can say if they are coming."),
    attendance.RSVP_CANCELLED: _("This meeting was cancelled."),
    members.CONTACT_FOR_ROSTER: _("Give a phone number or an email address."),
    members.CONTACT_REQUIRED: _(
        "Keep a phone number or an email address so we can reach you, or erase your data instead."
    ),
    members.PHONE_IN_USE: _("This phone number is already on another member's record."),
    members.EMAIL_IN_USE: _("This email address is already on another member's record."),
    members.SMS_NEEDS_PHONE: _("To get texts, give a mobile phone number."),
    members.EMAIL_NEEDS_ADDRESS: _("To get emails, give an email address."),
}


# The marked constants that carry values, as the services format them.
FILLED_IN = (
    validators.INVALID_TIMEZONE,
    validators.PHONE_COUNTRY_NOT_ALLOWED,
    attendance.ATTENDANCE_UNKNOWN_ENROLLMENT,
    attendance.ATTENDANCE_DUPLICATE_ENROLLMENT,
    enrollment.CANNOT_APPROVE,
    enrollment.CANNOT_DECLINE,
    enrollment.CANNOT_REMOVE,
    enrollment.CANNOT_WAITLIST,
    enrollment.CANNOT_MOVE,
    enrollment.BAD_POSITION,
    groups.NOT_A_FACILITATOR,
    organizations.USER_NOT_FOUND,
    organizations.NOT_AN_ADMIN,
    schedule.RRULE_TOO_MANY,
    schedule_patterns.DATE_INVALID,
    schedule_patterns.TOO_MANY_DATES,
)
_CONVERSION = re.compile(r"\{(\w+)![rsa]\}")


def _filled_in_pattern(template: str) -> re.Pattern:
    parts, seen = [], set()
    for literal, name, _spec, _conversion in string.Formatter().parse(template):
        parts.append(re.escape(literal))
        if name is not None:
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
    return re.compile("".join(parts))


_FILLED_IN_PATTERNS = [(_filled_in_pattern(template), template) for template in FILLED_IN]


def translated(message: str) -> str:
    if message in SERVICE_MESSAGES:
        return str(SERVICE_MESSAGES[message])
    for pattern, template in _FILLED_IN_PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            # The values are already as the service wrote them ('Mars/Olympus' with its quotes).
            return _CONVERSION.sub(r"{\1}", gettext(template)).format(**match.groupdict())
    return gettext(message) if message else message
