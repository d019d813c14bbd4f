"""bin/complexity: the lint step that keeps product functions at cyclomatic complexity 15 or less."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "bin" / "complexity"


def _function_with_branches(name: str, branches: int) -> str:
    # Each `if` adds one to the function's complexity of 1.
    lines = [f"def {name}(x):"] + [f"    if x == {n}:\n        return {n}" for n in range(branches)] + ["    return -1"]
    return "\n".join(lines) + "\n"


def _run(*paths: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPT), *map(str, paths)], capture_output=True, text=True, cwd=ROOT)


def test_a_function_above_15_is_listed_and_fails_the_check(tmp_path):
    (tmp_path / "module.py").write_text(
        _function_with_branches("at_limit", 14) + _function_with_branches("tangled", 15)
    )
    result = _run(tmp_path)
    assert result.returncode == 1
    assert "tangled" in result.stdout and "  16  " in result.stdout
    assert "at_limit" not in result.stdout


def test_methods_are_named_with_their_class(tmp_path):
    body = _function_with_branches("decide", 15).replace("\n", "\n    ")
    (tmp_path / "views.py").write_text("class Page:\n    " + body.replace("(x)", "(self, x)"))
    result = _run(tmp_path)
    assert result.returncode == 1 and "Page.decide" in result.stdout


def test_migrations_and_tests_are_not_product_code(tmp_path):
    for folder in ("migrations", "tests"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "big.py").write_text(_function_with_branches("generated", 30))
    result = _run(tmp_path)
    assert result.returncode == 0, result.stdout
