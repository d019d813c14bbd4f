"""Extension points other apps fill in through settings, so `sessions` imports none of them.

SESSION_CHANGE_NOTICES names a function `(*, session, now=None) -> dict` that says
which notices a session's last change will send (by default
notifications.preview.session_change_notices). The session API's change answer and
the facilitator pages both call `session_change_notices` here; with the setting
empty they say nothing will be sent by Lantern.

SERIES_CHANGE_NOTICES names a function `(*, series, now=None) -> dict` with the same
answer about a series' last edit or its end (by default
notifications.preview.series_change_notices); the facilitator's series pages call
`series_change_notices` here.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

NO_NOTICES: dict = {"kind": None, "notices": [], "not_notified": []}


@cache
def _load(path: str):
    return import_string(path)


def _notices(path: str, **about) -> dict:
    if not path:
        return {**NO_NOTICES, "notices": [], "not_notified": []}
    return _load(path)(**about)


def session_change_notices(*, session, now: dt.datetime | None = None) -> dict:
    return _notices(settings.SESSION_CHANGE_NOTICES, session=session, now=now)


def series_change_notices(*, series, now: dt.datetime | None = None) -> dict:
    return _notices(settings.SERIES_CHANGE_NOTICES, series=series, now=now)


def series_edit_notices(*, series, sequence_before: int, now: dt.datetime | None = None) -> dict:
    """series_change_notices for an edit, with `unchanged`. An edit that left the series as it
    was (the same SEQUENCE) tells nobody, whatever an earlier edit not yet planned will say."""
    if series.sequence == sequence_before:
        return {**NO_NOTICES, "notices": [], "not_notified": [], "unchanged": True}
    return {**series_change_notices(series=series, now=now), "unchanged": False}
