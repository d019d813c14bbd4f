"""Settings for Celery worker subprocesses started by the integration test and the benchmark.

Production settings plus the few knobs those runs turn from the environment.
"""

import os

from backend.settings import *  # noqa: F403

TWILIO_HTTP_TIMEOUT = float(os.environ.get("TWILIO_HTTP_TIMEOUT", "10"))
NOTIFICATIONS_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFICATIONS_RETRY_BASE_SECONDS", "30"))
