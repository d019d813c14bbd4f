"""A small stand-in for Twilio's Messages API on 127.0.0.1, for the real twilio SDK.

It answers POST and GET /2010-04-01/Accounts/{sid}/Messages.json like Twilio
(form-encoded, HTTP basic auth, JSON bodies, Twilio-style paging with
next_page_uri, To/From/DateSent filters, newest first), records every message,
and injects faults on demand: an HTTP status with a Twilio error code (429,
500, 21610, 21211, 30003…), or a timeout in which the message *is* created but
the answer comes too late — the case that makes blind resending send twice.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "fake-twilio-auth-token"
FROM_NUMBER = "+12175550000"
PREFIX = "/2010-04-01/Accounts/"


@dataclass
class Fault:
    status: int = 500
    code: int | None = None
    message: str = "Injected fault"
    # Seconds to hold the answer after creating the message (a client-side timeout).
    delay: float = 0.0
    to: str | None = None  # only for messages to this number


@dataclass
class FakeTwilio:
    account_sid: str = ACCOUNT_SID
    auth_token: str = AUTH_TOKEN
    messages: list[dict] = field(default_factory=list)
    requests: int = 0
    faults: deque = field(default_factory=deque)
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    # Tests that inject "now" set this so message times agree with it.
    clock: object = None
    # Seconds every POST takes (to make "kill a worker mid-batch" land mid-batch).
    latency: float = 0.0

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # --- fault injection -------------------------------------------------------------
    def fail_next(self, count: int = 1, **fault) -> None:
        with self.lock:
            for _ in range(count):
                self.faults.append(Fault(**fault))

    def _take_fault(self, to: str) -> Fault | None:
        with self.lock:
            for fault in list(self.faults):
                if fault.to is None or fault.to == to:
                    self.faults.remove(fault)
                    return fault
        return None

    # --- records ---------------------------------------------------------------------------
    def sent_to(self, to: str) -> list[dict]:
        with self.lock:
            return [m for m in self.messages if m["to"] == to]

    def bodies(self) -> list[str]:
        with self.lock:
            return [m["body"] for m in self.messages]

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.faults.clear()
            self.requests = 0
            self.clock = None
            self.latency = 0.0

    def create(self, form: dict[str, str]) -> dict:
        now = self.clock() if callable(self.clock) else dt.datetime.now(dt.UTC)
        message = {
            "sid": "SM" + secrets.token_hex(16),
            "account_sid": self.account_sid,
            "to": form.get("To", ""),
            "from": form.get("From") or None,
            "messaging_service_sid": form.get("MessagingServiceSid") or None,
            "body": form.get("Body", ""),
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "date_created": format_datetime(now, usegmt=True),
            "date_updated": format_datetime(now, usegmt=True),
            "date_sent": format_datetime(now, usegmt=True),
            "error_code": None,
            "error_message": None,
            "price": None,
            "price_unit": "USD",
            "uri": "",
            # Not part of Twilio's resource; kept so tests can assert on what was asked.
            "_status_callback": form.get("StatusCallback"),
            "_validity_period": form.get("ValidityPeriod"),
            "_created": now,
        }
        message["uri"] = f"{PREFIX}{self.account_sid}/Messages/{message['sid']}.json"
        with self.lock:
            self.messages.append(message)
        return message

    def start(self, port: int = 0) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body go out in separate writes: without this, Nagle's
                # algorithm and delayed ACKs add 40 ms to every answer.
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, payload: dict) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _authorized(self) -> bool:
                header = self.headers.get("Authorization", "")
                if not header.startswith("Basic "):
                    return False
                user, _, password = base64.b64decode(header[6:]).decode().partition(":")
                return user == fake.account_sid and password == fake.auth_token

            def _path_ok(self, path: str) -> bool:
                return path == f"{PREFIX}{fake.account_sid}/Messages.json"

            def do_POST(self):  # noqa: N802
                with fake.lock:
                    fake.requests += 1
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                path = urlparse(self.path).path
                if not self._authorized():
                    return self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if not self._path_ok(path):
                    return self._send(404, {"code": 20404, "message": "Not found", "status": 404})
                if not form.get("To") or not form.get("Body"):
                    return self._send(400, {"code": 21604, "message": "A 'To' and 'Body' are required", "status": 400})
                if not (form.get("From") or form.get("MessagingServiceSid")):
                    return self._send(400, {"code": 21603, "message": "A 'From' is required", "status": 400})
                if fake.latency:
                    time.sleep(fake.latency)
                fault = fake._take_fault(form["To"])
                if fault is not None and fault.delay:
                    message = fake.create(form)
                    time.sleep(fault.delay)  # the client has given up by now
                    return self._send(201, _public(message))
                if fault is not None:
                    payload = {"status": fault.status, "message": fault.message}
                    if fault.code is not None:
                        payload["code"] = fault.code
                        payload["more_info"] = f"https://www.twilio.com/docs/errors/{fault.code}"
                    return self._send(fault.status, payload)
                return self._send(201, _public(fake.create(form)))

            def do_GET(self):  # noqa: N802
                parsed = urlparse(self.path)
                if not self._authorized():
                    return self._send(401, {"code": 20003, "message": "Authenticate", "status": 401})
                if not self._path_ok(parsed.path):
                    return self._send(404, {"code": 20404, "message": "Not found", "status": 404})
                query = {k: v[-1] for k, v in parse_qs(parsed.query).items()}
                with fake.lock:
                    items = list(fake.messages)
                items = [m for m in items if _matches(m, query)]
                items.sort(key=lambda m: m["_created"], reverse=True)
                page_size = min(int(query.get("PageSize", 50)), 1000)
                page = int(query.get("Page", 0))
                chunk = items[page * page_size : (page + 1) * page_size]
                base = {k: v for k, v in query.items() if k not in ("Page", "PageToken")}
                next_uri = None
                if (page + 1) * page_size < len(items):
                    next_uri = f"{parsed.path}?{urlencode({**base, 'Page': page + 1, 'PageToken': f'PA{page + 1}'})}"
                return self._send(
                    200,
                    {
                        "messages": [_public(m) for m in chunk],
                        "page": page,
                        "page_size": page_size,
                        "first_page_uri": f"{parsed.path}?{urlencode({**base, 'Page': 0})}",
                        "next_page_uri": next_uri,
                        "previous_page_uri": None,
                        "uri": self.path,
                        "start": page * page_size,
                        "end": page * page_size + len(chunk),
                    },
                )

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True, name="fake-twilio").start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _public(message: dict) -> dict:
    return {k: v for k, v in message.items() if not k.startswith("_")}


def _parse_when(value: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        parsed = parsedate_to_datetime(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


def _matches(message: dict, query: dict) -> bool:
    if "To" in query and message["to"] != query["To"]:
        return False
    if "From" in query and message["from"] != query["From"]:
        return False
    created = message["_created"]
    # Twilio compares DateSent by day: "DateSent>=2026-11-23" is what the SDK's
    # date_sent_after sends (as a date-time), so compare dates.
    if "DateSent>" in query and created.date() < _parse_when(query["DateSent>"]).date():
        return False
    if "DateSent<" in query and created.date() > _parse_when(query["DateSent<"]).date():
        return False
    if "DateSent" in query and created.date() != _parse_when(query["DateSent"]).date():
        return False
    return True


if __name__ == "__main__":
    # As a process (the production smoke run in .ci/): `python tests/fake_twilio.py PORT`.
    # Standard library only, so it runs in a venv made from requirements.txt alone.
    import sys

    server = FakeTwilio().start(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    print(server.url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        server.stop()
