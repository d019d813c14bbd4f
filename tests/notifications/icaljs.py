"""Read iCalendar files with Mozilla's ical.js, run by node, as Thunderbird does.

The vendored build (tests/vendor/ical.js) needs no npm install; node must be on
the PATH (CI installs it). A missing node is a failure, never a skip.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).with_name("icaljs_expand.mjs")


def node() -> str:
    found = shutil.which("node") or ("/usr/bin/node" if Path("/usr/bin/node").exists() else None)
    if found is None:
        raise AssertionError("these tests need node (v18+) to run Mozilla's ical.js")
    return found


def icaljs_occurrences(ics: bytes, start: dt.datetime, end: dt.datetime) -> list[dict]:
    """Every occurrence starting in [start, end) as ical.js expands it: dicts with
    uid, start and end (aware UTC datetimes), status and summary."""
    payload = json.dumps({"ics": ics.decode(), "start": start.isoformat(), "end": end.isoformat()})
    result = subprocess.run([node(), str(SCRIPT)], input=payload, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError(f"ical.js could not read the calendar:\n{result.stderr}")
    occurrences = json.loads(result.stdout)
    for occurrence in occurrences:
        for key in ("start", "end"):
            occurrence[key] = dt.datetime.fromisoformat(occurrence[key].replace("Z", "+00:00"))
    return occurrences
