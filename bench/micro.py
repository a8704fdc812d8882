"""In-process costs, in microseconds per call (timeit; best of several repeats).

- clearance verification: one ClearanceCodec.verify (one AEAD open + comparisons)
- binding: Binding.fingerprint, the client network + User-Agent digest a verify needs
- WSGI and ASGI pass path: a wrapped hello-world call with a valid cookie minus the
  bare call (the ASGI coroutine driven by hand, no event loop)
- challenge answer: a wrapped call without a cookie (issues a ticket, renders the page,
  or the JSON problem body for a client that does not accept HTML)
- solve verification: pow.is_solution (one SHA-256)
"""

from __future__ import annotations

import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

from bench.apps import (
    BENCH_USER_AGENT,
    IP,
    asgi_bare,
    asgi_wrapped,
    bench_config,
    wsgi_bare,
    wsgi_environ,
    wsgi_wrapped,
)
from humangate import pow
from humangate.clearance import ClearanceCodec
from humangate.clientip import parse_ip
from humangate.levels import Level
from humangate.testing import clearance_cookie
from humangate.tokens import KeyRing


def per_call_us(func: Callable[[], object], number: int) -> float:
    """Best-of-5 microseconds per call: the least disturbed run is the truest cost."""
    return min(timeit.repeat(func, number=number, repeat=5)) / number * 1e6


def clearance_verify_us() -> float:
    config = bench_config()
    codec = ClearanceCodec(
        KeyRing(config.secret_keys, purposes=("clearance",)),
        ttl=config.passage_ttl,
        skew=0,
        xhr_grace=0,
    )
    binding = config.clearance_binding.fingerprint(parse_ip(IP), BENCH_USER_AGENT)
    _, value = codec.issue(Level.MANAGED, binding, time.time())
    assert codec.verify(value, binding, time.time()) is not None
    return per_call_us(lambda: codec.verify(value, binding, time.time()), 20_000)


def binding_fingerprint_us() -> float:
    """The keyed network+UA digest the pass path computes before it can verify."""
    binding = bench_config().clearance_binding
    address = parse_ip(IP)
    return per_call_us(lambda: binding.fingerprint(address, BENCH_USER_AGENT), 20_000)


def wsgi_caller(
    app: Callable[..., Any], cookie: str | None, accept: str = "text/html"
) -> tuple[Callable[[], None], list[str]]:
    """A function making one GET / through a WSGI app, and the statuses it saw."""
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        statuses.append(status)

    def call() -> None:
        b"".join(app(wsgi_environ(cookie, accept), start_response))

    return call, statuses


def asgi_caller(
    app: Callable[..., Any], cookie: str | None, accept: str = "text/html"
) -> tuple[Callable[[], None], list[int]]:
    """A function making one GET / through an ASGI app, the coroutine driven by hand (no
    event loop: the apps under test never await anything that suspends), and the
    statuses it saw."""
    headers = [
        (b"host", b"127.0.0.1"),
        (b"user-agent", BENCH_USER_AGENT.encode()),
        (b"accept", accept.encode()),
    ]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    def call() -> None:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": "/",
            "raw_path": b"/",
            "root_path": "",
            "query_string": b"",
            "headers": list(headers),
            "client": (IP, 50000),
            "server": ("127.0.0.1", 8000),
        }
        coroutine = app(scope, receive, send)
        try:
            coroutine.send(None)
        except StopIteration:
            return
        raise RuntimeError("the app suspended; this benchmark cannot drive it")

    return call, statuses


def pass_cookie() -> str:
    """A clearance cookie the bench apps accept from IP with BENCH_USER_AGENT."""
    name, value = clearance_cookie(bench_config(), ip=IP, user_agent=BENCH_USER_AGENT)
    return f"{name}={value}"


def wsgi_call_us(
    app: Callable[..., Any], cookie: str | None, number: int, accept: str = "text/html"
) -> tuple[float, str]:
    call, statuses = wsgi_caller(app, cookie, accept)
    call()
    return per_call_us(call, number), statuses[0]


def asgi_call_us(app: Callable[..., Any], cookie: str | None, number: int) -> float:
    call, statuses = asgi_caller(app, cookie)
    call()
    if statuses[0] != 200:
        raise RuntimeError(f"expected 200, got {statuses[0]}: the cookie was not accepted")
    return per_call_us(call, number)


def is_solution_us() -> float:
    seed = pow.new_seed()
    nonce = pow.solve(seed, 8)
    return per_call_us(lambda: pow.is_solution(seed, nonce, 8), 100_000)


def main() -> None:
    cookie = pass_cookie()
    bare, bare_status = wsgi_call_us(wsgi_bare, None, 20_000)
    passed, pass_status = wsgi_call_us(wsgi_wrapped, cookie, 20_000)
    challenged, challenge_status = wsgi_call_us(wsgi_wrapped, None, 2_000)
    problem, problem_status = wsgi_call_us(wsgi_wrapped, None, 2_000, accept="*/*")
    asgi_plain = asgi_call_us(asgi_bare, None, 20_000)
    asgi_passed = asgi_call_us(asgi_wrapped, cookie, 20_000)
    rows = [
        ("ClearanceCodec.verify", clearance_verify_us(), ""),
        ("Binding.fingerprint (per request)", binding_fingerprint_us(), ""),
        ("WSGI call, bare hello-world", bare, bare_status),
        ("WSGI call, wrapped + valid cookie", passed, pass_status),
        ("  = added by the pass path", passed - bare, ""),
        ("ASGI call, bare hello-world", asgi_plain, "200"),
        ("ASGI call, wrapped + valid cookie", asgi_passed, "200"),
        ("  = added by the pass path", asgi_passed - asgi_plain, ""),
        ("WSGI call, wrapped, challenge page", challenged, challenge_status),
        ("WSGI call, wrapped, JSON challenge", problem, problem_status),
        ("pow.is_solution (solve check)", is_solution_us(), ""),
    ]
    print(f"\nIn-process costs (Python {sys.version.split()[0]}, best of 5, µs per call)")
    print(f"{'what':<38} {'µs/call':>9}  status")
    for label, micros, status in rows:
        print(f"{label:<38} {micros:>9.2f}  {status}")
    if not pass_status.startswith("200"):
        print("WARNING: the clearance cookie was not accepted; the pass-path row is wrong")


if __name__ == "__main__":
    main()
