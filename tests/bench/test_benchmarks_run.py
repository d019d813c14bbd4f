"""Every benchmark still runs end to end on today's models, at a size that takes seconds.

The timings are not asserted here (speed is measured by the benchmarks themselves, on a
quiet machine). What each benchmark checks besides speed is: query counts that must not
grow, results that must agree with raw SQL, a waitlist that must stay in order, reminders
sent exactly once. A benchmark exits 1 both over its time target and on those checks, so
the exit code cannot tell them apart; the lines it prints for the checks do.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# name: (arguments, lines its checks print when they hold, a pattern only a broken check prints)
SMALL_RUNS = {
    "materialize": (["--series", "20", "--days", "30", "--repeat", "1"], [r"sessions/s"], None),
    "search": (
        ["--groups", "300", "--repeat", "1"],
        [r"queries per request: page_size 5 -> (\d+), 100 -> \1 "],
        r"MISMATCH",
    ),
    "roster": (
        ["--sizes", "5,20", "--repeat", "2", "--threads", "2", "--joins", "3"],
        [r"waitlist 1\.\.n ok"],
        r"FAIL: (queries per roster request grow|the contended group)",  # not its per-row time
    ),
    "pages": (["--groups", "200", "--repeat", "1"], [r"queries per page: \[\d+\] "], None),
    "pages_facilitate": (["--sizes", "5,20", "--repeat", "2"], [r"page queries the same at every size: yes"], None),
    "dispatch": (
        ["--sessions", "3", "--members-per-session", "3"],
        [r"outbox rows sent 9, duplicates 0 \(must be 0\), missing 0"],
        None,
    ),
}


def _run(name: str, args: list[str]) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("DJANGO_SETTINGS_MODULE", None)  # each benchmark picks its own settings
    return subprocess.run(
        [sys.executable, "-m", f"bench.{name}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SMALL_RUNS))
def test_benchmark_runs_and_its_checks_hold(name):
    args, must_print, broken = SMALL_RUNS[name]
    result = _run(name, args)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in (0, 1), (result.returncode, result.stderr[-3000:])
    for pattern in must_print:
        assert re.search(pattern, result.stdout), (pattern, result.stdout[-3000:])
    if broken:
        assert not re.search(broken, result.stdout + result.stderr), (result.stdout + result.stderr)[-3000:]
