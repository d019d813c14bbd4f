"""/healthz: is the database reachable, is the broker reachable, is the gazetteer loaded.

A missing database or broker is 503 (the process cannot do its work). An empty
gazetteer is 200 with status "degraded": everything works except search by ZIP
code or town, which answers "No place matches" until `load_places` runs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from kombu import Connection

from sessions.models import Place

GAZETTEER_EMPTY = "empty: run `manage.py load_places`"


def _database_ok() -> tuple[bool, str]:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return True, "ok"
    except Exception as exc:  # any driver error means "down" here
        return False, type(exc).__name__


def _broker_ok() -> tuple[bool, str]:
    try:
        with Connection(
            settings.CELERY_BROKER_URL, transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS, connect_timeout=2
        ) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True, "ok"
    except Exception as exc:  # kombu raises transport-specific errors
        return False, type(exc).__name__


def _gazetteer_ok() -> tuple[bool, str]:
    try:
        return (True, "ok") if Place.objects.exists() else (False, GAZETTEER_EMPTY)
    except Exception as exc:  # the table may be missing before migrate
        return False, type(exc).__name__


def healthz(request):
    db_ok, db_detail = _database_ok()
    broker_ok, broker_detail = _broker_ok()
    gazetteer_ok, gazetteer_detail = _gazetteer_ok() if db_ok else (False, "unknown")
    up = db_ok and broker_ok
    body = {
        "status": ("ok" if gazetteer_ok else "degraded") if up else "unavailable",
        "database": db_detail,
        "broker": broker_detail,
        "gazetteer": gazetteer_detail,
    }
    return JsonResponse(body, status=200 if up else 503)
