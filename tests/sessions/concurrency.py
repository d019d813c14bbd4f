"""Run one callable on several threads at once, for the PostgreSQL race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from django.db import connections


def run_in_threads(count: int, target: Callable[[int], Any]) -> list:
    """Call target(0) … target(count - 1) on `count` threads released together.

    Returns each call's result, or the exception it raised, in index order so the
    test can assert on both. Each thread closes its own database connections,
    or the test database could not be dropped afterwards.
    """
    results: list = [None] * count
    barrier = threading.Barrier(count)

    def worker(index: int) -> None:
        try:
            barrier.wait()
            results[index] = target(index)
        except Exception as exc:  # collected and asserted on by the test
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results
