"""Lantern settings: everything comes from the environment (see .env.example).

Each setting's default is here and only here: code reads `settings.X`, never
`getattr(settings, X, default)` (tests/backend/test_settings.py checks both).
"""

from __future__ import annotations

from pathlib import Path

import csp.constants
import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from backend.env import envbool, envfloat, envint, envlist, envstr

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(envstr("LANTERN_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = envbool("DEBUG", False)
# Left empty when missing with DEBUG off: management commands that sign nothing
# (migrate, makemigrations, check) still run, while every process that serves
# (web, worker, beat) refuses to start in backend.startup.require_secret_key(),
# and anything that signs hits Django's own "must not be empty" error.
SECRET_KEY = envstr("SECRET_KEY") or ("insecure-dev-only-key" if DEBUG else "")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
PUBLIC_BASE_URL = (envstr("PUBLIC_BASE_URL", "http://localhost:8000") or "").rstrip("/")
if not PUBLIC_BASE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("PUBLIC_BASE_URL must start with http:// or https://")
# Behind a TLS-terminating proxy the original scheme arrives in this header.
if envbool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Transport security (`manage.py check --deploy` passes with the defaults) --------
# On by default whenever DEBUG is off. Behind a TLS-terminating proxy either set
# TRUST_X_FORWARDED_PROTO=1 (so Django sees https and does not redirect for ever) or,
# if the proxy redirects http itself, SECURE_SSL_REDIRECT=0. See docs/deployment.md.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
# Platform health probes speak plain http inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# Preloading is a submission to the browsers' lists that is slow to undo: the
# deployer opts in; until then Django's reminder about it is silenced.
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "axes",  # staff sign-in lockout (see "Client address and staff sign-in" below)
    "django_filters",
    "drf_spectacular",
    # Swagger UI and Redoc as local static files: /api/docs/ works offline, no CDN.
    "drf_spectacular_sidecar",
    "csp",
    "sessions.apps.SessionsConfig",
    "notifications.apps.NotificationsConfig",
]

MIDDLEWARE = [
    "backend.middleware.RejectNulCredentialsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files from the web process itself (no separate file server needed).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Pages: the language from the switch (cookie) or the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into its 429 answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # Pages: the crisis line, quick exit and language switch on every page.
                "sessions.pages.context.care",
            ]
        },
    }
]

DATABASE_URL = envstr("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'lantern.sqlite3'}"
if DATABASE_URL.startswith("sqlite"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=envint("DB_CONN_MAX_AGE", 0))}
except Exception as exc:  # dj-database-url raises several types for a bad URL
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo runs web, worker and beat on one SQLite file: wait for locks
    # instead of failing, and take the write lock up front (Django 5.1+).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Facilitator pages: signing in and where it leads.
LOGIN_URL = "facilitate:sign-in"
LOGIN_REDIRECT_URL = "facilitate:home"
LOGOUT_REDIRECT_URL = "facilitate:sign-in"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static files and Content-Security-Policy ------------------------------------
# `collectstatic` fills STATIC_ROOT (the Procfile's release step, and the demo);
# whitenoise serves it with far-future caching under hashed names.
STATIC_URL = "static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT") or str(VAR_DIR / "static"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# Same-origin only: no CDN, no third-party origin. Pages load their scripts and
# styles as static files; an inline <script>/<style> needs
# nonce="{{ request.csp_nonce }}" (the nonce is added to the header only when a
# page reads it). data: images are for Swagger UI's icons.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp.constants.SELF],
        "script-src": [csp.constants.SELF, csp.constants.NONCE],
        "style-src": [csp.constants.SELF, csp.constants.NONCE],
        "img-src": [csp.constants.SELF, "data:"],
        "object-src": [csp.constants.NONE],
        "base-uri": [csp.constants.SELF],
        "form-action": [csp.constants.SELF],
        "frame-ancestors": [csp.constants.NONE],
    }
}

# --- Pages: languages, static files, care on every page ----------------------
# Templates live in the project-level templates/ (TEMPLATES DIRS above), by area.
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
STATICFILES_DIRS = [BASE_DIR / "static"]
# The country whose crisis line every page shows unless the page knows better (a group's venue,
# the place searched). US and CA: 988; GB and IE: Samaritans; any other: the two settings below.
CRISIS_LINE_COUNTRY = (envstr("CRISIS_LINE_COUNTRY", "US") or "US").upper()
CRISIS_LINE_TEXT = envstr("CRISIS_LINE_TEXT", "") or ""
CRISIS_LINE_URL = envstr("CRISIS_LINE_URL", "") or ""
# Where "Exit this page" sends someone: a neutral site that replaces the page and its history entry.
QUICK_EXIT_URL = envstr("QUICK_EXIT_URL", "https://www.google.com/") or "https://www.google.com/"
if not QUICK_EXIT_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured("QUICK_EXIT_URL must start with http:// or https://")
# Map view of the finder's results (Leaflet, vendored in static/vendor/leaflet/): a tile URL
# template with {z}, {x} and {y} (and optionally {s} as the first label of the host), such as
# https://tile.openstreetmap.org/{z}/{x}/{y}.png. Empty: no map, no map script, no button; the
# list is always there. When set, the results page's CSP admits images from the tiles' origin
# and nothing else (sessions/pages/map.py). The attribution is plain text, e.g.
# "© OpenStreetMap contributors": most tile services require one.
MAP_TILES_URL = envstr("MAP_TILES_URL", "") or ""
MAP_TILES_ATTRIBUTION = envstr("MAP_TILES_ATTRIBUTION", "") or ""
if MAP_TILES_URL and not (
    MAP_TILES_URL.startswith(("https://", "http://"))
    and all(part in MAP_TILES_URL for part in ("{z}", "{x}", "{y}"))
    and "{" not in MAP_TILES_URL.split("/")[2].removeprefix("{s}.")
):
    raise ImproperlyConfigured(
        "MAP_TILES_URL must be an http(s) URL template with {z}, {x} and {y}, "
        "and no placeholder in the host other than a leading {s}."
    )
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "backend.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": envint("API_PAGE_SIZE", 20),
    # --- Error shape and an honest schema: the error answers every operation documents
    # (backend/openapi.py); bodies are JSON only, with a nesting limit (backend/parsers.py),
    # so tests send JSON too.
    "DEFAULT_SCHEMA_CLASS": "backend.openapi.LanternAutoSchema",
    "DEFAULT_PARSER_CLASSES": ["backend.parsers.DepthLimitedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # --- end ---
    "EXCEPTION_HANDLER": "backend.exceptions.api_exception_handler",
    # Only for DRF's own get_ident; Lantern's throttles use backend.client_address.
    "NUM_PROXIES": None,  # set below from TRUSTED_PROXY_COUNT
    "DEFAULT_THROTTLE_RATES": {
        "login": envstr("LOGIN_THROTTLE_RATE", "10/min"),
        "join": envstr("JOIN_THROTTLE_RATE", "30/hour"),
    },
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Lantern API",
    "DESCRIPTION": "Find grief-share and peer support groups, manage rosters and sessions, send reminders.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page's assets come from drf-spectacular-sidecar's static files.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models have a "status"; name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "EnrollmentStatusEnum": "sessions.models.Enrollment.Status",
        "SessionStatusEnum": "sessions.models.Session.Status",
        # Outbox rows, notice previews and join requests all name the same two channels.
        "ChannelEnum": "notifications.models.Channel",
        "ContactChannelEnum": ["sms", "email"],
    },
}

# Throttle counters and abuse caps must be shared by every web process.
CACHE_URL = envstr("CACHE_URL")
if CACHE_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------
# The default is an embedded broker (kombu's filesystem transport) so the demo
# needs no server; production and CI point CELERY_BROKER_URL at Redis.
CELERY_BROKER_URL = envstr("CELERY_BROKER_URL") or "filesystem://"
if CELERY_BROKER_URL == "filesystem://":
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir),
        "data_folder_out": str(_broker_dir),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Debugging only: tasks run inline in the process that queues them.
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Beat writes its schedule there, and a fresh checkout or a built slug has no var/:
# without it `celery beat` dies at start with FileNotFoundError. (A read-only code
# directory is not an error here: web and worker do not write there; point
# LANTERN_VAR_DIR somewhere writable for beat.)
try:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
except OSError:
    pass

# --- SMS (Twilio) -------------------------------------------------------------
TWILIO_ACCOUNT_SID = envstr("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = envstr("TWILIO_AUTH_TOKEN", "")
TWILIO_FROM_NUMBER = envstr("TWILIO_FROM_NUMBER", "")
TWILIO_MESSAGING_SERVICE_SID = envstr("TWILIO_MESSAGING_SERVICE_SID", "")
# Points the real SDK at a local Twilio stand-in (tests, staging).
TWILIO_API_BASE_URL = (envstr("TWILIO_API_BASE_URL", "") or "").rstrip("/")
# "console" prints and records texts; "twilio" sends them. Default: twilio when configured.
SMS_BACKEND = envstr("SMS_BACKEND") or ("twilio" if TWILIO_ACCOUNT_SID else "console")
if SMS_BACKEND not in {"console", "twilio"}:
    raise ImproperlyConfigured(f"SMS_BACKEND must be 'console' or 'twilio', got {SMS_BACKEND!r}")
if SMS_BACKEND == "twilio":
    if not (TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN):
        raise ImproperlyConfigured("SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN")
    if not (TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID):
        raise ImproperlyConfigured("SMS_BACKEND=twilio needs TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID")
SMS_RATE_PER_SECOND = envfloat("SMS_RATE_PER_SECOND", 1.0)
TWILIO_HTTP_TIMEOUT = envfloat("TWILIO_HTTP_TIMEOUT", 10.0)
# A row claimed for sending longer than this is reconciled (asked of Twilio), not resent.
NOTIFICATIONS_SEND_LEASE_SECONDS = envint("NOTIFICATIONS_SEND_LEASE_SECONDS", 300)
NOTIFICATIONS_RETRY_BASE_SECONDS = envfloat("NOTIFICATIONS_RETRY_BASE_SECONDS", 30.0)
if NOTIFICATIONS_SEND_LEASE_SECONDS <= 0 or NOTIFICATIONS_RETRY_BASE_SECONDS <= 0:
    # A zero lease would reconcile every claim at once; a zero backoff would retry in a tight loop.
    raise ImproperlyConfigured("NOTIFICATIONS_SEND_LEASE_SECONDS and NOTIFICATIONS_RETRY_BASE_SECONDS must be above 0")
NOTIFICATIONS_SEND_BATCH = envint("NOTIFICATIONS_SEND_BATCH", 50)
SMS_QUIET_HOURS_START = envint("SMS_QUIET_HOURS_START", 21)
SMS_QUIET_HOURS_END = envint("SMS_QUIET_HOURS_END", 8)
for _name, _hour in (("SMS_QUIET_HOURS_START", SMS_QUIET_HOURS_START), ("SMS_QUIET_HOURS_END", SMS_QUIET_HOURS_END)):
    if not 0 <= _hour <= 23:
        raise ImproperlyConfigured(f"{_name} must be an hour from 0 to 23, got {_hour}")

# --- Email ------------------------------------------------------------------
# The default prints one line per email (full bodies stay in the outbox); production sets SMTP.
EMAIL_BACKEND = envstr("EMAIL_BACKEND", "notifications.transports.ConsoleEmailBackend")
EMAIL_HOST = envstr("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", 25)
EMAIL_HOST_USER = envstr("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Lantern <reminders@localhost>")

# --- Notices a session or series change will send (wiring, not configuration) ----
# The session API's change answer and the facilitator pages ask this function who
# will be told, how and when; `sessions` reaches it by name and never imports
# `notifications` (sessions/hooks.py).
SESSION_CHANGE_NOTICES = "notifications.preview.session_change_notices"
SERIES_CHANGE_NOTICES = "notifications.preview.series_change_notices"

# --- Scheduling -------------------------------------------------------------
SESSION_HORIZON_DAYS = envint("SESSION_HORIZON_DAYS", 180)
# With the time-of-day parts refused and FREQ at most DAILY a rule gives at most one
# session a day; the cap is a setting so an organization can lower it.
SESSION_MAX_PER_YEAR = envint("SESSION_MAX_PER_YEAR", 366)
# How often subscribed clients should re-read a feed (RFC 7986 REFRESH-INTERVAL and
# the older X-PUBLISHED-TTL that Outlook and Apple Calendar read).
CALENDAR_REFRESH_MINUTES = envint("CALENDAR_REFRESH_MINUTES", 60)

# --- Client address, abuse caps, phone numbers, staff sign-in (docs/privacy.md, "Abuse limits") -----
# How many proxies of this deployment's own stand in front of Lantern and append to
# X-Forwarded-For. 0 (default): the header is ignored and REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
REST_FRAMEWORK["NUM_PROXIES"] = TRUSTED_PROXY_COUNT
# Daily caps (UTC days) on confirmation texts and emails to a contact someone typed.
SEND_CAP_PER_DESTINATION = envint("SEND_CAP_PER_DESTINATION", 3)
SEND_CAP_PER_MEMBER = envint("SEND_CAP_PER_MEMBER", 5)
SEND_CAP_PER_CLIENT = envint("SEND_CAP_PER_CLIENT", 10)
SEND_CAP_PER_STAFF_USER = envint("SEND_CAP_PER_STAFF_USER", 100)
SEND_CAP_GLOBAL = envint("SEND_CAP_GLOBAL", 1000)
# ISO country codes whose numbers may be given for texts. Empty: the countries of
# the deployment's venues, or US, CA, GB while there are none.
SMS_ALLOWED_COUNTRIES = [c.upper() for c in envlist("SMS_ALLOWED_COUNTRIES", [])]
# Staff API tokens stop working this many days after they were issued.
STAFF_TOKEN_LIFETIME_DAYS = envint("STAFF_TOKEN_LIFETIME_DAYS", 30)
# django-axes: after this many failed sign-ins from one client address (admin login,
# API token, any login calling authenticate()), that address waits for the cool-off.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("STAFF_LOGIN_FAILURE_LIMIT", 10)
AXES_COOLOFF_TIME = envfloat("STAFF_LOGIN_COOLOFF_HOURS", 1.0)
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_CLIENT_IP_CALLABLE = "backend.client_address.client_ip_for_login_lockout"
# Not reset by a success: a facilitator signing in as themselves between guesses must not
# wipe the count of guesses at someone else's password from the same address.
AXES_RESET_ON_SUCCESS = False
AXES_HTTP_RESPONSE_CODE = 429
# Log lines name only what the lockout counts (the address), not usernames or browsers.
AXES_VERBOSE = False
for _name, _value, _least in (
    ("TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT, 0),
    ("SEND_CAP_PER_DESTINATION", SEND_CAP_PER_DESTINATION, 0),
    ("SEND_CAP_PER_MEMBER", SEND_CAP_PER_MEMBER, 0),
    ("SEND_CAP_PER_CLIENT", SEND_CAP_PER_CLIENT, 0),
    ("SEND_CAP_PER_STAFF_USER", SEND_CAP_PER_STAFF_USER, 0),
    ("SEND_CAP_GLOBAL", SEND_CAP_GLOBAL, 0),
    ("STAFF_TOKEN_LIFETIME_DAYS", STAFF_TOKEN_LIFETIME_DAYS, 1),
    ("STAFF_LOGIN_FAILURE_LIMIT", AXES_FAILURE_LIMIT, 1),
):
    if _value < _least:
        raise ImproperlyConfigured(f"{_name} must be {_least} or more, got {_value}")
if AXES_COOLOFF_TIME <= 0:
    raise ImproperlyConfigured(f"STAFF_LOGIN_COOLOFF_HOURS must be more than 0, got {AXES_COOLOFF_TIME}")
for _code in SMS_ALLOWED_COUNTRIES:
    if len(_code) != 2 or not _code.isalpha():
        raise ImproperlyConfigured(f"SMS_ALLOWED_COUNTRIES takes ISO 3166 two-letter codes, got {_code!r}")

# --- Contact proof (docs/privacy.md): how long a join request and its confirmation stay open ---
CONTACT_PROOF_VALID_HOURS = envint("CONTACT_PROOF_VALID_HOURS", 48)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
}

# Periodic jobs: each is a plain function that a management command also runs once.
CELERY_BEAT_SCHEDULE = {
    "materialize-sessions": {"task": "sessions.tasks.materialize_sessions", "schedule": 3600.0},
    "dispatch-notifications": {"task": "notifications.tasks.dispatch_notifications", "schedule": 60.0},
}
