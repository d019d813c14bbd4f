"""Keep self-service tokens out of the logs.

The token in /api/me/{token}/ is the member's only credential. Django logs every
4xx and 5xx response with its path ("Bad Request: /api/me/…/" for a mistyped
phone number), and runserver logs every request: without this filter a live
token would sit in log files and whatever they are shipped to.
"""

from __future__ import annotations

import logging
import re

# Member pages (/me/…) and their API (/api/me/…), join request handles and email confirmation
# links, as pages and in the API: each path segment after these is a secret.
TOKEN_IN_PATH = re.compile(r"(/(?:api/)?(?:me|join-requests|email-confirmations)/)[^/?#\s\"']+")
REDACTED_TOKEN = r"\1[token]"
# django.request: the 4xx/5xx lines; django.server: runserver's access log.
LOGGERS = ("django.request", "django.server")


def redact_tokens(text: str) -> str:
    return TOKEN_IN_PATH.sub(REDACTED_TOKEN, text)


class RedactSelfServiceTokens(logging.Filter):
    """Rewrites the message and its string arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_tokens(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact_tokens(v) if isinstance(v, str) else v for k, v in record.args.items()}
        return True


def install() -> None:
    """Attach the filter to the loggers that write request paths (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSelfServiceTokens) for f in logger.filters):
            logger.addFilter(RedactSelfServiceTokens())
