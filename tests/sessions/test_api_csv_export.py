from __future__ import annotations

import csv
import io

import pytest

from sessions.api.csv_export import csv_attachment, csv_cell


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("-2+3", "'-2+3"),
        ("+1 (217) 555-0142", "'+1 (217) 555-0142"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("+12175550142", "+12175550142"),
        ("Ana", "Ana"),
        (None, ""),
        (7, "7"),
    ],
)
def test_cells_a_spreadsheet_would_run_are_quoted(value, expected):
    assert csv_cell(value) == expected


def test_attachment_escapes_every_cell_and_is_never_cached():
    response = csv_attachment(filename="g-roster.csv", header=["name", "n"], rows=[["=1+1", 3], [None, "-x"]])
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="g-roster.csv"'
    assert response["Cache-Control"] == "private, no-store"
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [["name", "n"], ["'=1+1", "3"], ["", "'-x"]]
