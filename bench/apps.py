"""Hello-world apps for the benchmarks, bare and wrapped by humangate.

    gunicorn bench.apps:wsgi_bare      gunicorn bench.apps:wsgi_wrapped
    uvicorn bench.apps:asgi_bare       uvicorn bench.apps:asgi_wrapped

The wrapped apps challenge every request (managed_challenge) so a request without a
clearance measures the challenge answer and one with a cookie measures the pass path.
The memory store is enough: neither path touches a store (only solving does).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from humangate import Config
from humangate.asgi import HumanGate as AsgiGate
from humangate.wsgi import HumanGate as WsgiGate

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from humangate.asgi import Receive, Scope, Send

# Fixed so that bench/run.py can mint clearance cookies these processes accept.
BENCH_SECRET = "bench-secret-0123456789abcdef-0123456789abcdef"
# A browser engine must be named: a User-Agent naming none never passes a challenge.
BENCH_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36 humangate-bench/1"
)
BODY = b"hello, world\n"


def bench_config() -> Config:
    return Config(
        secret_keys=[BENCH_SECRET],
        store="memory://",
        default_action="managed_challenge",
        difficulty=18,
    )


def wsgi_bare(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain"), ("content-length", str(len(BODY)))])
    return [BODY]


async def asgi_bare(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":  # lifespan: nothing to set up
        return
    headers: list[Any] = [(b"content-type", b"text/plain"), (b"content-length", b"%d" % len(BODY))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


wsgi_wrapped = WsgiGate(wsgi_bare, bench_config())
asgi_wrapped = AsgiGate(asgi_bare, bench_config())
