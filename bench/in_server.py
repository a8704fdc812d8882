"""CPU time per app call inside a real ASGI server, bare vs wrapped (and a canned page).

bench/micro.py times the gate in process with warm caches; in a server the same code
costs more, because the server's own work between two requests evicts ours from the CPU
caches. This measures it where it happens: one uvicorn worker (under gunicorn, as
bench/run.py starts it) serves an app wrapped in a timer that sums ``time.thread_time()``
around each call (the app's own work, the gate's, and the server's work for the
response it sends), while wrk drives it. Rows:

- bare: the hello-world app; and sent a valid clearance cookie, the pass row's baseline;
- canned page: an app answering with a recorded challenge page, its headers and body as
  the gate sends them, without the gate's work: what the page's size and headers cost;
- wrapped, pass: a valid clearance cookie, passed to the app (its "vs bare" is against
  the bare app sent the same cookie, as in bench/run.py's pass row);
- wrapped, page / JSON problem: the gate answering each request itself;
- gate alone: each request first drives the wrapped gate through a challenge page in
  process (bench/micro.py's caller, no server send), timed, then is answered by the
  bare app, untimed. The same code costs about twice here what bench/micro.py times in
  a loop of its own: instruction savings show up in a server at least that large.

    .venv/bin/python -m bench.in_server              # ~3 min
    .venv/bin/python -m bench.in_server --seconds 8 --rounds 5

Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import http_bench, micro
from bench.apps import BENCH_USER_AGENT, asgi_bare, asgi_canned, asgi_wrapped, bench_config
from bench.apps import BROWSER_ACCEPT as HTML
from humangate.testing import clearance_cookie

Scope = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Any, Any], Awaitable[None]]
TIMING_FILE = "BENCH_TIMING_FILE"  # where the worker writes its running mean


class Timed:
    """Sums the calling thread's CPU time over each HTTP call of ``app``; every 500
    calls writes "calls mean-µs" to $BENCH_TIMING_FILE (the last line is the figure)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.calls = 0
        self.seconds = 0.0

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.thread_time()
        await self.app(scope, receive, send)
        self.seconds += time.thread_time() - started
        self.calls += 1
        self.report()

    def report(self) -> None:
        path = os.environ.get(TIMING_FILE)
        if path and self.calls % 500 == 0:
            with open(path, "a") as out:
                out.write(f"{self.calls} {self.seconds / self.calls * 1e6:.1f}\n")


class GateAlone:
    """Times only the gate's answer to a challenge request, driven in process inside
    this worker; the HTTP request itself is then answered by the bare app."""

    def __init__(self) -> None:
        self.timed = Timed(asgi_bare)
        self.gate_call, _ = micro.asgi_caller(asgi_wrapped, None)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await asgi_bare(scope, receive, send)
            return
        started = time.thread_time()
        self.gate_call()
        self.timed.seconds += time.thread_time() - started
        self.timed.calls += 1
        self.timed.report()
        await asgi_bare(scope, receive, send)


timed_bare = Timed(asgi_bare)
timed_canned = Timed(asgi_canned)
timed_wrapped = Timed(asgi_wrapped)
gate_alone = GateAlone()

# (label, app, Accept, sends the clearance cookie)
CASES = [
    ("bare", "timed_bare", HTML, False),
    ("bare, sent the cookie", "timed_bare", HTML, True),
    ("wrapped, pass (cookie)", "timed_wrapped", HTML, True),
    ("canned page (no gate)", "timed_canned", HTML, False),
    ("wrapped, challenge page", "timed_wrapped", HTML, False),
    ("wrapped, JSON problem", "timed_wrapped", "*/*", False),
    ("gate alone, page, no send", "gate_alone", HTML, False),
]


def measure(app: str, accept: str, seconds: int, cookie: str | None = None) -> tuple[float, float]:
    """(req/s, mean µs of CPU per app call) for one case: ``app`` is a :class:`Timed`
    app of this module by name, or of another as ``module:attribute``."""
    reference = app if ":" in app else f"bench.in_server:{app}"
    with tempfile.TemporaryDirectory() as folder:
        timing = Path(folder) / "timing"
        env = {TIMING_FILE: str(timing)}
        with http_bench.running("uvicorn-workers", reference, 1, env) as base:
            headers = {"User-Agent": BENCH_USER_AGENT, "Accept": accept}
            if cookie is not None:
                headers["Cookie"] = cookie
            result = http_bench.wrk(base + "/", headers, 1, 16, seconds)
        lines = timing.read_text().split() if timing.exists() else []
        return result.requests_per_second, float(lines[-1]) if lines else float("nan")


@dataclass(frozen=True)
class Row:
    """One case's figures over its rounds: medians, and the spread of µs per call."""

    rps: float
    micros: float
    spread: str


def in_rounds(
    cases: dict[str, tuple[str, str, str | None]], seconds: int, rounds: int
) -> dict[str, Row]:
    """Each case (label -> app reference, Accept, Cookie) measured once per round, the
    rounds interleaved (this machine's speed wanders from minute to minute)."""
    rates: dict[str, list[float]] = {label: [] for label in cases}
    micros: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(rounds):
        for label, (app, accept, cookie) in cases.items():
            rps, per_call = measure(app, accept, seconds, cookie)
            rates[label].append(rps)
            micros[label].append(per_call)
    return {
        label: Row(
            statistics.median(rates[label]),
            statistics.median(micros[label]),
            f"{min(micros[label]):.0f}-{max(micros[label]):.0f}",
        )
        for label in cases
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per case")
    args = parser.parse_args()
    print(
        f"\nOne uvicorn worker, wrk -t1 -c16 -d{args.seconds}s, loopback, {args.rounds} "
        "interleaved rounds; the median CPU time of the worker's thread per app call "
        "(time.thread_time)"
    )
    # The cookie binds to wrk's address and this User-Agent, as bench/run.py's does.
    name, value = clearance_cookie(bench_config(), ip="127.0.0.1", user_agent=BENCH_USER_AGENT)
    cookie = f"{name}={value}"
    rows = in_rounds(
        {label: (app, accept, cookie if sends else None) for label, app, accept, sends in CASES},
        args.seconds,
        args.rounds,
    )
    print(f"{'case':<26} {'req/s':>8} {'µs/call':>8} {'vs bare':>8} {'spread':>10}")
    bare_us = {False: 0.0, True: 0.0}  # the bare app's, without and with the cookie
    for label, app, _, sends_cookie in CASES:
        row = rows[label]
        if app == "timed_bare":
            bare_us[sends_cookie] = row.micros
        versus = "" if app == "gate_alone" else f"{row.micros - bare_us[sends_cookie]:+.1f}"
        print(f"{label:<26} {row.rps:>8.0f} {row.micros:>8.1f} {versus:>8} {row.spread:>10}")
    print(
        f"the gate alone's same call in a loop of its own (this process, warm caches): "
        f"{in_a_loop(gate_alone.gate_call):.1f} µs"
    )


def in_a_loop(call: Callable[[], None], calls: int = 3000, repeats: int = 5) -> float:
    """The fastest repeat's mean CPU µs per call."""
    for _ in range(calls):  # warm up: caches, the memory store's first entries
        call()
    best = float("inf")
    for _ in range(repeats):
        started = time.thread_time()
        for _ in range(calls):
            call()
        best = min(best, (time.thread_time() - started) / calls * 1e6)
    return best


if __name__ == "__main__":
    main()
