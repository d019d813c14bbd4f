"""Shared test set-up.

With REQUIRE_SERVICES=1 (CI) the suite refuses to run unless it really is on
PostgreSQL and a reachable Redis broker: a missing service is a failure, never
a silent skip.
"""

from __future__ import annotations

import datetime as dt
import os

import pytest


def _require_services() -> bool:
    # Anything but unset/0/false turns the checks on: a CI that writes REQUIRE_SERVICES=true
    # must not quietly get the local behaviour (skips) instead of failures.
    return os.environ.get("REQUIRE_SERVICES", "").strip().lower() not in ("", "0", "false", "no")


# --- The wall clock ----------------------------------------------------------------------------
#
# No test may depend on the hour the suite runs at. Tests inject "now"; where code under test
# or a factory default reads the wall clock, tests marked `any_hour` run once per clock below
# (time-machine moves the wall clock there and lets it tick), so CI checks the hours that
# broke tests before: just after and before midnight UTC, noon, and both DST nights.
FROZEN_CLOCKS = {
    "0010utc": dt.datetime(2026, 12, 3, 0, 10, tzinfo=dt.UTC),
    "1200utc": dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC),
    "2350utc": dt.datetime(2026, 12, 2, 23, 50, tzinfo=dt.UTC),
    # 01:30 in Chicago, half an hour before the clocks go forward / back.
    "chicago-spring-night": dt.datetime(2027, 3, 14, 7, 30, tzinfo=dt.UTC),
    "chicago-fall-night": dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC),
}


def pytest_addoption(parser):
    parser.addoption(
        "--clock",
        default=None,
        help="run every test with the wall clock moved to this ISO 8601 instant (e.g. 2026-12-03T00:10Z)",
    )


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "any_hour: reads the wall clock; also runs at each of tests.conftest.FROZEN_CLOCKS"
    )


def pytest_generate_tests(metafunc):
    if metafunc.definition.get_closest_marker("any_hour") and "wall_clock" in metafunc.fixturenames:
        metafunc.parametrize("wall_clock", list(FROZEN_CLOCKS), indirect=True)


@pytest.fixture(autouse=True)
def wall_clock(request):
    """The wall clock a test runs at: a FROZEN_CLOCKS instant for `any_hour` tests, the one
    given with --clock, or (None) the real clock."""
    if hasattr(request, "param"):
        instant = FROZEN_CLOCKS[request.param]
    elif request.config.getoption("--clock"):
        instant = dt.datetime.fromisoformat(request.config.getoption("--clock"))
    else:
        yield None
        return
    import time_machine

    with time_machine.travel(instant, tick=True):
        yield instant


def pytest_sessionstart(session):
    if not _require_services():
        return
    from django.conf import settings

    engine = settings.DATABASES["default"]["ENGINE"]
    if "postgresql" not in engine:
        pytest.exit(f"REQUIRE_SERVICES=1 but DATABASE_URL is not PostgreSQL ({engine})", returncode=3)
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis"):
        pytest.exit(f"REQUIRE_SERVICES=1 but CELERY_BROKER_URL is not Redis ({broker})", returncode=3)
    import redis

    try:
        redis.Redis.from_url(broker, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.exit(f"REQUIRE_SERVICES=1 but Redis at {broker} is unreachable: {exc}", returncode=3)


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def redis_url() -> str:
    """The Redis broker URL; tests that need Redis fail (not skip) without it."""
    from django.conf import settings

    url = settings.CELERY_BROKER_URL
    if not url.startswith("redis"):
        url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.fail(f"this test needs Redis at {url}: {exc}")
    return url


def is_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture
def requires_postgres(db):
    """For tests whose point is PostgreSQL behaviour (row locks, races).

    Locally on SQLite they skip; with REQUIRE_SERVICES=1 (CI) they fail instead.
    """
    if not is_postgres():
        if _require_services():
            pytest.fail("this test needs PostgreSQL (REQUIRE_SERVICES=1)")
        pytest.skip("needs PostgreSQL; set DATABASE_URL to run it")


@pytest.fixture(scope="session")
def openapi(django_db_blocker) -> dict:
    """/api/schema/ as a client sees it, built once for every schema test."""
    from django.test import Client

    with django_db_blocker.unblock():
        response = Client().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()
