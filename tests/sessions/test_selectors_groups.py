from __future__ import annotations

import datetime as dt

import pytest

from sessions.selectors.groups import PUBLIC_SESSIONS_SHOWN, group_public_get
from sessions.services import schedule
from tests.factories import SupportGroupFactory

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)


def _weekly(group, *, byday: str):
    return schedule.series_create(
        group=group,
        rrule=f"FREQ=WEEKLY;BYDAY={byday}",
        dtstart=dt.datetime(2026, 3, 3, 19, 0),
        timezone="America/Chicago",
        duration_minutes=90,
        now=NOW,
    )


def test_public_group_page_lists_what_the_public_schedule_lists_not_an_ended_series():
    group = SupportGroupFactory()
    kept = _weekly(group, byday="TU")
    ended = _weekly(group, byday="WE")
    schedule.series_end(series=ended, now=NOW)
    cancelled = next(s for s in _weekly(group, byday="TH").sessions.order_by("starts_at"))
    schedule.session_change(session=cancelled, status="cancelled", note="Snow", now=NOW)

    page = group_public_get(slug=group.slug, now=NOW)

    assert len(page.upcoming) == PUBLIC_SESSIONS_SHOWN
    assert ended.pk not in {s.series_id for s in page.upcoming}
    assert kept.pk in {s.series_id for s in page.upcoming}
    # A one-off cancellation of a running series is news, and stays on the page.
    assert cancelled.pk in {s.pk for s in page.upcoming}
    assert [s.starts_at for s in page.upcoming] == sorted(s.starts_at for s in page.upcoming)
