from __future__ import annotations

import logging

import pytest

from sessions.log_redaction import RedactSelfServiceTokens, redact_tokens

TOKEN = "4rRvSpLS6HP-KiUpg7wbrO_zpKWNbzvYM5hkmTuOwoI"


@pytest.mark.parametrize(
    ("line", "redacted"),
    [
        ("Bad Request: /api/me/{t}/", "Bad Request: /api/me/[token]/"),
        ("Not Found: /api/me//{t}/", "Not Found: /api/me//[token]/"),
        ("/api/me///{t}/groups/x/leave/", "/api/me///[token]/groups/x/leave/"),
        ("/api/me/{t}/calendar.ics", "/api/me/[token]/calendar.ics"),
        ("/me/{t}/", "/me/[token]/"),
        ("/me/{t}", "/me/[token]"),
        ('"GET /api/join-requests/{t}/cancel/ HTTP/1.1" 200', '"GET /api/join-requests/[token]/cancel/ HTTP/1.1" 200'),
        ("/join-requests/{t}?x=1", "/join-requests/[token]?x=1"),
        ("/confirm/{t}/", "/confirm/[token]/"),
        ("/api/ME/{t}/", "/api/ME/[token]/"),
        ("/api/me%2F{t}%2F", "/api/me%2F[token]%2F"),
        ("/api/me/{t}%3F/", "/api/me/[token]/"),
        ("/verify?token={t}&next=/", "/verify?token=[token]&next=/"),
        ("/x?a=1&Key={t}", "/x?a=1&Key=[token]"),
    ],
)
def test_every_path_shape_that_carries_a_token_is_redacted(line, redacted):
    assert redact_tokens(line.format(t=TOKEN)) == redacted


@pytest.mark.parametrize("line", ["/api/groups/home-loss/", "/home/user/", "/api/meetings/12/", "/api/me/"])
def test_other_paths_are_left_alone(line):
    assert redact_tokens(line) == line


def test_the_filter_rewrites_tuple_and_mapping_arguments_in_place():
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s', (f"GET /me/{TOKEN}/", 200), None)
    RedactSelfServiceTokens().filter(record)
    assert record.getMessage() == '"GET /me/[token]/" 200'

    class Atoms(dict):  # gunicorn's access-log atoms are a dict subclass
        pass

    atoms = Atoms(r=f"GET /api/me/{TOKEN}/ HTTP/1.1", s="400")
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(s)s", None, None)
    record.args = atoms
    RedactSelfServiceTokens().filter(record)
    assert record.args is atoms
    assert record.getMessage() == "GET /api/me/[token]/ HTTP/1.1 400"
