"""`make bench`: humangate's benchmarks. Prints figures; asserts nothing about timings.

    .venv/bin/python bench/run.py            # everything (about twenty-five minutes)
    .venv/bin/python bench/run.py --quick    # shorter wrk runs, fewer browser visits

Parts: (a) pass-path throughput bare vs wrapped (valid clearance cookie), (b) challenge
answer throughput vs bare (HTML page and JSON problem, printed as a ratio of bare; beside
them a recorded copy of the page served with no gate work, the ceiling for its size), both
under uvicorn (ASGI) and gunicorn (WSGI) with wrk; (c) in-process microbenchmarks
(bench/micro.py) and the same requests' CPU instructions counted by valgrind
(bench/instructions.py: deterministic, unlike wall time on a shared VM), and the CPU
each call costs inside one uvicorn worker (bench/in_server.py: more than in process,
the server evicting the gate's code from the caches between calls), and there what each
part of the challenge page costs (bench/page_parts.py); (d) rule
evaluation (bench/rules_eval.py); (e) the solver hash rate (bench/solver_hashrate.py);
(f) solve-endpoint verifications per second, in process and over HTTP
(bench/solve_rate.py); (g) time to pass for a real headed Chromium at the default
difficulty (bench/time_to_pass.py).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))  # run as a script: make `bench` importable as a package
# The bench apps carry their own fixed secret; an exported one would override it.
os.environ.pop("HUMANGATE_SECRET_KEYS", None)

from bench import http_bench, micro  # noqa: E402
from bench.apps import BENCH_USER_AGENT, bench_config  # noqa: E402
from bench.apps import BROWSER_ACCEPT as HTML  # noqa: E402
from humangate.testing import clearance_cookie  # noqa: E402


@dataclass(frozen=True)
class Case:
    label: str
    app: str
    headers: dict[str, str]
    summary: str = ""  # its name in the wrapped-vs-bare summary line
    baseline: str = "bare"  # the bare case its ratio divides by


def cases() -> list[Case]:
    # The cookie binds to 127.0.0.1 and this exact User-Agent, which wrk sends via -H.
    name, value = clearance_cookie(bench_config(), ip="127.0.0.1", user_agent=BENCH_USER_AGENT)
    base = {"User-Agent": BENCH_USER_AGENT, "Accept": HTML}
    with_cookie = {**base, "Cookie": f"{name}={value}"}
    return [
        Case("bare", "bare", base),
        # The pass row's baseline gets the identical request, so its ratio is the gate's
        # own cost; the server parsing one more header line is not the middleware's
        # doing. The ratio against plain "bare" is printed as well.
        Case("bare, same request with cookie", "bare", with_cookie),
        Case(
            "wrapped, valid cookie (pass)",
            "wrapped",
            with_cookie,
            "pass path",
            baseline="bare, same request with cookie",
        ),
        # The same page bytes with none of the gate's work: the most a page this size allows.
        Case("canned page, no gate (the ceiling)", "canned", base, "canned page (ceiling)"),
        Case("wrapped, no cookie (challenge page)", "wrapped", base, "challenge page (HTML)"),
        Case(
            "wrapped, no cookie, JSON (challenge)",
            "wrapped",
            {**base, "Accept": "*/*"},
            "challenge (JSON problem)",
        ),
    ]


def http_table(args: argparse.Namespace) -> None:
    print(
        f"\nThroughput with wrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
        f"{args.workers} workers, loopback, {os.cpu_count()} CPUs (server and wrk share them); "
        f"best of {args.rounds} interleaved rounds"
    )
    columns = (
        "server",
        "case",
        "req/s",
        "ratio",
        "paired",
        "spread",
        "latency",
        "status",
        "non-2xx",
    )
    print("{:<15} {:<38} {:>9} {:>6} {:>6} {:>13} {:>9} {:>7} {}".format(*columns))
    ratios: dict[str, dict[str, float]] = {}
    for server, kind in ((args.asgi_server, "asgi"), ("gunicorn", "wsgi")):
        # This VM's speed drifts by tens of percent over minutes (other tenants): the
        # cases run in turn, several times, and each is reported by its best round, the
        # one least disturbed from outside (as timeit reports the fastest repeat).
        runs: dict[str, list[http_bench.WrkResult]] = {}
        notes: dict[str, str] = {}
        for _ in range(args.rounds):
            for case in cases():
                with http_bench.running(server, f"{kind}_{case.app}", args.workers) as base:
                    status, mitigated = http_bench.probe(base + "/", case.headers)
                    result = http_bench.wrk(
                        base + "/", case.headers, args.threads, args.connections, args.seconds
                    )
                runs.setdefault(case.label, []).append(result)
                notes[case.label] = f"{status}{'*' if mitigated else ''}"
        best = {
            label: max(r.requests_per_second for r in results) for label, results in runs.items()
        }
        for case in cases():
            results = runs[case.label]
            rates = [r.requests_per_second for r in results]
            rps = best[case.label]
            ratio = rps / best[case.baseline] if best[case.baseline] else 0.0
            paired = _paired_ratio(rates, [r.requests_per_second for r in runs[case.baseline]])
            if case.summary:
                ratios.setdefault(server, {})[case.summary] = ratio
            if case.baseline != "bare":
                plain = rps / best["bare"] if best["bare"] else 0.0
                ratios.setdefault(server, {})[f"{case.summary} vs bare without the cookie"] = plain
            top = max(results, key=lambda r: r.requests_per_second)
            errors = "; ".join(r.errors for r in results if r.errors)
            spread = f"{min(rates):.0f}-{max(rates):.0f}"
            failed = sum(r.non_2xx for r in results)
            print(
                f"{server:<15} {case.label:<38} {rps:>9.0f} {ratio:>6.2f} {paired:>6.2f} "
                f"{spread:>13} {top.latency:>9} {notes[case.label]:>7} {failed}"
                + (f"  socket errors: {errors}" if errors else "")
            )
    print("status: the probe request's status; * = answered with cf-mitigated: challenge")
    print(
        "ratio: best req/s of the row / best req/s of its bare baseline (same server): "
        "the pass row's is the bare app sent the identical request, cookie included"
    )
    print(
        "paired: the median over rounds of the row's req/s / its baseline's in the same round "
        "(the two run within a minute of each other: slower drifts of the VM's speed cancel)"
    )
    print("spread: the lowest and highest req/s of the rounds")
    print("\nWrapped vs bare (same server, same run; 1.00 = as fast as the bare app):")
    for server, answers in ratios.items():
        parts = [f"{label} {answers[label]:.2f}x bare" for label in answers]
        print(f"  {server:<15} " + ", ".join(parts))


def _paired_ratio(rates: list[float], baseline: list[float]) -> float:
    pairs = [rate / base for rate, base in zip(rates, baseline, strict=True) if base]
    return statistics.median(pairs) if pairs else 0.0


def run_script(name: str, title: str, *arguments: str) -> None:
    """Run another bench script in its own process and let it print its table."""
    print(f"\n{title} (bench/{name} {' '.join(arguments)})".replace(" )", ")"), flush=True)
    command = [sys.executable, "-m", f"bench.{name.removesuffix('.py')}", *arguments]
    completed = subprocess.run(command, cwd=REPO, check=False, timeout=600)
    if completed.returncode:
        print(f"bench/{name} exited with {completed.returncode}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 s wrk runs, at most 3 rounds")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved wrk rounds per case")
    parser.add_argument("--http-only", action="store_true", help="only the wrk throughput table")
    parser.add_argument(
        "--asgi-server",
        choices=("uvicorn-workers", "uvicorn"),
        default="uvicorn-workers",
        help="uvicorn-workers: gunicorn -k uvicorn.workers.UvicornWorker (default); "
        "uvicorn: uvicorn --workers N (slow on keep-alive, see docs/performance.md)",
    )
    args = parser.parse_args()
    if args.quick:
        args.seconds = 3
        args.rounds = min(args.rounds, 3)
    http_table(args)
    if args.http_only:
        return
    micro.main()
    requests = ("--requests", "1000") if args.quick else ()
    run_script("instructions.py", "Instructions per request", *requests)
    seconds = ("--seconds", "2", "--rounds", "1") if args.quick else ()
    run_script("in_server.py", "CPU per app call inside one uvicorn worker", *seconds)
    parts = ("--seconds", "2", "--rounds", "1") if args.quick else ()
    run_script("page_parts.py", "What each part of the challenge page costs in a worker", *parts)
    run_script("rules_eval.py", "Rule evaluation per request")
    run_script("solver_hashrate.py", "Solver hash rate")
    quick = ("--seconds", "3", "--bodies", "6000") if args.quick else ()
    run_script("solve_rate.py", "Solve-endpoint verifications per second", *quick)
    runs = ("--runs", "3") if args.quick else ()
    run_script("time_to_pass.py", "Time to pass, real headed Chromium", *runs)


if __name__ == "__main__":
    main()
