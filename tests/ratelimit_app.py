"""The app tests/test_ratelimit_gunicorn.py serves with gunicorn: a rate limit whose
counters live in an SQLite store shared by every worker process."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from humangate import Config
from humangate.config import RateLimit
from humangate.wsgi import HumanGate

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def hello(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [f"pid {os.getpid()}".encode()]


app = HumanGate(
    hello,
    Config(
        secret_keys=[os.environ["HUMANGATE_TEST_SECRET"]],
        store=f"sqlite:///{os.environ['HUMANGATE_TEST_DB']}",
        default_action="allow",
        rate_limits=[
            RateLimit(
                'http.request.uri.path eq "/limited"',
                period=600,
                requests_per_period=int(os.environ["HUMANGATE_TEST_LIMIT"]),
            )
        ],
    ),
)
