"""The services' messages (English constants the API returns) in the page's language.

A message not listed here is shown as the service wrote it; a test checks the ones the pages
can show are all here.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from sessions import validators
from sessions.services import attendance, joining, members

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


def translated(message: str) -> str:
    return str(SERVICE_MESSAGES.get(message, message))
