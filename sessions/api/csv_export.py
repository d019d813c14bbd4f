"""CSV attachments for the management API (roster.csv, attendance.csv)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

# Spreadsheet apps run cells starting with these as formulas (CSV injection); names and notes are typed by
# the public. A phone number in E.164 form starts with "+" but is only a number to a spreadsheet, so it stays.
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def csv_cell(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if text.startswith(_FORMULA_PREFIXES) and not _E164.match(text):
        return "'" + text
    return text


def csv_attachment(*, filename: str, header: Sequence[str], rows: Iterable[Sequence[object]]) -> HttpResponse:
    """Every cell goes through csv_cell; the file is member data, so no cache may keep it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([csv_cell(value) for value in row] for row in rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response
