"""JavaScript Detections' cost: the HTML response path injected vs not, and the endpoint.

    .venv/bin/python -m bench.jsd                 # everything (about a minute)
    .venv/bin/python -m bench.jsd --seconds 10

Over HTTP, with wrk against gunicorn (sync workers, WSGI) and uvicorn's worker class under
gunicorn (ASGI), one worker
each, one run per line: a 10 KB HTML page through a gate that allows it, with
``js_detections`` off and on (the injected page: a browser's navigation headers), and
``GET {prefix}jsd/ticket`` as a page view asks it (a fresh result: the cheap answer;
no result: a ticket with its probe program). In process: the injector alone on the page,
and one whole detection (ticket, then the verified post: probe answers, proof of work,
verdicts, the ticket spent, the cookie sealed). Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import http_bench
from bench.apps import BENCH_SECRET, BENCH_USER_AGENT
from humangate import Config
from humangate.asgi import HumanGate as AsgiGate
from humangate.jsd.inject import Injector, script_tag
from humangate.probes.oracle import solution_body
from humangate.signals import passing_signals
from humangate.wsgi import HumanGate as WsgiGate

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from humangate.asgi import Receive, Scope, Send

PAGE = (
    b"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Shop</title>"
    b'<link rel=stylesheet href="/site.css"><script src="/app.js" defer></script></head>'
    b"<body>"
    + b"<p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>" * 160
    + b"</body></html>"
)
HEADERS = [("content-type", "text/html; charset=utf-8"), ("content-length", str(len(PAGE)))]
NAVIGATION = {
    "user-agent": BENCH_USER_AGENT,
    "accept": "text/html",
    "sec-fetch-dest": "document",
    "sec-fetch-mode": "navigate",
}


def config(js_detections: bool) -> Config:
    return Config(
        secret_keys=[BENCH_SECRET],
        store="memory://",
        default_action="allow",
        js_detections=js_detections,
        analytics=False,
    )


def wsgi_page(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    start_response("200 OK", list(HEADERS))
    return [PAGE]


async def asgi_page(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    headers: list[Any] = [(k.encode(), v.encode()) for k, v in HEADERS]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": PAGE})


wsgi_plain = WsgiGate(wsgi_page, config(False))
wsgi_injected = WsgiGate(wsgi_page, config(True))
asgi_plain = AsgiGate(asgi_page, config(False))
asgi_injected = AsgiGate(asgi_page, config(True))


def over_http(seconds: int) -> None:
    print(f"wrk -t2 -c16 -d{seconds}s, one worker, a {len(PAGE) // 1024} KB page")
    # uvicorn's worker class under gunicorn: plain `uvicorn` leaves TCP_NODELAY off and
    # measures delayed ACKs (bench/http_bench.py).
    for server, kind in (("gunicorn", "wsgi"), ("uvicorn-workers", "asgi")):
        for label, app in (("off", "plain"), ("on, injected", "injected")):
            with http_bench.running(server, f"bench.jsd:{kind}_{app}", 1) as base:
                status, _ = http_bench.probe(base + "/", NAVIGATION)
                result = http_bench.wrk(base + "/", NAVIGATION, 2, 16, seconds)
            print(
                f"  {server:15} {kind} page, js_detections {label:13} "
                f"{result.requests_per_second:9.0f} req/s  latency {result.latency:>8}"
                f"  (status {status}, non-2xx {result.non_2xx})"
            )
        with http_bench.running(server, f"bench.jsd:{kind}_injected", 1) as base:
            ticket = {"user-agent": BENCH_USER_AGENT, "sec-fetch-mode": "cors"}
            result = http_bench.wrk(base + "/.humangate/jsd/ticket", ticket, 2, 16, seconds)
        print(
            f"  {server:15} GET jsd/ticket, no result (a ticket)     "
            f"{result.requests_per_second:9.0f} req/s  latency {result.latency:>8}"
        )


def in_process(rounds: int) -> None:
    tag = script_tag("/.humangate/static/jsd.0123456789ab.js", "nonce123", workers=True)
    started = time.perf_counter()
    for _ in range(rounds * 10):
        injector = Injector(tag)
        injector.feed(PAGE)
        injector.end()
    per_page = (time.perf_counter() - started) / (rounds * 10) * 1e6
    print(f"in process: the injector on the {len(PAGE) // 1024} KB page {per_page:8.1f} µs")
    from tests.support import WSGIClient  # noqa: PLC0415 - the tests' WSGI driver

    client = WSGIClient(wsgi_injected, user_agent=BENCH_USER_AGENT)
    fetch = {"sec-fetch-site": "same-origin", "sec-fetch-mode": "cors"}
    ticket_s = post_s = 0.0
    for _ in range(rounds):
        client.cookies.clear()
        t0 = time.perf_counter()
        answer = client.request("GET", "/.humangate/jsd/ticket", headers=fetch, html=False)
        t1 = time.perf_counter()
        data = json.loads(answer.body)
        body = solution_body([BENCH_SECRET], data, signals=passing_signals(), purpose="jsd")
        t2 = time.perf_counter()
        posted = client.request(
            "POST",
            "/.humangate/jsd",
            body=body,
            headers={**fetch, "content-type": "application/json"},
            html=False,
        )
        t3 = time.perf_counter()
        assert posted.status == 200, posted.body
        ticket_s += t1 - t0
        post_s += t3 - t2
    print(f"in process: GET jsd/ticket (issue)          {ticket_s / rounds * 1e3:8.2f} ms")
    print(f"in process: POST jsd (verify, spend, seal)  {post_s / rounds * 1e3:8.2f} ms")
    fresh = client.request("GET", "/.humangate/jsd/ticket", headers=fetch, html=False)
    assert json.loads(fresh.body)["fresh"] is True
    t0 = time.perf_counter()
    for _ in range(rounds * 10):
        client.request("GET", "/.humangate/jsd/ticket", headers=fetch, html=False)
    fresh_ms = (time.perf_counter() - t0) / (rounds * 10) * 1e3
    print(f"in process: GET jsd/ticket (fresh result)   {fresh_ms:8.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--no-http", action="store_true")
    options = parser.parse_args()
    in_process(options.rounds)
    if not options.no_http:
        over_http(options.seconds)


if __name__ == "__main__":
    main()
