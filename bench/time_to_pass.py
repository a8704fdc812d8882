"""Time to pass: a person's browser, from asking for a protected page to being let in.

    .venv/bin/python -m bench.time_to_pass                         # default difficulty, 7 runs
    .venv/bin/python -m bench.time_to_pass --difficulty 16 18 20 22 --runs 7
    .venv/bin/python -m bench.time_to_pass --browser firefox-esr
    .venv/bin/python -m bench.time_to_pass --without-workers csp   # main-thread fallback

A real headed Chromium (a plain process under Xvfb, fresh profile every run, no
Playwright: see e2e/harness.py) opens a protected URL of the example app (managed
challenge, uvicorn, SQLite store). Everything is timed on the server: a middleware
outside humangate stamps each request's arrival and each response's start with one
monotonic clock. Per run:

- total: first request for the protected URL -> the app's own 200 for it (challenge page,
  scripts, signals, proof-of-work, solve round trip, redirect). Browser start-up is not in it.
- pow: the ``elapsed_ms`` the page reported (proof-of-work only), from the server's
  ``humangate.signals`` line, with the ``solver`` that found the nonce.
- rest: total - pow.
- after: the solve POST's arrival -> the app's 200 (verification, cookie, redirect).

``--without-workers csp|no-worker`` measures the main-thread fallback instead: the page
gets a second CSP ``worker-src 'none'``, or loses ``window.Worker`` (e2e/fallback_app.py).

Median, min and max over the runs, per difficulty. Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a file: make `bench` and `e2e` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from humangate import Config
from humangate.asgi import ASGIApp, Message, Receive, Scope, Send

TIMINGS_ENV = "BENCH_TIMINGS_FILE"
FIXED_SECRET = "time-to-pass-0123456789abcdef-0123456789abcdef"
_SOLVE_LINE = re.compile(r"humangate\.signals solve .*?outcome=(\w+) .*?solver=(\S+) ms=(\S+)")


# -- the server side: a timing middleware around the example app ------------------------


def timed_app() -> ASGIApp:
    """uvicorn ``--factory bench.time_to_pass:timed_app``: the example app (with the
    ``humangate.signals`` log on stdout) behind a middleware that appends
    ``<monotonic> req|resp <method> <target> <status>`` lines to $BENCH_TIMINGS_FILE."""
    # Only in the server process. Paths under /fallback/<mode>/ lose their Workers.
    from e2e.fallback_app import application  # noqa: PLC0415

    path = Path(os.environ[TIMINGS_ENV])

    def stamp(kind: str, scope: Scope, status: int = 0) -> None:
        query = scope.get("query_string", b"").decode("latin-1")
        target = scope["path"] + ("?" + query if query else "")
        with path.open("a", encoding="utf-8") as out:
            out.write(f"{time.monotonic():.6f} {kind} {scope['method']} {target} {status}\n")

    async def timed(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await application(scope, receive, send)
            return
        stamp("req", scope)

        async def send_stamped(message: Message) -> None:
            if message["type"] == "http.response.start":
                stamp("resp", scope, int(message["status"]))
            await send(message)

        await application(scope, receive, send_stamped)

    return timed


# -- the browser side ---------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    reached: bool
    total_s: float = 0.0
    pow_s: float | None = None
    after_s: float | None = None
    solver: str = "-"
    solves: int = 0  # solve attempts the server saw for this visit (1 when all went well)


@dataclass(frozen=True)
class Stamp:
    at: float
    kind: str
    method: str
    target: str
    status: int


def read_stamps(path: Path) -> list[Stamp]:
    if not path.exists():
        return []
    stamps = []
    for line in path.read_text(encoding="utf-8").splitlines():
        at, kind, method, target, status = line.split(" ")
        stamps.append(Stamp(float(at), kind, method, target, int(status)))
    return stamps


def measure(stamps: list[Stamp], target: str, solve_lines: list[tuple[str, str, str]]) -> Run:
    asked = [s.at for s in stamps if s.kind == "req" and s.target == target]
    passed = [s.at for s in stamps if s.kind == "resp" and s.target == target and s.status == 200]
    if not asked or not passed:
        return Run(reached=False, solves=len(solve_lines))
    good = [line for line in solve_lines if line[0] == "passed"]
    pow_s, solver = None, "-"
    if good:
        _, solver, ms = good[-1]
        pow_s = int(ms) / 1000 if ms.isdigit() else None
    posted = [
        s.at
        for s in stamps
        if s.kind == "req" and s.method == "POST" and s.target.endswith("/solve")
        and asked[0] <= s.at <= passed[0]
    ]  # fmt: skip
    after_s = passed[0] - posted[-1] if posted else None
    return Run(True, passed[0] - asked[0], pow_s, after_s, solver, len(solve_lines))


def solve_lines(log: Path) -> list[tuple[str, str, str]]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return [(m[1], m[2], m[3]) for m in _SOLVE_LINE.finditer(text)]


Opener = Callable[[str, Any, Path], AbstractContextManager[Any]]


def opener(browser: str) -> Opener:
    from e2e.detect_support import plain_firefox  # noqa: PLC0415
    from e2e.harness import plain_chromium  # noqa: PLC0415

    return plain_firefox if browser == "firefox-esr" else plain_chromium


def browser_version(browser: str) -> str:
    binary = "/usr/bin/firefox-esr" if browser == "firefox-esr" else "/usr/bin/chromium"
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=20, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return browser
    return out.strip().splitlines()[0] if out.strip() else browser


@contextlib.contextmanager
def display(folder: Path) -> Iterator[Any]:
    from e2e.harness import start_xvfb, stop_group  # noqa: PLC0415

    started = start_xvfb(folder / "xvfb.log")
    try:
        yield started
    finally:
        stop_group(started.process)


def runs_at(
    difficulty: int, count: int, browser: str, screen: Any, folder: Path, without: str
) -> list[Run]:
    from e2e.harness import start_asgi_app, stop_group  # noqa: PLC0415

    workdir = folder / f"d{difficulty}"
    timings = workdir / "timings.txt"
    server = start_asgi_app(
        "bench.time_to_pass:timed_app",
        workdir,
        difficulty=difficulty,
        extra_env={TIMINGS_ENV: str(timings)},
        factory=True,
    )
    open_browser = opener(browser)
    results = []
    try:
        for number in range(count):
            prefix = f"/fallback/{without}" if without else ""
            target = f"{prefix}/ttp/d{difficulty}/run{number}?x=1"
            before = len(solve_lines(server.log_file))
            with open_browser(server.url(target), screen, workdir / "browser.log"):
                server.wait_for_hit(target, timeout=60 + 2 ** max(difficulty - 20, 0) * 10)
            time.sleep(0.2)  # the last log lines and stamps
            new = solve_lines(server.log_file)[before:]
            results.append(measure(read_stamps(timings), target, new))
    finally:
        stop_group(server.process)
    return results


def default_difficulty() -> int:
    """humangate's default bits for a managed challenge (an int, or a per-action policy)."""
    value: Any = Config(secret_keys=[FIXED_SECRET], store="memory://").difficulty
    return int(getattr(value, "managed_challenge", value))


# -- report -------------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    if not values:
        return "-"
    return f"{statistics.median(values):6.2f} [{min(values):.2f}-{max(values):.2f}]"


def p95(values: list[float]) -> str:
    """The 95th percentile (inclusive method: never beyond the largest value seen)."""
    if len(values) < 2:
        return "-"
    return f"{statistics.quantiles(values, n=20, method='inclusive')[-1]:.2f}"


def report(difficulty: int, runs: list[Run]) -> str:
    reached = [r for r in runs if r.reached]
    totals = [r.total_s for r in reached]
    pows = [r.pow_s for r in reached if r.pow_s is not None]
    rests = [r.total_s - r.pow_s for r in reached if r.pow_s is not None]
    afters = [r.after_s for r in reached if r.after_s is not None]
    solvers = Counter(r.solver for r in reached)
    solver_text = ", ".join(f"{name} x{n}" for name, n in solvers.most_common()) or "-"
    retried = sum(1 for r in reached if r.solves > 1)
    extra = f"  ({retried} needed >1 solve)" if retried else ""
    return (
        f"{difficulty:>10} {len(reached)}/{len(runs):<5} {spread(totals):>22} "
        f"{spread(pows):>22} {spread(rests):>22} {spread(afters):>22}  {solver_text}{extra}"
        f"  total p95 {p95(totals)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = default_difficulty()
    parser.add_argument(
        "--difficulty",
        type=int,
        nargs="+",
        default=[default],
        help=f"leading zero bits; several for a table (default: humangate's, {default})",
    )
    parser.add_argument("--runs", type=int, default=7, help="visits per difficulty")
    parser.add_argument("--browser", choices=("chromium", "firefox-esr"), default="chromium")
    parser.add_argument(
        "--without-workers",
        choices=("csp", "no-worker"),
        default="",
        help="measure the main-thread fallback: Workers blocked by CSP, or no Worker at all",
    )
    args = parser.parse_args()

    print(
        f"\nTime to pass: {browser_version(args.browser)}, headed under Xvfb, fresh profile "
        f"per run, {args.runs} runs per difficulty; managed challenge, uvicorn, SQLite store, "
        f"{os.cpu_count()} CPUs; seconds, median [min-max], timed server-side"
        + (f"; Workers taken away ({args.without_workers})" if args.without_workers else ""),
        flush=True,
    )
    header = ("difficulty", "passed", "total", "pow (page-reported)", "rest", "after", "solver")
    print("{:>10} {:<7} {:>22} {:>22} {:>22} {:>22}  {}".format(*header), flush=True)
    with tempfile.TemporaryDirectory(prefix="hg-time-to-pass-") as temp:
        folder = Path(temp)
        with display(folder) as screen:
            for difficulty in args.difficulty:
                runs = runs_at(
                    difficulty, args.runs, args.browser, screen, folder, args.without_workers
                )
                print(report(difficulty, runs), flush=True)
    print(
        "total: first request for the protected URL -> the app's 200 for it; pow: the "
        "page's elapsed_ms (proof-of-work only); rest = total - pow (page, scripts, "
        "signals, solve round trip, redirect); after: solve POST arrives -> app's 200. "
        "Browser start-up is not included."
    )


if __name__ == "__main__":
    main()
