"""The services' messages (English constants the API returns) in the page's language.

The API keeps the services' English. A page shows a service's message in its own language:
in its own plainer words when SERVICE_MESSAGES has them, else through the catalog, where the
constants marked with gettext_noop at the service are translated. A message with values
("... only to numbers in %(countries)s.") is raised as ValidationError(message, params=...),
the way Django's own validators do, so the page translates the message and then puts the
values in; the API's English is the same message filled in with the same values.
"""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext
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


def translated(message: str | Promise, params: dict | None = None) -> str:
    """One message in the page's language, with its values put in after the lookup."""
    if not isinstance(message, str):
        # Django's own messages (a value too long, not a choice) are lazy translations already;
        # a plural one picks its form from the params, so they go in before it is made a string.
        return str(message % params if params else message)
    if message in SERVICE_MESSAGES:
        return str(SERVICE_MESSAGES[message])
    if not message:
        return message
    text = gettext(message)
    return text % params if params else text


def page_messages(exc: ValidationError) -> list[str]:
    """Every message of a service's ValidationError, whatever field it names, in the page's language."""
    return [message for messages in page_message_dict(exc).values() for message in messages]


def page_message_dict(exc: ValidationError) -> dict[str, list[str]]:
    """A service's ValidationError as {field: messages} in the page's language; one that
    names no field is under NON_FIELD_ERRORS, as a model's clean() would put it."""
    error_dict = exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    return {
        field: [translated(error.message, error.params) for error in errors] for field, errors in error_dict.items()
    }
