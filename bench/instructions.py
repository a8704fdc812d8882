"""CPU instructions per request, counted by valgrind (callgrind): bare vs wrapped.

Wall-clock figures on a shared VM swing by tens of percent from minute to minute; an
instruction count does not. Each case runs in its own Python process under callgrind
twice, making N requests and making none (same start-up, same imports, hash seed fixed),
and the difference divided by N is what one request costs. The requests are the
in-process ones of bench/micro.py (a hello-world app called directly, no server), so the
"added" column is exactly the gate's own work per request.

    .venv/bin/python -m bench.instructions            # needs valgrind (Debian: valgrind)
    .venv/bin/python -m bench.instructions --requests 5000
    .venv/bin/python -m bench.instructions --answers  # + challenge page and JSON rows
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# (label, interface, app, request kind); bare rows first, wrapped after. Kinds: "bare"
# (no cookie), "pass" (a valid clearance cookie), "html" and "json" (no cookie: the
# challenge page, or the JSON problem for a client that does not accept HTML).
CASES = [
    ("WSGI, bare hello-world", "wsgi", "wsgi_bare", "bare"),
    ("WSGI, wrapped, valid cookie (pass)", "wsgi", "wsgi_wrapped", "pass"),
    ("ASGI, bare hello-world", "asgi", "asgi_bare", "bare"),
    ("ASGI, wrapped, valid cookie (pass)", "asgi", "asgi_wrapped", "pass"),
]
ANSWERS = [
    ("WSGI, wrapped, challenge page (HTML)", "wsgi", "wsgi_wrapped", "html"),
    ("WSGI, wrapped, challenge (JSON problem)", "wsgi", "wsgi_wrapped", "json"),
    # uvicorn's page is the row furthest from the bare app in `make bench`.
    ("ASGI, wrapped, challenge page (HTML)", "asgi", "asgi_wrapped", "html"),
    ("ASGI, wrapped, challenge (JSON problem)", "asgi", "asgi_wrapped", "json"),
]
_COLLECTED = re.compile(r"Collected : (\d+)")


def child(interface: str, app_name: str, kind: str, requests: int) -> None:
    """Make ``requests`` requests (after a warm-up that fills every cache)."""
    from bench import apps, micro  # noqa: PLC0415 (only the child process needs them)

    app = getattr(apps, app_name)
    # The analytics flusher thread wakes on wall-clock time, so what it runs would differ
    # from run to run (about 2 % of a challenge answer): it is kept from starting, and
    # the counted requests' analytics are flushed once at the end instead (same work).
    recorder = app.gate.engine._analytics.recorder if hasattr(app, "gate") else None
    if recorder is not None:
        recorder._background = False
        recorder.stop()  # bench.apps records a page at import, which started the thread
        if recorder._thread is not None:
            recorder._thread.join()
    cookie = micro.pass_cookie() if kind == "pass" else None
    accept = "*/*" if kind == "json" else "text/html"  # the JSON problem: not a browser
    caller = micro.wsgi_caller if interface == "wsgi" else micro.asgi_caller
    call, statuses = caller(app, cookie, accept)
    for _ in range(100):
        call()
    expected = "403" if kind in ("html", "json") else "200"
    if not str(statuses[0]).startswith(expected):
        raise SystemExit(f"{app_name}: expected {expected}, got {statuses[0]}")
    for _ in range(requests):
        call()
    if recorder is not None:
        recorder.flush()


def instructions(interface: str, app: str, kind: str, requests: int) -> int:
    """Instructions the whole child process executed, under callgrind."""
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, "-m", "bench.instructions",
        "--child", interface, app, kind, str(requests),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONHASHSEED": "0"}  # same dict layouts in every run
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=900, check=False
    )
    found = _COLLECTED.search(done.stderr)
    if done.returncode or found is None:
        raise RuntimeError(f"callgrind run failed ({done.returncode}): {done.stderr[-800:]}")
    return int(found.group(1))


def per_request(case: tuple[str, str, str, str], requests: int) -> float:
    _, interface, app, kind = case
    with ThreadPoolExecutor(2) as pool:  # the two runs of a case side by side (2 CPUs)
        empty = pool.submit(instructions, interface, app, kind, 0)
        full = pool.submit(instructions, interface, app, kind, requests)
        return (full.result() - empty.result()) / requests


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000, help="requests per counted run")
    parser.add_argument(
        "--answers", action="store_true", help="also the challenge page and JSON problem rows"
    )
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        interface, app, kind, requests = args.child
        child(interface, app, kind, int(requests))
        return
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (Debian: apt-get install valgrind); skipped")
        return
    print(
        f"\nInstructions per request (valgrind callgrind, Python {sys.version.split()[0]}, "
        f"{args.requests} requests per run, in process, no server)"
    )
    print(f"{'case':<38} {'instructions':>12} {'added':>8} {'ratio':>6}")
    bare: dict[str, float] = {}
    for case in [*CASES, *(ANSWERS if args.answers else ())]:
        label, interface, _, kind = case
        # A challenge answer costs far more than a pass: fewer requests count it as well.
        count = per_request(case, args.requests if kind in ("bare", "pass") else 300)
        if kind == "bare":
            bare[interface] = count
            print(f"{label:<38} {count:>12.0f}", flush=True)
            continue
        added = count - bare[interface]
        print(f"{label:<38} {count:>12.0f} {added:>8.0f} {count / bare[interface]:>5.1f}x")
    print("added: the wrapped request minus the bare one, i.e. the gate's own instructions")


if __name__ == "__main__":
    main()
