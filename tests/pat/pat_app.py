"""The app tests/pat/test_workers.py serves with gunicorn: a managed challenge with a
trusted (test) issuer, its store an SQLite file every worker process shares. Each answer
says which worker gave it, so the test can tell that two processes took part."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from humangate import Config
from humangate.wsgi import HumanGate

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def hello(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"hello"]


gate = HumanGate(
    hello,
    Config(
        secret_keys=[os.environ["HUMANGATE_TEST_SECRET"]],
        store=f"sqlite:///{os.environ['HUMANGATE_TEST_DB']}",
        default_action="managed_challenge",
        difficulty=4,
        private_access_tokens=[os.environ["HUMANGATE_TEST_PAT_KEYS"]],
        analytics=False,
    ),
)


def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    def with_pid(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
        return start_response(status, [*headers, ("x-worker-pid", str(os.getpid()))], *exc)

    return gate(environ, with_pid)
