"""One transport per channel: ConsoleSms (demo), TwilioSms, Email.

A transport sends one rendered message and returns the provider's id, or
raises TransportError. `permanent` says whether trying again could help;
`ambiguous` says the provider may have accepted the message even though we
saw an error (a timeout after the request went out), so the caller must look
before sending again.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import uuid
from dataclasses import dataclass, field
from email.mime.base import MIMEBase

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import SafeMIMEText
from twilio.base.exceptions import TwilioException, TwilioRestException

from notifications.twilio_client import twilio_client

logger = logging.getLogger(__name__)


# Provider errors quote the recipient ("The 'To' number +1… is not a valid phone
# number", an SMTP refusal names the address). These messages go to the logs,
# which are kept and shipped elsewhere: a number or address never goes with them.
_PHONE_IN_TEXT = re.compile(r"\+?\(?\d[\d ().-]{6,}\d")
_EMAIL_IN_TEXT = re.compile(r"[^\s<>'\"()\[\],;:]+@[^\s<>'\"()\[\],;:]+")
REDACTED_PHONE = "[phone]"
REDACTED_EMAIL = "[email]"


_NOT_A_PHONE = re.compile(r"\d{1,3}(\.\d{1,3}){3}|.*\d{4}-\d{2}-\d{2}")  # an IP address, a date


def _phone_or_not(match: re.Match) -> str:
    text = match.group(0)
    # Seven digits or fewer (error codes, ports), IP addresses and dates are not numbers to hide.
    if sum(c.isdigit() for c in text) < 8 or _NOT_A_PHONE.match(text):
        return text
    return REDACTED_PHONE


def redact_contacts(text: str) -> str:
    """`text` with phone numbers and email addresses replaced by placeholders."""
    return _PHONE_IN_TEXT.sub(_phone_or_not, _EMAIL_IN_TEXT.sub(REDACTED_EMAIL, text or ""))


class TransportError(Exception):
    def __init__(self, message: str, *, permanent: bool, code: str = "", ambiguous: bool = False):
        message = redact_contacts(message)
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.code = code
        self.ambiguous = ambiguous


@dataclass
class OutgoingMessage:
    to: str
    body: str
    subject: str = ""
    # (bytes, METHOD) of a text/calendar part, for email.
    calendar: bytes | None = None
    status_callback: str = ""
    validity_period: int | None = None
    attachments: list = field(default_factory=list)


class Transport:
    name = "base"
    # Whether a message whose outcome is unknown can be looked up at the provider.
    can_reconcile = False

    def send(self, message: OutgoingMessage) -> str:
        raise NotImplementedError

    def find_sent(self, *, to: str, body: str, since: dt.datetime, exclude: set[str]) -> str | None:
        raise NotImplementedError


def mask_recipient(to: str) -> str:
    """A recipient shortened for a terminal: "+1217•••••42", "m•••@lantern.example"."""
    to = (to or "").strip()
    if "@" in to:
        local, _, domain = to.rpartition("@")
        return f"{local[:1]}•••@{domain}"
    digits = to.lstrip("+")
    if len(digits) <= 6:
        return "•" * len(to)
    return f"{'+' if to.startswith('+') else ''}{digits[:4]}{'•' * (len(digits) - 6)}{digits[-2:]}"


CONSOLE_WORDS = 9


def console_line(channel: str, to: str, text: str) -> str:
    """One terminal line per message: channel, masked recipient, first words.

    The demo's terminal is for seeing that messages go out; the full bodies are in
    the outbox (and the admin), so a screen never fills with one email's MIME parts.
    """
    words = " ".join((text or "").split()).split(" ")
    preview = " ".join(words[:CONSOLE_WORDS]) + (" …" if len(words) > CONSOLE_WORDS else "")
    return f"[{channel}] {mask_recipient(to)}: {preview}"


class ConsoleSms(Transport):
    """Prints one line per text (the demo) and keeps the messages in memory (tests)."""

    name = "console"
    sent: list[OutgoingMessage] = []
    _lock = threading.Lock()

    def send(self, message: OutgoingMessage) -> str:
        print(console_line("sms", message.to, message.body), flush=True)
        with self._lock:
            ConsoleSms.sent.append(message)
        return f"console-{uuid.uuid4().hex}"


# Twilio's HTTP status codes and error codes that are worth another try.
RETRYABLE_HTTP = {429, 500, 502, 503, 504}


class TwilioSms(Transport):
    name = "twilio"
    can_reconcile = True

    def send(self, message: OutgoingMessage) -> str:
        params = {"to": message.to, "body": message.body}
        if settings.TWILIO_MESSAGING_SERVICE_SID:
            params["messaging_service_sid"] = settings.TWILIO_MESSAGING_SERVICE_SID
        else:
            params["from_"] = settings.TWILIO_FROM_NUMBER
        if message.status_callback:
            params["status_callback"] = message.status_callback
        if message.validity_period:
            params["validity_period"] = message.validity_period
        try:
            created = twilio_client().messages.create(**params)
        except TwilioRestException as exc:
            code = str(exc.code or exc.status)
            retryable = exc.status in RETRYABLE_HTTP
            raise TransportError(exc.msg or str(exc), permanent=not retryable, code=code) from exc
        except requests.Timeout as exc:
            # The request may have reached Twilio: look before sending again.
            raise TransportError(
                "Twilio did not answer in time", permanent=False, code="timeout", ambiguous=True
            ) from exc
        except requests.ConnectionError as exc:
            raise TransportError(
                f"Could not reach Twilio: {exc}", permanent=False, code="connection", ambiguous=True
            ) from exc
        except (TwilioException, requests.RequestException) as exc:
            raise TransportError(str(exc), permanent=False, code="twilio", ambiguous=True) from exc
        return created.sid

    def find_sent(self, *, to: str, body: str, since: dt.datetime, exclude: set[str]) -> str | None:
        """The sid of a message to `to` with exactly `body`, created since `since`.

        Twilio's list filter is by day (DateSent>=), so the time and body are
        matched here; the oldest match not already owned by another row wins.
        """
        try:
            messages = twilio_client().messages.list(
                to=to, date_sent_after=since - dt.timedelta(days=1), page_size=100, limit=1000
            )
        except (TwilioException, requests.RequestException) as exc:
            raise TransportError(f"Could not list Twilio messages: {exc}", permanent=False, code="list") from exc
        matches = []
        for item in messages:
            created = item.date_created or item.date_sent
            if item.body != body or item.sid in exclude:
                continue
            if created is not None and created < since - dt.timedelta(minutes=1):
                continue
            matches.append((created or since, item.sid))
        return min(matches)[1] if matches else None


class _CalendarEmail(EmailMultiAlternatives):
    """Writes text/calendar alternatives with the iTIP `method` parameter that
    mail clients require to treat the part as an invite (RFC 6047 §2.4)."""

    def _create_mime_attachment(self, content, mimetype):
        if mimetype.startswith("text/calendar"):
            part = SafeMIMEText(content, "calendar", self.encoding or settings.DEFAULT_CHARSET)
            for param in mimetype.split(";")[1:]:
                key, _, value = param.strip().partition("=")
                if key and key.lower() != "charset":
                    part.set_param(key, value)
            return part
        return super()._create_mime_attachment(content, mimetype)


def calendar_method(ics: bytes) -> str:
    for line in ics.decode("utf-8").splitlines():
        if line.upper().startswith("METHOD:"):
            return line.split(":", 1)[1].strip().upper()
    return "PUBLISH"


class Email(Transport):
    name = "email"

    def send(self, message: OutgoingMessage) -> str:
        email = _CalendarEmail(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.to],
            headers={"Message-ID": f"<{uuid.uuid4().hex}@lantern>"},
        )
        if message.calendar:
            method = calendar_method(message.calendar)
            ics = message.calendar.decode("utf-8")
            email.attach_alternative(ics, f"text/calendar; method={method}")
            attachment = MIMEBase("application", "ics", name="invite.ics")
            attachment.set_payload(message.calendar)
            from email import encoders

            encoders.encode_base64(attachment)
            attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
            email.attach(attachment)
        try:
            email.send(fail_silently=False)
        except OSError as exc:  # smtplib errors are OSErrors
            raise TransportError(f"Email could not be sent: {exc}", permanent=False, code="smtp") from exc
        return email.extra_headers["Message-ID"]


class ConsoleEmailBackend(BaseEmailBackend):
    """A Django email backend for the demo: one line per email (recipient masked,
    subject, first words of the text part) instead of the whole MIME message."""

    def send_messages(self, email_messages) -> int:
        for email in email_messages:
            for to in email.recipients():
                print(console_line("email", to, f"{email.subject} — {email.body}"), flush=True)
        return len(email_messages)


def sms_transport() -> Transport:
    return TwilioSms() if settings.SMS_BACKEND == "twilio" else ConsoleSms()


def transport_for(channel: str) -> Transport:
    return Email() if channel == "email" else sms_transport()
