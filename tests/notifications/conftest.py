from __future__ import annotations

import datetime as dt

import pytest

from notifications import dispatch
from notifications.transports import ConsoleSms
from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio


@pytest.fixture(scope="session")
def fake_twilio_server():
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def fake_twilio(fake_twilio_server):
    fake_twilio_server.reset()
    yield fake_twilio_server
    fake_twilio_server.reset()


@pytest.fixture
def twilio_settings(twilio_sdk_settings, fake_twilio, now):
    """The real twilio SDK, pointed at the fake server whose clock is the test's `now`."""
    fake_twilio.clock = lambda: now
    return twilio_sdk_settings


@pytest.fixture
def twilio_sdk_settings(settings, fake_twilio):
    """The real twilio SDK, pointed at the fake server; no send-rate limit. Leaves the wall
    clock alone, for tests whose worker processes run on the real one."""
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = fake_twilio.url
    settings.TWILIO_HTTP_TIMEOUT = 0.5
    settings.SMS_RATE_PER_SECOND = 0
    return settings


@pytest.fixture(autouse=True)
def _console_sms(settings):
    ConsoleSms.sent = []
    settings.SMS_RATE_PER_SECOND = 0
    yield
    ConsoleSms.sent = []


@pytest.fixture
def run_dispatch(monkeypatch, django_capture_on_commit_callbacks):
    """dispatch_notifications(now) then every queued task, in-process, with the same `now`."""

    def run(now: dt.datetime, *, send: bool = True) -> list[str]:
        queued: list[tuple[int, str]] = []
        monkeypatch.setattr(dispatch, "enqueue", queued.extend)
        with django_capture_on_commit_callbacks(execute=True):
            dispatch.dispatch_notifications(now=now)
        if not send:
            return [f"queued:{pk}" for pk, _ in queued]
        return [
            dispatch.deliver(outbox_id=pk, claim_token=token, now=now, sleep=lambda s: None) for pk, token in queued
        ]

    return run


@pytest.fixture
def now(wall_clock) -> dt.datetime:
    """Tomorrow 16:00 UTC (10:00 in Chicago, outside quiet hours).

    The wall clock is moved to five minutes before it (and ticks on), so rows the code
    stamps from the clock (`auto_now`, factory defaults) are a little before `now`,
    as they are in production, whatever the hour the suite runs at. (Built from the
    real clock alone, `now` was 16 to 40 hours ahead of those stamps, and a test that
    runs a day ahead of `now` fell out of the planner's two-day news window just
    after midnight UTC.)"""
    import time_machine
    from django.utils import timezone

    value = (timezone.now() + dt.timedelta(days=1)).replace(hour=16, minute=0, second=0, microsecond=0)
    with time_machine.travel(value - dt.timedelta(minutes=5), tick=True):
        yield value
