"""`make demo`: Lantern on embedded defaults, no servers to install.

SQLite in var/, kombu's filesystem transport as the Celery broker, SMS and
email printed to this terminal. Starts the web server, a worker and beat;
Ctrl-C stops all three.

DEMO_PORT (default 8000) picks the port; every link the demo prints, texts or
emails follows it (PUBLIC_BASE_URL is always http://localhost:DEMO_PORT here).
`python -m bin.demo sms +12175550142 YES` replies as a demo member: it runs
`manage.py simulate_sms` (Twilio's inbound handler) on the demo's database.
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

# DEBUG off: people trying the demo see Lantern's own pages (its "Page not found", not
# Django's technical 404 listing every URL pattern); whitenoise serves the collected static
# files, and errors still print their traceback in this terminal (the django.request log).
DEMO_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "demo-only-not-secret",
    "SMS_BACKEND": "console",
    # One line per email in the terminal; the full message is in the outbox and the admin.
    "EMAIL_BACKEND": "notifications.transports.ConsoleEmailBackend",
    "PYTHONUNBUFFERED": "1",
}
# The demo is plain http on localhost, so the transport security that DEBUG off turns on
# stays off whatever the shell carries: no redirect to https, cookies sent over http, and
# no HSTS header (a browser would otherwise insist on https for localhost for a year).
DEMO_PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "SECURE_HSTS_SECONDS": "0",
    "TRUST_X_FORWARDED_PROTO": "0",
}
DEFAULT_PORT = "8000"
# sessions.demo.FIRST_MEMBER_PHONE (not imported: Django is not set up in this process).
FIRST_MEMBER_PHONE = "+12175550142"


def demo_port(environ: dict[str, str]) -> str:
    port = (environ.get("DEMO_PORT") or DEFAULT_PORT).strip()
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"DEMO_PORT must be a port number (1-65535), got {port!r}")
    return port


def demo_env(environ: dict[str, str]) -> dict[str, str]:
    env = dict(environ)
    for key, value in DEMO_ENV.items():
        env.setdefault(key, value)
    # The demo is the embedded default: ignore service URLs a shell may carry.
    for key in ("DATABASE_URL", "CELERY_BROKER_URL", "CACHE_URL", "TWILIO_ACCOUNT_SID"):
        env.pop(key, None)
    env.update(DEMO_PLAIN_HTTP)
    # Links in texts, emails and feeds are built from PUBLIC_BASE_URL: it follows the port.
    env["PUBLIC_BASE_URL"] = f"http://localhost:{demo_port(environ)}"
    return env


def banner(base_url: str) -> str:
    # The reply command must build its links on the same port as the running demo.
    port = base_url.rsplit(":", 1)[-1]
    port_prefix = "" if port == DEFAULT_PORT else f"DEMO_PORT={port} "
    return f"""
Lantern demo is starting.
  Find a group       {base_url}/  (try 62701)
  Facilitators       {base_url}/facilitate/
  Group finder API   {base_url}/api/groups/?near=62701
  API docs           {base_url}/api/docs/
  OpenAPI schema     {base_url}/api/schema/
  Admin              {base_url}/admin/
  Health             {base_url}/healthz
  Logins (password lantern-demo): facilitator (leads the Springfield groups),
  coordinator (Prairie Hospice admin), admin (superuser)
Each text and email prints one line here; full bodies are in the admin's outbox.
Reply as a member (another terminal): {port_prefix}.venv/bin/python -m bin.demo sms {FIRST_MEMBER_PHONE} 1
  (1 or 2 to RSVP for the next session; YES, STOP, HELP; anything else goes to the facilitators' inbox)
Ctrl-C stops everything.
"""


def _manage(*args: str, env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def main(argv: list[str]) -> int:
    env = demo_env(dict(os.environ))
    if argv[:1] == ["sms"]:
        # The demo's own settings (SQLite in var/, console SMS), whatever the shell carries.
        return subprocess.run([sys.executable, "manage.py", "simulate_sms", *argv[1:]], cwd=ROOT, env=env).returncode
    port = demo_port(env)
    for folder in ("processed", "control"):
        (ROOT / "var" / "broker" / folder).mkdir(parents=True, exist_ok=True)
    _manage("migrate", "--no-input", env=env)
    _manage("collectstatic", "--no-input", "--verbosity", "0", env=env)
    _manage("load_places", env=env)
    _manage("load_demo", env=env)
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
    print(banner(env["PUBLIC_BASE_URL"]), flush=True)

    def _stop(signum, frame):
        raise KeyboardInterrupt

    # A terminal's Ctrl-C, or a SIGTERM from a supervisor: stop all three either way.
    signal.signal(signal.SIGTERM, _stop)
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
    sys.exit(main(sys.argv[1:]))
