"""Every benchmark still runs end to end on today's models, at a size that takes seconds.

The figures are not asserted here (speed is measured by the benchmarks themselves, on a
quiet machine); a benchmark that crashes, or that sends a reminder twice or not at all,
fails. The benchmarks exit 1 when over their target, which is not a failure here.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMALL_RUNS = {
    "materialize": (["--series", "20", "--days", "30", "--repeat", "1"], "sessions/s"),
    "search": (["--groups", "300", "--repeat", "1"], "queries per request"),
    "roster": (["--sizes", "5,20", "--repeat", "2", "--threads", "2", "--joins", "3"], "contended group"),
    "pages": (["--groups", "200", "--repeat", "1"], "queries per page"),
    "pages_facilitate": (["--sizes", "5,20", "--repeat", "2"], "page queries the same at every size"),
    "dispatch": (["--sessions", "3", "--members-per-session", "3"], "duplicates 0 (must be 0), missing 0"),
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
def test_benchmark_runs_to_its_report(name):
    args, report_line = SMALL_RUNS[name]
    result = _run(name, args)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    assert result.returncode in (0, 1), (result.returncode, result.stderr[-3000:])
    assert report_line in result.stdout, result.stdout[-3000:]
