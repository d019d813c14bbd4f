"""Keep self-service tokens out of the logs.

A member's token is their only credential, and it travels in URLs: the API under
/api/me/TOKEN/…, member pages under /me/TOKEN/…, join requests under
/join-requests/TOKEN/…, confirmation links under /confirm/TOKEN/…, and possibly a
`?token=` query string. Django logs every 4xx and 5xx with its path ("Bad Request:
/api/me/…/" for a mistyped phone number); runserver and gunicorn log every request
line. Without this filter a live token would sit in log files and whatever they are
shipped to.

The rule is by shape, not by route, so a page added later is covered: the path
segment after any `me`, `join-requests` or `confirm` segment is replaced, however
many slashes (or %2F) come between, and so are the values of query parameters
that can carry a credential.
"""

from __future__ import annotations

import logging
import re

# "/me/" then any run of "/" or "%2F", then the segment (up to the next separator).
TOKEN_IN_PATH = re.compile(
    r"(/(?:me|join-requests|email-confirmations|confirm)(?:/|%2[fF])+)(?!\[token\])[^/?#&\s\"'%]+(?:%(?!2[fF])[^/?#&\s\"'%]*)*",
    re.IGNORECASE,
)
TOKEN_IN_QUERY = re.compile(r"([?&](?:token|key|code|secret|signature|sig)=)[^&#\s\"']+", re.IGNORECASE)
REDACTED = "[token]"
# django.request: the 4xx/5xx lines; django.server: runserver's access log;
# gunicorn.access / gunicorn.error: the production server's request lines.
LOGGERS = ("django.request", "django.server", "gunicorn.access", "gunicorn.error")


def redact_tokens(text: str) -> str:
    text = TOKEN_IN_PATH.sub(lambda m: m.group(1) + REDACTED, text)
    return TOKEN_IN_QUERY.sub(lambda m: m.group(1) + REDACTED, text)


class RedactSelfServiceTokens(logging.Filter):
    """Rewrites the message and its string arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_tokens(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact_tokens(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            # In place: gunicorn passes a dict subclass whose lookups its format string relies on.
            for key, value in list(record.args.items()):
                if isinstance(value, str):
                    record.args[key] = redact_tokens(value)
        return True


def install() -> None:
    """Attach the filter to the loggers that write request paths (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSelfServiceTokens) for f in logger.filters):
            logger.addFilter(RedactSelfServiceTokens())
