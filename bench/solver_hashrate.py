"""Proof-of-work solver speed in headless Chromium, against two yardsticks in one run.

Measures nonces/s of humangate's shipped worker (sdk/humangate/static/pow-worker.js) with
each engine (pure JavaScript, WebAssembly SIMD), of
an Anubis-style baseline (one awaited crypto.subtle.digest per nonce) and of native code
(Python hashlib copying a precomputed midstate per nonce), and prints them as ratios.
Browser figures vary by about 20 % between runs, so compare within one run.

    PYTHONPATH=sdk .venv/bin/python bench/solver_hashrate.py [--seconds 3] [--repeats 3]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import shutil
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
PAGE_DIR = ROOT / "js" / "bench" / "page"
STATIC_DIR = ROOT / "sdk" / "humangate" / "static"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass(frozen=True)
class Solver:
    name: str
    worker: str  # file name served next to the page
    task: dict[str, Any]


SOLVERS = [
    Solver("humangate JS loop", "pow-worker.js", {"engine": "js"}),
    Solver("humangate WASM SIMD", "pow-worker.js", {"engine": "wasm"}),
    Solver("Anubis-style digest/nonce", "baseline-worker.js", {}),
]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def serve(directory: Path) -> Iterator[str]:
    """A throwaway static server on 127.0.0.1 (workers need http, not file://)."""
    handler = functools.partial(QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def site(directory: Path) -> None:
    for source in [*PAGE_DIR.iterdir(), *STATIC_DIR.iterdir()]:
        if source.is_file():
            shutil.copy(source, directory / source.name)


def native_rate(seconds: float) -> float:
    """Nonces/s of hashlib with a midstate copy per nonce, on one core."""
    prefix = hashlib.sha256(b"5eed" * 16)
    nonce = 0
    started = time.perf_counter()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(20_000):
            h = prefix.copy()
            h.update(nonce.to_bytes(8, "big"))
            h.digest()
            nonce += 1
    return nonce / (time.perf_counter() - started)


def browser_rate(page: Page, solver: Solver, workers: int, seconds: float) -> float:
    result = page.evaluate(
        "options => window.measure(options)",
        {"workerUrl": solver.worker, "workers": workers, "seconds": seconds, "task": solver.task},
    )
    return float(result["rate"])


def median_of(repeats: int, measure: Any) -> float:
    return statistics.median(measure() for _ in range(repeats))


def mega(rate: float) -> str:
    return f"{rate / 1e6:7.2f} M" if rate >= 1e6 else f"{rate / 1e3:7.0f} k"


def print_table(rows: list[tuple[str, int, float]], native: float) -> None:
    baseline = {workers: rate for name, workers, rate in rows if name.startswith("Anubis")}
    print(f"{'solver':<28} {'workers':>7} {'nonces/s':>10} {'x baseline':>11} {'x native':>9}")
    for name, workers, rate in rows:
        ratio = rate / baseline[workers] if workers in baseline else float("nan")
        print(f"{name:<28} {workers:>7} {mega(rate):>10} {ratio:>11.1f} {rate / native:>9.2f}")
    print(f"{'native hashlib midstate':<28} {'1 core':>7} {mega(native):>10}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="window per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per median")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()

    rows: list[tuple[str, int, float]] = []
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as url, sync_playwright() as pw:
        site(Path(tmp))
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url}/index.html")
        page.wait_for_function("typeof window.measure === 'function'")
        info = page.evaluate("window.benchInfo()")
        for solver in SOLVERS:
            for workers in options.workers:
                rate = median_of(
                    options.repeats,
                    lambda s=solver, w=workers: browser_rate(page, s, w, options.seconds),
                )
                rows.append((solver.name, workers, rate))
        browser.close()
    native = median_of(options.repeats, lambda: native_rate(options.seconds))

    print(f"{info['agent']}\nhardwareConcurrency={info['cores']}, ", end="")
    print(f"median of {options.repeats} x {options.seconds:g} s\n")
    print_table(rows, native)


if __name__ == "__main__":
    main()
