"""The widget's figures: time to token in a real browser, and siteverify throughput.

    .venv/bin/python -m bench.turnstile                  # everything (about two minutes)
    .venv/bin/python -m bench.turnstile --no-browser     # siteverify figures only
    .venv/bin/python -m bench.turnstile --runs 11 --difficulty 18

Time to token: a real headed Chromium (a plain process under Xvfb, fresh profile per
run, no Playwright; see e2e/harness.py) opens integrations/turnstile_plain's implicit
form page at the default difficulty (managed mode). A WSGI middleware outside humangate
stamps each request's arrival and each response's start with one monotonic clock; the
figure is the page request's arrival -> the start of the answer carrying the token (the
frame's solve). Browser start-up is not in it.

Siteverify: every request redeems a fresh, valid token (sealed up front with the app's
key ring), so each is a success: open the token, check sitekey and host, spend it in the
store. In process through ``Siteverifier`` and through ``humangate.turnstile.verify``;
over HTTP against gunicorn with wrk posting form bodies. Figures only, nothing asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

if __package__ in (None, ""):  # run as a file: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import http_bench
from bench.apps import BENCH_SECRET
from humangate.effects import run_sync
from humangate.stores import open_store
from humangate.tokens import KeyRing
from humangate.turnstile import verify
from humangate.turnstile.sitekeys import Sitekey, SitekeyBook
from humangate.turnstile.siteverify import Siteverifier, VerifyRequest
from humangate.turnstile.tokens import PURPOSES, WidgetContext, WidgetSeal

STAMPS_ENV = "BENCH_STAMPS_FILE"
SITEKEY = "0x4AAAAAAAbenchSitekey"
SECRET = "0x4AAAAAAAbench-widget-secret-0123456789"
WRK_TOTAL = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b")
LUA = """
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
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
function request()
  next_body = next_body % #bodies + 1
  return wrk.format(nil, "/.humangate/turnstile/v0/siteverify", nil, bodies[next_body])
end
"""


# -- siteverify --------------------------------------------------------------------------


def _sitekey() -> Sitekey:
    return Sitekey(SITEKEY, [SECRET], hostnames=["127.0.0.1"])


def tokens(count: int) -> list[str]:
    seal = WidgetSeal(KeyRing([BENCH_SECRET], purposes=PURPOSES))
    context = WidgetContext("bench", SITEKEY, "127.0.0.1", "login", "")
    now = time.time()
    return [seal.issue(context, client_ip="", ua_hash="", now=now)[1] for _ in range(count)]


def siteverify_app() -> Any:
    """For gunicorn: ``'bench.turnstile:siteverify_app()'``; store from $BENCH_STORE."""
    from bench.apps import wsgi_bare  # noqa: PLC0415
    from humangate import Config  # noqa: PLC0415
    from humangate.wsgi import HumanGate  # noqa: PLC0415

    config = Config(
        secret_keys=[BENCH_SECRET],
        store=os.environ.get("BENCH_STORE", "memory://"),
        default_action="allow",
        sitekeys=[_sitekey()],
        analytics=False,
    )
    return HumanGate(wsgi_bare, config)


def in_process(store_uri: str, via: str, batch: int, repeats: int = 5) -> float:
    best = 0.0
    if via == "verify()":
        siteverify_app()  # registers the secret with this process's gate
    verifier = Siteverifier(
        SitekeyBook([_sitekey()]), WidgetSeal(KeyRing([BENCH_SECRET], PURPOSES))
    )
    store = open_store(store_uri)
    for _ in range(repeats):
        values = tokens(batch)
        started = time.perf_counter()
        for value in values:
            if via == "verify()":
                ok = verify(value, secret=SECRET).success
            else:
                ok = run_sync(verifier.verify(VerifyRequest(SECRET, value)), store).success
            if not ok:
                raise RuntimeError("a fresh token did not verify")
        best = max(best, batch / (time.perf_counter() - started))
    store.close()
    return best


def over_http(store: str, count: int, workers: int, seconds: int) -> tuple[float, int, int]:
    with tempfile.TemporaryDirectory(prefix="hg-siteverify-") as folder:
        script, lines = Path(folder, "verify.lua"), Path(folder, "bodies.txt")
        script.write_text(LUA)
        bodies = [urlencode({"secret": SECRET, "response": v}) for v in tokens(count)]
        lines.write_text("\n".join(bodies) + "\n")
        env = {"BENCH_STORE": store.replace("{tmp}", folder)}
        with http_bench.running(
            "gunicorn", "bench.turnstile:siteverify_app()", workers, env=env
        ) as base:
            command = [
                http_bench.WRK, "-t2", "-c16", f"-d{seconds}s", "-s", str(script),
                base + "/", "--", str(lines), "2",
            ]  # fmt: skip
            output = subprocess.run(
                command, capture_output=True, text=True, check=True, timeout=seconds + 60
            ).stdout
    result = http_bench.parse(output)
    total = WRK_TOTAL.search(output)
    requests = int(total.group(1)) if total else 0
    # Every answer is 200 JSON; a reused body (bodies ran out) is a duplicate, not counted.
    return result.requests_per_second, requests, min(requests, count)


# -- time to token -------------------------------------------------------------------------


def stamped_app() -> Any:
    """gunicorn ``'bench.turnstile:stamped_app()'``: the example app, every request's
    arrival and response start appended to $BENCH_STAMPS_FILE (outside the gate)."""
    from integrations.turnstile_plain.app import application  # noqa: PLC0415

    path = os.environ[STAMPS_ENV]

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        arrived = time.monotonic()
        target = environ.get("PATH_INFO", "")

        def stamped(status: str, headers: Any, exc_info: Any = None) -> Any:
            code, done = status.split(maxsplit=1)[0], time.monotonic()
            with open(path, "a", encoding="utf-8") as out:
                out.write(f"{target} {code} {arrived:.6f} {done:.6f}\n")
            return start_response(status, headers, exc_info)

        return application(environ, stamped)

    return app


@contextlib.contextmanager
def _server(stamps: Path, difficulty: int | None) -> Iterator[str]:
    env = {STAMPS_ENV: str(stamps), "HUMANGATE_DEV_MODE": "1", "HUMANGATE_STORE": "memory://"}
    if difficulty is not None:
        env["HUMANGATE_DIFFICULTY"] = str(difficulty)
    with http_bench.running("gunicorn", "bench.turnstile:stamped_app()", 1, env=env) as base:
        yield base


def time_to_token(runs: int, difficulty: int | None) -> list[float]:
    from e2e.harness import plain_chromium, start_xvfb, stop_group  # noqa: PLC0415

    folder = Path(tempfile.mkdtemp(prefix="hg-ttt-"))
    display = start_xvfb(folder / "xvfb.log")
    seconds: list[float] = []
    try:
        stamps = folder / "stamps.txt"
        with _server(stamps, difficulty) as base:
            for run in range(runs):
                stamps.write_text("")
                with plain_chromium(f"{base}/?run={run}", display, folder / "chromium.log"):
                    deadline = time.monotonic() + 60
                    while time.monotonic() < deadline:
                        lines = [x.split() for x in stamps.read_text().splitlines()]
                        page = [float(x[2]) for x in lines if x[0] == "/"]
                        solved = [
                            float(x[3]) for x in lines if x[0].endswith("/solve") and x[1] == "200"
                        ]
                        if page and solved:
                            seconds.append(solved[0] - page[0])
                            break
                        time.sleep(0.1)
    finally:
        stop_group(display.process)
        shutil.rmtree(folder, ignore_errors=True)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--difficulty", type=int, default=None, help="default: the policy's")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()

    print("\nSiteverify: successful verifications per second (fresh token each)")
    folder = tempfile.mkdtemp(prefix="hg-siteverify-")
    for where, store, via in (
        ("in process, Siteverifier + run_sync", "memory://", "engine"),
        ("in process, Siteverifier + run_sync", f"sqlite:///{folder}/v.sqlite3", "engine"),
        ("in process, humangate.turnstile.verify()", "memory://", "verify()"),
    ):
        rate = in_process(store, via, args.batch)
        print(f"  {where:<42} {store.split(':')[0]:<7} {rate:>8.0f}/s  {1e6 / rate:>6.1f} µs each")
    shutil.rmtree(folder, ignore_errors=True)
    if not args.no_http:
        for store in ("memory://", "sqlite:///{tmp}/v.sqlite3"):
            rate, requests, fresh = over_http(store, 20000, 2, args.seconds)
            note = "" if requests <= fresh else f" (bodies ran out: {requests - fresh} duplicates)"
            label = store.split(":")[0]
            print(
                f"  {'HTTP, gunicorn 2 workers, wrk -t2 -c16':<42} {label:<7} {rate:>8.0f}/s{note}"
            )
    if args.no_browser:
        return
    seconds = time_to_token(args.runs, args.difficulty)
    if not seconds:
        print("time to token: no run produced a token")
        return
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    bits = args.difficulty if args.difficulty is not None else "default"
    print(
        f"\nWidget time to token, real headed Chromium, managed mode, difficulty {bits}: "
        f"median {statistics.median(seconds):.2f} s, p95 {p95:.2f} s, "
        f"min {ordered[0]:.2f} s, max {ordered[-1]:.2f} s over {len(seconds)}/{args.runs} runs"
    )


if __name__ == "__main__":
    main()
