"""See what a change would tell members before making it.

A check page runs the real service inside a savepoint, asks the notifications app
(through sessions.hooks) who its change will tell, and rolls the savepoint back. So
the page shows the service's own refusals and the planner's own schedule, and nothing
has changed until the facilitator confirms. Work queued with `on_commit` inside the
savepoint is dropped with it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TypeVar

from django.db import transaction

Changed = TypeVar("Changed")


class _Rehearsal(Exception):
    def __init__(self, answer: dict):
        self.answer = answer


def rehearse(*, change: Callable[[], Changed], notices: Callable[[Changed], dict]) -> dict:
    """`notices(change())`, with everything `change` wrote rolled back. A ValidationError
    from `change` propagates, as it would from the real change."""
    try:
        with transaction.atomic():
            raise _Rehearsal(notices(change()))
    except _Rehearsal as rehearsal:
        return rehearsal.answer


def notice_lines(answer: dict) -> list[dict]:
    """Notices grouped by channel and send time: "Text, right away: Ana, Ben"."""
    lines: dict[tuple, dict] = {}
    for notice in answer.get("notices", []):
        send_at = dt.datetime.fromisoformat(notice["send_at"])
        key = (notice["channel"], notice["when"], send_at.replace(tzinfo=None), notice["timezone"])
        line = lines.setdefault(
            key,
            {
                "channel": notice["channel"],
                "when": notice["when"],
                "send_at": send_at,
                "timezone": notice["timezone"],
                "names": [],
            },
        )
        line["names"].append(notice["first_name"])
    return sorted(lines.values(), key=lambda line: (line["send_at"].astimezone(dt.UTC), line["channel"]))


def notice_context(answer: dict) -> dict:
    """What a check page shows of the answer: the lines, and who will not be told."""
    return {"lines": notice_lines(answer), "not_notified": answer.get("not_notified", [])}
