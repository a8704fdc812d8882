"""`make soak`: wrk on loopback against gunicorn and uvicorn for a bounded time.

For each server: cleared, challenged, garbage-solve and store-counted traffic, one kind
after another, with each worker's resident memory sampled after a warm-up and at the
end; then Redis (the store) is stopped, frozen (SIGSTOP) and restarted while cleared
and store-counted traffic keep coming. Prints requests, errors, 5xx and latency
percentiles per run and the memory per worker.

Exits non-zero on any 5xx, or when a worker's memory grew by more than GROWTH_BOUND_MIB
between the end of the warm-up and the end of the run: every cache on the request path
is capped (clearance cache, settle cache, per-process spent tickets, analytics buffers)
and their caps add up to well under that, so more means something grows without bound.

    python soak/run.py [--seconds 10] [--servers gunicorn uvicorn]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "sdk")]

import httpx  # noqa: E402

from bench.apps import BENCH_USER_AGENT  # noqa: E402
from bench.http_bench import WRK, _wait_ready, free_port, server_command  # noqa: E402
from humangate.testing import clearance_cookie  # noqa: E402
from soak.apps import soak_config  # noqa: E402
from tests.stores.redis_server import RedisServer  # noqa: E402

GROWTH_BOUND_MIB = 32
WORKERS = {"gunicorn": 2, "uvicorn": 1}  # uvicorn: one process, the worker itself
APPS = {"gunicorn": "soak.apps:wsgi", "uvicorn": "soak.apps:asgi"}
CONNECTIONS = 8

# Counts 5xx across wrk's threads and prints the figures in one parseable block.
LUA_REPORT = r"""
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) fivexx = 0 end
function response(status, headers, body)
  if status >= 500 then fivexx = fivexx + 1 end
end
function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + t:get("fivexx") end
  local e = summary.errors
  io.write(string.format("SOAK requests=%d fivexx=%d non2xx=%d errors=%d timeouts=%d\n",
    summary.requests, n, e.status, e.connect + e.read + e.write, e.timeout))
  for _, p in ipairs({50, 90, 99}) do
    io.write(string.format("SOAK p%d=%d\n", p, latency:percentile(p)))
  end
  io.write(string.format("SOAK max=%d\n", latency.max))
end
"""


@dataclass
class Run:
    label: str
    requests: int = 0
    fivexx: int = 0
    non2xx: int = 0
    errors: int = 0
    timeouts: int = 0
    micros: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        def ms(name: str) -> str:
            return f"{self.micros.get(name, 0) / 1000:8.1f}"

        return (
            f"  {self.label:<34} {self.requests:>8} {self.fivexx:>5} {self.non2xx:>7} "
            f"{self.errors + self.timeouts:>6} {ms('p50')} {ms('p90')} {ms('p99')} {ms('max')}"
        )


HEADER = (
    f"  {'run':<34} {'requests':>8} {'5xx':>5} {'non-2xx':>7} {'errors':>6} "
    f"{'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}"
)


@dataclass(frozen=True)
class Traffic:
    label: str
    path: str
    headers: dict[str, str]
    body: str | None = None  # a POST when set


def traffic() -> list[Traffic]:
    name, value = clearance_cookie(soak_config(), ip="127.0.0.1", user_agent=BENCH_USER_AGENT)
    ua = {"User-Agent": BENCH_USER_AGENT}
    cleared = {**ua, "Cookie": f"{name}={value}"}
    garbage = json.dumps({"ticket": "garbage" * 20, "nonce": 7, "signals": {"x": [1, 2]}})
    solve = f"{soak_config().path_prefix}solve"
    return [
        Traffic("cleared", "/", cleared),
        Traffic("challenged", "/", {**ua, "Accept": "text/html"}),
        Traffic("garbage solve", solve, {**ua, "Content-Type": "application/json"}, garbage),
        Traffic("store-counted (cleared, /api)", "/api/x", cleared),
    ]


def wrk(base: str, kind: Traffic, seconds: float, label: str = "") -> Run:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        if kind.body is not None:
            script.write(f'wrk.method = "POST"\nwrk.body = {json.dumps(kind.body)}\n')
        script.write(LUA_REPORT)
    command = [WRK, "-t2", f"-c{CONNECTIONS}", f"-d{max(1, round(seconds))}s", "-s", script.name]
    for header, value in kind.headers.items():
        command += ["-H", f"{header}: {value}"]
    try:
        output = subprocess.run(
            [*command, base + kind.path],
            capture_output=True,
            text=True,
            check=True,
            timeout=seconds + 60,
        ).stdout
    finally:
        os.unlink(script.name)
    return parse(label or kind.label, output)


def parse(label: str, output: str) -> Run:
    run = Run(label)
    for line in output.splitlines():
        if not line.startswith("SOAK "):
            continue
        for key, value in re.findall(r"(\w+)=(\d+)", line):
            if key in ("requests", "fivexx", "non2xx", "errors", "timeouts"):
                setattr(run, key, int(value))
            else:
                run.micros[key] = int(value)
    return run


# -- servers and their memory ---------------------------------------------------------


@contextlib.contextmanager
def serve(server: str, store: str) -> Iterator[tuple[str, int]]:
    """Start ``server`` with the soak app on a free port; yield (base URL, master pid)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUMANGATE_")}
    env["SOAK_STORE"] = store
    # SOAK_SDK: serve another checkout's humangate (e.g. main's) to compare figures.
    sdk = os.environ.get("SOAK_SDK", str(REPO / "sdk"))
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), sdk])
    process = subprocess.Popen(
        server_command(server, APPS[server], port, WORKERS[server]),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield base, process.pid
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            _, stderr = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            _, stderr = process.communicate(timeout=5)
        tracebacks = stderr.decode(errors="replace").count("Traceback")
        if tracebacks:
            print(f"  {server}: {tracebacks} traceback(s) on stderr:\n{stderr.decode()[-2000:]}")


def workers(master: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == master:
                    children.append(int(entry.name))
    return sorted(children) or [master]


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def memory(master: int) -> dict[int, float]:
    return {pid: rss_mib(pid) for pid in workers(master)}


# -- the scenarios --------------------------------------------------------------------


def steady(base: str, master: int, seconds: float) -> tuple[list[Run], list[str]]:
    kinds = traffic()
    for kind in kinds:  # warm-up: imports, caches, connections
        wrk(base, kind, 1)
    before = memory(master)
    runs = [wrk(base, kind, seconds) for kind in kinds]
    after = memory(master)
    problems = []
    for pid, start in before.items():
        end = after.get(pid)
        if end is None:
            problems.append(f"worker {pid} is gone (restarted during the run?)")
            continue
        grew = end - start
        print(f"  worker {pid}: RSS {start:.1f} MiB after warm-up, {end:.1f} MiB at the end "
              f"({grew:+.1f} MiB; bound +{GROWTH_BOUND_MIB})")  # fmt: skip
        if grew > GROWTH_BOUND_MIB:
            problems.append(f"worker {pid} grew by {grew:.1f} MiB")
    return runs, problems


def outage(
    base: str, redis: RedisServer, fault: str, seconds: float
) -> tuple[list[Run], list[str]]:
    """Cleared and store-counted traffic at once; the fault lasts the middle third."""
    kinds = [k for k in traffic() if k.label.startswith(("cleared", "store"))]
    actions: dict[str, tuple[Callable[[], None], Callable[[], None]]] = {
        "stopped": (redis.stop, redis.start),
        "frozen": (redis.freeze, redis.thaw),
        "restarted": (redis.restart, lambda: None),
    }
    begin, end = actions[fault]
    results: list[Run] = []

    def run(kind: Traffic) -> None:
        results.append(wrk(base, kind, seconds, f"{kind.label.split(' ')[0]}, redis {fault}"))

    threads = [threading.Thread(target=run, args=(kind,)) for kind in kinds]
    for thread in threads:
        thread.start()
    time.sleep(seconds / 3)
    begin()
    time.sleep(seconds / 3)
    end()
    for thread in threads:
        thread.join()
    # Back to normal within the circuit breaker's longest pause (8 s) plus slack.
    problems = []
    deadline = time.monotonic() + 20
    status = 0
    while time.monotonic() < deadline:
        status = httpx.get(base + "/api/x", headers=kinds[1].headers, timeout=5).status_code
        if status == 200:
            break
        time.sleep(0.2)
    if status != 200:
        problems.append(f"after redis {fault}: /api/x answers {status}")
    return sorted(results, key=lambda r: r.label), problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10, help="length of each wrk run")
    parser.add_argument("--servers", nargs="+", default=list(WORKERS), choices=list(WORKERS))
    args = parser.parse_args()
    problems: list[str] = []
    all_runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="hg-soak-") as workdir:
        redis = RedisServer(Path(workdir))
        redis.start()
        try:
            for server in args.servers:
                print(f"== {server} ({WORKERS[server]} worker(s)), store {redis.url}", flush=True)
                with serve(server, f"{redis.url}?prefix=soak-{server}:") as (base, master):
                    runs, found = steady(base, master, args.seconds)
                    for fault in ("stopped", "frozen", "restarted"):
                        more, also = outage(base, redis, fault, args.seconds)
                        runs += more
                        found += also
                print(HEADER)
                for run in runs:
                    print(run.line())
                    if run.fivexx:
                        found.append(f"{server} {run.label}: {run.fivexx} responses were 5xx")
                problems += [f"{server}: {p}" for p in found]
                all_runs += runs
        finally:
            redis.stop()
    total = sum(r.requests for r in all_runs)
    print(f"soak: {total} requests, {sum(r.fivexx for r in all_runs)} 5xx, "
          f"{sum(r.errors + r.timeouts for r in all_runs)} socket errors/timeouts")  # fmt: skip
    for problem in problems:
        print(f"FAIL {problem}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
