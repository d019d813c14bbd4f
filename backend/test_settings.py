"""Settings for pytest: the production settings with test-friendly defaults.

DATABASE_URL and CELERY_BROKER_URL still come from the environment, so the same
suite runs on SQLite locally and on PostgreSQL + Redis in CI.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("PUBLIC_BASE_URL", "https://lantern.test")
os.environ.setdefault("SMS_BACKEND", "console")
# The suite (and its live-server browser tests) speaks plain http; the
# production defaults for these are tested by running `check --deploy`.
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("SESSION_COOKIE_SECURE", "0")
os.environ.setdefault("CSRF_COOKIE_SECURE", "0")

from backend.settings import *  # noqa: E402,F401,F403
from backend.settings import REST_FRAMEWORK, STORAGES  # noqa: E402

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Test users sign in many times; the production hasher is deliberately slow.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Login throttling is tested explicitly; elsewhere it would make tests order-dependent.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "1000/min", "join": "1000/min"}}
# No collectstatic before tests: plain storage, and whitenoise serves from the apps' folders.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = None  # nothing collected in tests; whitenoise finds files in the apps
