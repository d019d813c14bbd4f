"""The facilitator forms' date fields: the browser's date picker reads ISO dates only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from sessions.forms_facilitate import GroupForm, ScheduleForm, SessionMoveForm

DAY = dt.date(2026, 12, 16)

FORMS = [
    (lambda **kw: ScheduleForm(venues=None, **kw), "first_date"),
    (lambda **kw: ScheduleForm(venues=None, **kw), "until"),
    (lambda **kw: SessionMoveForm(**kw), "date"),
    (lambda **kw: GroupForm(**kw), "cycle_start"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("make", "field"), FORMS, ids=[f"{i}-{field}" for i, (_, field) in enumerate(FORMS)])
@pytest.mark.parametrize("language", ["en", "es"])
def test_a_date_field_shows_its_date_as_iso_in_every_language(make, field, language):
    """A Spanish page wrote 16/12/2026, which a date input cannot show: the field came up empty."""
    with translation.override(language):
        html = str(make(initial={field: DAY})[field])
        assert 'type="date"' in html
        assert 'value="2026-12-16"' in html
        # What the picker sends back is read, in either language.
        assert make().fields[field].clean("2026-12-16") == DAY
