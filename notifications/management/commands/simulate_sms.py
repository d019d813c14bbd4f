"""Pretend a member texted Lantern: for trying replies (YES, STOP, HELP, 1, 2) in the demo.

The text goes through `handle_inbound`, the very function Twilio's webhook calls,
so it has the same effects (consent, RSVPs, the facilitators' inbox) and is
recorded as an inbound message like a real one.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications.inbound_sms import handle_inbound
from sessions.validators import normalize_phone

NO_REPLY = "(no reply)"


class Command(BaseCommand):
    help = "Handle a text as if FROM had sent BODY to Lantern's number; print the reply. Example: +12175550142 YES"

    def add_arguments(self, parser):
        parser.add_argument("from_number", help="the member's phone number, e.g. +12175550142")
        parser.add_argument("body", nargs="+", help="the text, e.g. YES, STOP, HELP, 1, 2 or a message")

    def handle(self, *args, from_number: str, body: list[str], **options):
        try:
            phone = normalize_phone(from_number)
        except ValidationError as exc:
            raise CommandError(f"from_number: {' '.join(exc.messages)}") from None
        # A Twilio-shaped sid, unique per run: each simulated text is a new message.
        sid = f"SM{uuid.uuid4().hex}"
        reply = handle_inbound(
            message_sid=sid,
            from_number=phone,
            to_number=settings.TWILIO_FROM_NUMBER or "",
            body=" ".join(body),
            now=timezone.now(),
        )
        self.stdout.write(f"Reply to {phone}: {reply}" if reply else NO_REPLY)
