"""Hello-world apps for the benchmarks, bare and wrapped by humangate.

    gunicorn bench.apps:wsgi_bare      gunicorn bench.apps:wsgi_wrapped
    uvicorn bench.apps:asgi_bare       uvicorn bench.apps:asgi_wrapped

The wrapped apps challenge every request (managed_challenge) so a request without a
clearance measures the challenge answer and one with a cookie measures the pass path.
The memory store is enough: neither path touches a store (only solving does).

The canned apps answer every request with one challenge page recorded from the wrapped
app, headers and body, doing none of the gate's work: what sending a page of that size
costs the server, so the most any gate could reach with it.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable
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
IP = "127.0.0.1"  # the client address of every in-process request
# What a browser sends when it navigates: the challenge page's Accept.
BROWSER_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"


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


def wsgi_environ(cookie: str | None, accept: str = "text/html") -> dict[str, Any]:
    """A WSGI environ for GET / from a browser at IP, with ``cookie`` when given."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "QUERY_STRING": "",
        "REMOTE_ADDR": IP,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": BENCH_USER_AGENT,
        "HTTP_ACCEPT": accept,
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
    }
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return environ


wsgi_wrapped = WsgiGate(wsgi_bare, bench_config())
asgi_wrapped = AsgiGate(asgi_bare, bench_config())


def _recorded_page() -> tuple[str, list[tuple[str, str]], bytes]:
    """The wrapped WSGI app's challenge page for a browser: status, headers, body."""
    answer: list[Any] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        answer.extend((status, headers))
        return lambda data: None  # write(): the gate's answers never use it

    environ = wsgi_environ(None, BROWSER_ACCEPT)
    body = b"".join(wsgi_wrapped(environ, start_response))
    return answer[0], list(answer[1]), body


PAGE_STATUS, PAGE_HEADERS, PAGE_BODY = _recorded_page()
_PAGE_HEADERS_BYTES = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in PAGE_HEADERS]


def wsgi_canned(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response(PAGE_STATUS, PAGE_HEADERS)
    return [PAGE_BODY]


async def asgi_canned(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    headers: list[Any] = _PAGE_HEADERS_BYTES
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": PAGE_BODY})
