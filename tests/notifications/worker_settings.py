"""Settings for Celery worker subprocesses started by the integration test and the benchmark.

The production settings, unchanged: the knobs those runs turn (TWILIO_HTTP_TIMEOUT,
NOTIFICATIONS_RETRY_BASE_SECONDS, quiet hours…) come from the environment like any other.
"""

from backend.settings import *  # noqa: F403
