"""bin/demo.py: the port, the links it prints and texts, replying as a member."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bin import demo
from sessions.demo import FIRST_MEMBER_PHONE

ROOT = Path(__file__).resolve().parents[1]


def test_every_link_follows_demo_port():
    env = demo.demo_env({"DEMO_PORT": "8123", "PATH": "/usr/bin"})
    assert env["PUBLIC_BASE_URL"] == "http://localhost:8123"
    links = re.findall(r"https?://\S+", demo.banner(env["PUBLIC_BASE_URL"]))
    assert links and all(link.startswith("http://localhost:8123/") for link in links)
    assert ":8000" not in demo.banner(env["PUBLIC_BASE_URL"])


def test_the_default_port_is_8000_and_a_bad_one_is_refused():
    assert demo.demo_env({})["PUBLIC_BASE_URL"] == "http://localhost:8000"
    with pytest.raises(SystemExit, match="DEMO_PORT"):
        demo.demo_env({"DEMO_PORT": "eighty"})


def test_the_demo_prints_one_line_per_email():
    assert demo.demo_env({})["EMAIL_BACKEND"] == "notifications.transports.ConsoleEmailBackend"


def test_texted_links_use_the_demo_port():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; print(settings.PUBLIC_BASE_URL)",
        ],
        cwd=ROOT,
        env={**demo.demo_env({**env, "DEMO_PORT": "8123"}), "DJANGO_SETTINGS_MODULE": "backend.settings"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "http://localhost:8123"


def test_the_banner_names_a_member_the_demo_really_has():
    assert demo.FIRST_MEMBER_PHONE == FIRST_MEMBER_PHONE
    assert FIRST_MEMBER_PHONE in demo.banner("http://localhost:8000")


def test_the_banner_points_at_the_pages_and_its_reply_command_keeps_the_port():
    default = demo.banner("http://localhost:8000")
    assert "http://localhost:8000/facilitate/" in default
    assert "DEMO_PORT" not in default
    other = demo.banner("http://localhost:8123")
    assert "DEMO_PORT=8123 .venv/bin/python -m bin.demo sms" in other


def test_the_demo_runs_with_debug_off_over_plain_http_whatever_the_shell_says():
    env = demo.demo_env({"SECURE_SSL_REDIRECT": "1", "SECURE_HSTS_SECONDS": "31536000", "CSRF_COOKIE_SECURE": "1"})
    assert env["DEBUG"] == "0"
    assert {key: env[key] for key in demo.DEMO_PLAIN_HTTP} == {
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "TRUST_X_FORWARDED_PROTO": "0",
    }


DEMO_404_CHECK = """
import re
import django
from django.conf import settings
from django.core.management import call_command
from django.test import Client

django.setup()
call_command("collectstatic", "--no-input", "--verbosity", "0")
client = Client()
missing = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
html = missing.content.decode()
stylesheet = re.search(r'href="(/static/[^"]+\\.css)"', html).group(1)
print(settings.DEBUG, missing.status_code, "Page not found" in html, "URLconf" in html)
print(stylesheet, client.get(stylesheet).status_code, "Strict-Transport-Security" in missing.headers)
"""


def test_a_missing_page_in_the_demo_is_lanterns_own_404_with_its_static_files(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", DEMO_404_CHECK],
        cwd=ROOT,
        env={
            **demo.demo_env(env),
            "DJANGO_SETTINGS_MODULE": "backend.settings",
            "STATIC_ROOT": str(tmp_path / "static"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        },
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    debug_404, static = result.stdout.strip().splitlines()
    assert debug_404 == "False 404 True False"
    assert static.endswith(" 200 False") and static.startswith("/static/css/lantern.")
