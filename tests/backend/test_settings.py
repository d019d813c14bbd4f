from __future__ import annotations

import ast
import os
import re
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


@pytest.mark.parametrize("name", ["NOTIFICATIONS_SEND_LEASE_SECONDS", "NOTIFICATIONS_RETRY_BASE_SECONDS"])
def test_a_zero_send_lease_or_retry_delay_stops_the_start(name):
    result = _start_django(SECRET_KEY="x", **{name: "0"})
    assert result.returncode != 0
    assert name in result.stderr


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


# --- One default per setting, and the docs agree with it ------------------------------

PRODUCT_PACKAGES = ("backend", "sessions", "notifications", "bin")
_ENV_READERS = {"envstr", "envint", "envbool", "envfloat", "envlist"}


def _product_sources():
    for package in PRODUCT_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _is_settings(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "settings") or (
        isinstance(node, ast.Attribute) and node.attr == "settings"
    )


def test_product_code_reads_settings_as_attributes_not_with_a_fallback_default():
    # A fallback default is a second copy of the default in backend/settings.py, free to drift.
    found = []
    for path in _product_sources():
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in {"getattr", "hasattr"}
                and node.args
                and _is_settings(node.args[0])
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert found == [], "read settings.X (its default belongs in backend/settings.py): " + ", ".join(found)


def _environment_defaults() -> dict[str, object]:
    """Each variable backend/settings.py reads, with its default when that is a literal."""
    tree = ast.parse((ROOT / "backend" / "settings.py").read_text())
    defaults: dict[str, object] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _ENV_READERS:
            name = node.args[0].value
            try:
                defaults[name] = ast.literal_eval(node.args[1]) if len(node.args) > 1 else None
            except ValueError:  # computed (e.g. from DEBUG): not comparable with a doc table
                defaults[name] = None
    return defaults


def _readme_configuration_rows() -> list[tuple[list[str], str]]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and cells[0].startswith("`"):
            rows.append((re.findall(r"`([A-Z][A-Z0-9_]*)`", cells[0]), cells[1]))
    return rows


def test_every_environment_variable_is_in_env_example_and_the_readme_table():
    names = set(_environment_defaults())
    lines = (ROOT / ".env.example").read_text().splitlines()
    example = {line.split("=", 1)[0] for line in lines if "=" in line and not line.startswith("#")}
    documented = {name for variables, _ in _readme_configuration_rows() for name in variables}
    assert names - example == set(), ".env.example is missing these"
    assert names - documented == set(), "README's configuration table is missing these"
    # And nothing is documented that no setting reads (the demo launcher reads DEMO_PORT itself).
    launcher_only = {"DEMO_PORT"}
    assert example - names - launcher_only == set(), ".env.example lists variables nothing reads"
    assert documented - names - launcher_only == set(), "README documents variables nothing reads"


def _as_documented(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


def test_readme_defaults_are_the_settings_defaults():
    defaults = _environment_defaults()
    compared = 0
    for variables, default_cell in _readme_configuration_rows():
        # Only cells that are nothing but literals, one per variable ("`21`, `8`").
        if not re.fullmatch(r"`[^`]*`(, `[^`]*`)*", default_cell):
            continue
        documented = re.findall(r"`([^`]*)`", default_cell)
        if len(documented) != len(variables):
            continue
        for name, doc_value in zip(variables, documented, strict=True):
            if defaults.get(name) is None:
                continue
            assert _as_documented(defaults[name]) == doc_value, f"{name}: settings say {defaults[name]!r}"
            compared += 1
    assert compared >= 30  # the table still has its shape; a parsing slip must not pass vacuously


def test_test_only_settings_stay_out_of_production():
    assert "MD5PasswordHasher" not in _setting("PASSWORD_HASHERS")


def test_defaults_in_the_docs_tables_are_the_settings_defaults():
    # Rows such as "| Per member | 5 | `SEND_CAP_PER_MEMBER` | … |": one variable, one number.
    defaults = _environment_defaults()
    compared = 0
    for page in sorted((ROOT / "docs").glob("*.md")):
        for line in page.read_text().splitlines():
            if not line.startswith("|"):
                continue
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            variables = [name for cell in cells for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)]
            numbers = [cell.strip("`") for cell in cells if re.fullmatch(r"`?\d+(\.\d+)?`?", cell)]
            if len(variables) == 1 and len(numbers) == 1 and defaults.get(variables[0]) is not None:
                assert _as_documented(defaults[variables[0]]) == numbers[0], f"{page.name}: {line}"
                compared += 1
    assert compared >= 8
