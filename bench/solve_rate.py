"""Solve-endpoint verifications per second: in process and over HTTP (gunicorn + wrk).

    .venv/bin/python -m bench.solve_rate                 # both (about a minute)
    .venv/bin/python -m bench.solve_rate --no-http       # in process only
    .venv/bin/python -m bench.solve_rate --seconds 8 --bodies 20000

Every request is a *passing* solve of a fresh ticket: open the sealed ticket, check its
client binding, one SHA-256 for the proof-of-work, score the (passing) signal verdicts,
spend the ticket in the store, issue the clearance cookie, record the event. Tickets are
issued and solved up front (difficulty 4: the check costs one hash whatever the
difficulty), so the timed part is verification only. A reused body is a replay (403), so
there are enough bodies for the run; if wrk outruns them, the 2xx column says so.

In process: the engine driven with ``effects.run_sync`` (no adapter), and the same through
the WSGI adapter, best of 5 batches. Over HTTP: gunicorn (sync workers) on loopback, wrk
cycling through pre-made bodies with a Lua script (each wrk thread its own share).
Figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import atexit
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import http_bench
from bench.apps import BENCH_SECRET, BENCH_USER_AGENT, wsgi_bare
from humangate import Config
from humangate.effects import run_sync
from humangate.engine import Answer
from humangate.probes.oracle import solution_body
from humangate.request import Request
from humangate.signals import passing_signals
from humangate.wsgi import HumanGate

IP = "127.0.0.1"
DIFFICULTY = 4
CHALLENGE_JSON = re.compile(
    rb'<script id="humangate-challenge" type="application/json">(.*?)</script>'
)
WRK_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b")
LUA = """
-- Each wrk thread POSTs its own share of the bodies (lines i, i+T, ...), each once;
-- after the last one it starts over (replays, answered 403 and counted as non-2xx).
local bodies, next_body = {}, 0
function setup(thread)
  thread:set("id", setup_count or 0)
  setup_count = (setup_count or 0) + 1
end
function init(args)
  local path, threads, i = args[1], tonumber(args[2]), 0
  for line in io.lines(path) do
    if i % threads == id then bodies[#bodies + 1] = line end
    i = i + 1
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
end
function request()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, "/.humangate/solve", nil, bodies[next_body])
end
"""


def solve_config(store: str = "memory://") -> Config:
    return Config(
        secret_keys=[BENCH_SECRET],
        store=store,
        default_action="managed_challenge",
        difficulty=DIFFICULTY,
    )


def solve_app() -> HumanGate:
    """For gunicorn: ``'bench.solve_rate:solve_app()'``; store from $BENCH_SOLVE_STORE."""
    return HumanGate(wsgi_bare, solve_config(os.environ.get("BENCH_SOLVE_STORE", "memory://")))


def _environ(method: str, path: str, body: bytes = b"") -> dict[str, Any]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "REMOTE_ADDR": IP,
        "HTTP_HOST": "127.0.0.1",
        "HTTP_USER_AGENT": BENCH_USER_AGENT,
        "HTTP_ACCEPT": "text/html" if method == "GET" else "*/*",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _call(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[str, bytes]:
    status: list[str] = []

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status.append(line)

    body = b"".join(app(environ, start_response))
    return status[0], body


def make_bodies(gate: HumanGate, count: int) -> list[bytes]:
    """``count`` solve bodies, each for a fresh ticket ``gate`` issued to (IP, bench UA)."""
    bodies = []
    signals = passing_signals()
    for _ in range(count):
        status, page = _call(gate, _environ("GET", "/"))
        match = CHALLENGE_JSON.search(page)
        if not status.startswith("403") or match is None:
            raise RuntimeError(f"expected a challenge page, got {status}")
        data = json.loads(match.group(1))
        # A real browser's body: probe answers (known to the server), keyed proof-of-work,
        # the MAC over the whole body, and a click on the button in case managed asks.
        bodies.append(
            solution_body([BENCH_SECRET], data, signals=signals, elapsed_ms=1,
                          extra={"solver": "js"}, interaction="mouse")
        )  # fmt: skip
    return bodies


# -- in process ---------------------------------------------------------------------------


def in_process(store: str, via: str, batch: int, repeats: int = 5) -> tuple[float, Counter[int]]:
    """Best-of-``repeats`` verifications per second over ``batch`` fresh bodies each."""
    gate = HumanGate(wsgi_bare, solve_config(store))
    solve_path = gate.config.path_prefix + "solve"
    engine, backend = gate.gate.engine, gate.gate.store
    statuses: Counter[int] = Counter()
    best = 0.0
    for _ in range(repeats):
        bodies = make_bodies(gate, batch)
        if via == "engine":
            requests = [
                Request(
                    "POST",
                    solve_path,
                    headers=(
                        ("host", "127.0.0.1"),
                        ("user-agent", BENCH_USER_AGENT),
                        ("content-type", "application/json"),
                        ("content-length", str(len(body))),
                    ),
                    peer=IP,
                    body=body,
                )
                for body in bodies
            ]
            started = time.perf_counter()
            for request in requests:
                outcome = run_sync(engine.process(request), backend)
                statuses[outcome.response.status if isinstance(outcome, Answer) else 0] += 1
        else:
            environs = [_environ("POST", solve_path, body) for body in bodies]
            started = time.perf_counter()
            for environ in environs:
                statuses[int(_call(gate, environ)[0][:3])] += 1
        best = max(best, batch / (time.perf_counter() - started))
    return best, statuses


# -- over HTTP ----------------------------------------------------------------------------


def over_http(
    store: str, bodies: list[bytes], workers: int, threads: int, connections: int, seconds: int
) -> tuple[float, int, int]:
    """(passing solves/s, requests, non-2xx) for wrk against gunicorn."""
    with tempfile.TemporaryDirectory(prefix="hg-solve-rate-") as folder:
        env = {"BENCH_SOLVE_STORE": store.replace("{tmp}", folder)}
        script, lines = Path(folder, "solve.lua"), Path(folder, "bodies.txt")
        script.write_text(LUA)
        probe, rest = bodies[0], bodies[1:]
        lines.write_bytes(b"\n".join(rest) + b"\n")
        app = "bench.solve_rate:solve_app()"
        with http_bench.running("gunicorn", app, workers, env=env) as base:
            probed = httpx.post(
                base + "/.humangate/solve",
                content=probe,
                headers={"content-type": "application/json", "user-agent": BENCH_USER_AGENT},
                timeout=10,
            )
            if probed.status_code != 200:
                raise RuntimeError(f"probe solve answered {probed.status_code}: {probed.text}")
            command = [
                http_bench.WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s",
                "-H", f"User-Agent: {BENCH_USER_AGENT}", "-s", str(script),
                base + "/", "--", str(lines), str(threads),
            ]  # fmt: skip
            output = subprocess.run(
                command, capture_output=True, text=True, check=True, timeout=seconds + 60
            ).stdout
    result = http_bench.parse(output)
    total = WRK_TOTAL.search(output)
    count = int(total.group(1)) if total else 0
    passed = result.requests_per_second * (1 - result.non_2xx / count) if count else 0.0
    return passed, count, result.non_2xx


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=500, help="bodies per in-process batch")
    parser.add_argument("--bodies", type=int, default=10000, help="pre-made bodies for HTTP")
    parser.add_argument("--seconds", type=int, default=5, help="wrk duration")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--no-http", action="store_true", help="in-process figures only")
    args = parser.parse_args()

    print(
        f"\nSolve verifications per second (difficulty {DIFFICULTY}, managed_challenge, "
        "passing signals; ticket open + PoW + signals + spend + clearance)"
    )
    print(f"{'where':<44} {'store':<10} {'verif/s':>9} {'µs each':>8}  statuses")
    # The gates flush their analytics at exit (atexit, last registered runs first): the
    # SQLite file must outlive them, so its folder goes only after they are done.
    folder = tempfile.mkdtemp(prefix="hg-solve-rate-")
    atexit.register(shutil.rmtree, folder, True)
    sqlite = f"sqlite:///{folder}/solve.sqlite3"
    for where, store, via in (
        ("in process, engine + run_sync", "memory://", "engine"),
        ("in process, WSGI adapter", "memory://", "wsgi"),
        ("in process, engine + run_sync", sqlite, "engine"),
    ):
        rate, statuses = in_process(store, via, args.batch)
        label = store.split(":")[0]
        print(f"{where:<44} {label:<10} {rate:>9.0f} {1e6 / rate:>8.1f}  {dict(statuses)}")
    if args.no_http:
        return
    started = time.perf_counter()
    bodies = make_bodies(HumanGate(wsgi_bare, solve_config()), args.bodies + 1)
    made = time.perf_counter() - started
    print(f"({args.bodies} HTTP bodies made in {made:.1f} s, {len(bodies[0])} bytes each)")
    where = f"HTTP, gunicorn {args.workers} sync workers, wrk"
    for store in ("memory://", "sqlite:///{tmp}/solve.sqlite3"):
        passed, count, non_2xx = over_http(
            store, bodies, args.workers, args.threads, args.connections, args.seconds
        )
        label = store.split(":")[0]
        note = f"{count - non_2xx}/{count} 2xx" + (" (bodies ran out)" if non_2xx else "")
        print(f"{where:<44} {label:<10} {passed:>9.0f} {1e6 / max(passed, 1):>8.1f}  {note}")
    print(
        f"wrk -t{args.threads} -c{args.connections} -d{args.seconds}s on loopback; "
        f"{os.cpu_count()} CPUs shared by gunicorn and wrk. HTTP verif/s = 2xx answers/s; "
        "µs each = 1/rate (wall time per verification across workers)."
    )


if __name__ == "__main__":
    main()
