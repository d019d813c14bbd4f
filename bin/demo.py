"""`make demo`: Lantern on embedded defaults, no servers to install.

SQLite in var/, kombu's filesystem transport as the Celery broker, SMS and
email printed to this terminal. Starts the web server, a worker and beat;
Ctrl-C stops all three.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent

DEMO_ENV = {
    "DEBUG": "1",
    "SECRET_KEY": "demo-only-not-secret",
    "SMS_BACKEND": "console",
    "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend",
    "PUBLIC_BASE_URL": "http://localhost:8000",
    "PYTHONUNBUFFERED": "1",
}


def _env() -> dict[str, str]:
    env = dict(os.environ)
    for key, value in DEMO_ENV.items():
        env.setdefault(key, value)
    # The demo is the embedded default: ignore service URLs a shell may carry.
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "TWILIO_ACCOUNT_SID"):
        env.pop(key, None)
    return env


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main() -> int:
    env = _env()
    for folder in ("processed", "control"):
        (ROOT / "var" / "broker" / folder).mkdir(parents=True, exist_ok=True)
    _manage("migrate", "--no-input", env=env)
    _manage("load_places", env=env)
    _manage("load_demo", env=env)
    port = env.get("DEMO_PORT", "8000")
    processes = [
        subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"], cwd=ROOT, env=env
        ),
        subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "backend", "worker", "--pool=threads", "--concurrency=2", "-l", "INFO"],
            cwd=ROOT,
            env=env,
        ),
        subprocess.Popen(
            [str(VENV_BIN / "celery"), "-A", "backend", "beat", "-l", "INFO"],
            cwd=ROOT,
            env=env,
        ),
    ]
    print(
        f"""
Lantern demo is starting.
  Group finder API   http://localhost:{port}/api/groups/?near=62701
  API docs           http://localhost:{port}/api/docs/
  OpenAPI schema     http://localhost:{port}/api/schema/
  Admin              http://localhost:{port}/admin/
  Health             http://localhost:{port}/healthz
  Logins (password lantern-demo): facilitator (leads the Springfield groups),
  coordinator (Prairie Hospice admin), admin (superuser)
SMS and email are printed here. Ctrl-C stops everything.
""",
        flush=True,
    )
    try:
        while all(p.poll() is None for p in processes):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 10
        for p in processes:
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
