"""Run every benchmark in bench/ (each module exposing main()), one after another."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback
from pathlib import Path


def main() -> int:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not info.name.startswith("_") and not info.ispkg
    )
    failed = []
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        entry = getattr(module, "main", None)
        if entry is None:
            continue
        print(f"\n=== bench.{name} ===", flush=True)
        try:
            result = entry()
        except SystemExit as exc:
            result = exc.code
        except Exception:  # noqa: BLE001 - report and go on with the other benchmarks
            traceback.print_exc()
            result = 1
        if result not in (None, 0):
            failed.append(name)
    if failed:
        print(f"\nFailed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
