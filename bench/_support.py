"""What every benchmark shares: Django set up against PostgreSQL, a throwaway
database built from the models, percentiles, and the bench organization's groups.

The leading underscore keeps bench/__main__.py from running this module as a benchmark.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# The throwaway database is created next to this one (the server's maintenance database by default).
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
BENCH_ORGANIZATION_SLUG = "bench-hospice"


def setup_django(*, settings_module: str = "backend.settings") -> None:
    """Django against DATABASE_URL (default DEFAULT_DATABASE_URL), with no shared cache."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ.setdefault("PUBLIC_BASE_URL", "http://bench.test")
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    # A cache shared with a running site would carry state between runs.
    os.environ.pop("CACHE_URL", None)
    # The test client speaks plain http to the server: no redirect to https in the timings.
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    import django
    from django.conf import settings

    # No collectstatic before a run: plain static URLs instead of the manifest's hashed names
    # (a dictionary lookup per {% static %} either way).
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    django.setup()


@contextmanager
def throwaway_database(*, benchmark: str, keep: bool = False) -> Iterator[None]:
    """A database of its own for one run, tables straight from the models (as
    pytest --nomigrations builds them: the benchmarks measure queries, not the
    migration history), dropped on the way out unless `keep`."""
    import django
    from django.conf import settings
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        sys.exit(f"bench.{benchmark} needs PostgreSQL: set DATABASE_URL=postgres://…")
    settings.MIGRATION_MODULES = {app.label: None for app in django.apps.apps.get_app_configs()}
    original_name = connection.settings_dict["NAME"]
    connection.settings_dict["TEST"].update({"NAME": f"lantern_bench_{benchmark}_{os.getpid()}", "MIGRATE": False})
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        yield
    finally:
        # Connections other threads left open would block the DROP DATABASE.
        connections.close_all()
        connection.creation.destroy_test_db(original_name, verbosity=0, keepdb=keep)


def percentile(values: list[float], pct: float) -> float:
    """The nearest-rank percentile (`pct` in 0..100) of `values`."""
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def bench_organization():
    from sessions.models import Organization

    return Organization.objects.create(name="Bench Hospice", slug=BENCH_ORGANIZATION_SLUG)


def online_groups(*, organization, count: int, timezones: list[str], **fields) -> list:
    """`count` online groups of `organization`, round-robin over `timezones`, in one INSERT."""
    from sessions.models import SupportGroup

    defaults = {"topic": "grief", "format": "online", "sms_label": "Group"}
    return SupportGroup.objects.bulk_create(
        SupportGroup(
            organization=organization,
            name=f"Bench group {i}",
            slug=f"bench-group-{i}",
            timezone=timezones[i % len(timezones)],
            **(defaults | fields),
        )
        for i in range(count)
    )
