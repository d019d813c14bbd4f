"""Settings for pytest: the production settings with test-friendly defaults.

DATABASE_URL and CELERY_BROKER_URL still come from the environment, so the same
suite runs on SQLite locally and on PostgreSQL + Redis in CI.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("LANTERN_FAST_HASHER", "1")
os.environ.setdefault("PUBLIC_BASE_URL", "https://lantern.test")
os.environ.setdefault("SMS_BACKEND", "console")

from backend.settings import *  # noqa: E402,F401,F403
from backend.settings import REST_FRAMEWORK  # noqa: E402

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Login throttling is tested explicitly; elsewhere it would make tests order-dependent.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "1000/min", "join": "1000/min"}}
