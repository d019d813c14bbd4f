"""Start real `celery -A backend worker` processes against a given database and broker
(used by the integration test and bench/dispatch.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.fake_twilio import ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).parent / "celery")


def database_url(settings_dict: dict) -> str:
    """The URL of the database Django is connected to (pytest's test_… database included)."""
    user = settings_dict.get("USER") or ""
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def worker_env(*, database: str, broker: str, twilio_url: str, extra: dict | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("CACHE_URL", "REQUIRE_SERVICES")}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "tests.notifications.worker_settings",
            "SECRET_KEY": "worker-test-secret",
            "DATABASE_URL": database,
            "CELERY_BROKER_URL": broker,
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": FROM_NUMBER,
            "TWILIO_MESSAGING_SERVICE_SID": "",
            "TWILIO_API_BASE_URL": twilio_url,
            "SMS_RATE_PER_SECOND": "0",
            "PUBLIC_BASE_URL": "https://lantern.test",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def start_worker(*, name: str, env: dict, pool: str = "solo", concurrency: int = 1, log=None) -> subprocess.Popen:
    command = [
        CELERY,
        "-A",
        "backend",
        "worker",
        f"--pool={pool}",
        f"--concurrency={concurrency}",
        "-n",
        f"{name}@%h",
        "-l",
        "WARNING",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
    ]
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log or subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop_worker(process: subprocess.Popen, *, kill: bool = False) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL if kill else signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)
