from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from backend.env import envbool, envint

ROOT = Path(__file__).resolve().parents[2]


def _start_django(**env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env.update(env_overrides)
    env["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    return subprocess.run(
        # Importing the WSGI module is what starting the web process does.
        [sys.executable, "-c", "import backend.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


def test_envbool_rejects_a_value_that_is_not_a_boolean(monkeypatch):
    monkeypatch.setenv("LANTERN_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="LANTERN_FLAG"):
        envbool("LANTERN_FLAG", False)


def test_envint_names_the_variable_on_bad_input(monkeypatch):
    monkeypatch.setenv("LANTERN_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="LANTERN_NUMBER"):
        envint("LANTERN_NUMBER", 1)


def test_production_start_without_secret_key_fails_loudly():
    result = _start_django(DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def _without_secret_key() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE"}}
    env["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    return env


def test_migration_commands_run_without_a_secret_key():
    result = subprocess.run(
        [sys.executable, "manage.py", "makemigrations", "--check", "--dry-run"],
        cwd=ROOT,
        env=_without_secret_key(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_celery_worker_without_secret_key_refuses_to_start():
    celery = str(Path(sys.executable).parent / "celery")
    result = subprocess.run(
        [celery, "-A", "backend", "worker", "--pool=solo", "-l", "WARNING"],
        cwd=ROOT,
        env={**_without_secret_key(), "CELERY_BROKER_URL": "memory://"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stdout + result.stderr


def test_twilio_backend_without_credentials_fails_at_start():
    result = _start_django(SECRET_KEY="x", SMS_BACKEND="twilio", TWILIO_ACCOUNT_SID="", TWILIO_AUTH_TOKEN="")
    assert result.returncode != 0
    assert "TWILIO_ACCOUNT_SID" in result.stderr


def test_bad_database_url_is_a_clear_start_up_error():
    result = _start_django(SECRET_KEY="x", DATABASE_URL="nosuchdb://where")
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr


def test_configured_start_succeeds():
    result = _start_django(SECRET_KEY="x", DEBUG="0")
    assert result.returncode == 0, result.stderr


def _production_env(**overrides: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_COOKIE", "CSRF_COOKIE"))}
    # The browser tests' conftest sets this for Playwright in the test process; a deployment never has it.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        DEBUG="0",
        # check --deploy wants 50+ characters with some variety.
        SECRET_KEY="p7Yq-3vR_kz9LmWb2xT8sNcJ0dHfUe4gAaQiVoXr6tBy1wZn5EjK",
        ALLOWED_HOSTS="lantern.example.org",
        PUBLIC_BASE_URL="https://lantern.example.org",
    )
    env.update(overrides)
    return env


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=_production_env(),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def _setting(name: str, **overrides: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django; django.setup(); from django.conf import settings; print(settings.{name})",
        ],
        cwd=ROOT,
        env=_production_env(**overrides),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_https_defaults_follow_debug_and_can_be_turned_off_behind_a_redirecting_proxy():
    assert _setting("SECURE_SSL_REDIRECT") == "True"
    assert _setting("SESSION_COOKIE_SECURE") == "True"
    assert int(_setting("SECURE_HSTS_SECONDS")) >= 31536000
    assert _setting("SECURE_SSL_REDIRECT", SECURE_SSL_REDIRECT="0") == "False"
    assert _setting("SECURE_PROXY_SSL_HEADER", TRUST_X_FORWARDED_PROTO="1") == "('HTTP_X_FORWARDED_PROTO', 'https')"
    # The demo (DEBUG on, plain http on localhost) redirects nothing.
    assert _setting("SECURE_SSL_REDIRECT", DEBUG="1") == "False"
    assert _setting("SECURE_HSTS_SECONDS", DEBUG="1") == "0"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("TRUSTED_PROXY_COUNT", "-1"),
        ("SEND_CAP_GLOBAL", "-5"),
        ("STAFF_TOKEN_LIFETIME_DAYS", "0"),
        ("STAFF_LOGIN_FAILURE_LIMIT", "0"),
        ("STAFF_LOGIN_COOLOFF_HOURS", "0"),
        ("SMS_ALLOWED_COUNTRIES", "US,Canada"),
    ],
)
def test_abuse_and_sign_in_settings_refuse_nonsense(name, value):
    result = _start_django(SECRET_KEY="x", **{name: value})
    assert result.returncode != 0
    assert name in result.stderr
