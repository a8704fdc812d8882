"""Proof-of-work solver speed in headless Chromium against native code, in one run.

Measures nonces/s of humangate's shipped worker (sdk/humangate/static/pow-worker.js) with
each engine (pure JavaScript, WebAssembly SIMD), of an Anubis-style baseline (one awaited
crypto.subtle.digest per nonce), and of native code on one core: a C program against
OpenSSL's libcrypto (bench/native_sha256.c, compiled here with gcc; with SHA-NI and, where
the CPU has it, with SHA-NI masked) and Python's hashlib. Every native solver hashes the
same input as the browser: a 64-byte seed block once (the midstate), then one final
block per nonce. Prints the figures and the ratios issue 4 asks for.

Each repeat measures every row once, so all rows see similar machine load; the table has
medians. Besides nonces per wall-clock second it shows nonces per CPU-second (Linux:
Chromium's CPU time from /proc, the C program's own), which stays meaningful when other
processes share the cores. Browser figures vary by about 20 % between runs; compare
within one run.

    PYTHONPATH=sdk .venv/bin/python bench/solver_hashrate.py [--seconds 3] [--repeats 3]

Needs gcc and OpenSSL's headers (Debian: gcc, libssl-dev) for the C rows; without them
those rows print as skipped.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import http.server
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

from humangate import pow

ROOT = Path(__file__).resolve().parent.parent
PAGE_DIR = ROOT / "js" / "bench" / "page"
STATIC_DIR = ROOT / "sdk" / "humangate" / "static"
NATIVE_SOURCE = ROOT / "bench" / "native_sha256.c"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SEED = "5eed" * 16  # the seed js/bench/page/bench.js uses
WARMUP_S = 0.7  # bench.js's default warm-up before its timed window
# OpenSSL reads CPU capabilities from this variable; "~" clears bits. After ":" come
# CPUID leaf 7's EBX (low 32 bits) and ECX; EBX bit 29 is the SHA extensions.
NO_SHA_NI = {"OPENSSL_ia32cap": ":~0x20000000"}


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
WASM, ANUBIS = SOLVERS[1].name, SOLVERS[2].name
NATIVE_SHA_NI = "native C/OpenSSL, SHA-NI"
NATIVE_SOFTWARE = "native C/OpenSSL, software"
NATIVE_AUTO = "native C/OpenSSL"
HASHLIB = "native Python hashlib"


@dataclass
class Row:
    name: str
    workers: str
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)  # nonces per CPU-second

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float | None:
        return statistics.median(self.cpus) if self.cpus else None


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


# ------------------------------------------------------------------ CPU time (Linux)


def chromium_cpu_seconds() -> float | None:
    """CPU time used so far by the Chromium processes this script started, or None."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    children: dict[int, list[int]] = {}
    fields: dict[int, tuple[str, list[str]]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            name, rest = (entry / "stat").read_text().rsplit(")", 1)
            pid, values = int(entry.name), rest.split()
            fields[pid] = (name.split("(", 1)[1], values)
            children.setdefault(int(values[1]), []).append(pid)
    ticks, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        if pid in fields and "chrom" in fields[pid][0]:
            values = fields[pid][1]
            ticks += int(values[11]) + int(values[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def with_cpu_window(
    measure: Callable[[], float], delay: float, seconds: float
) -> tuple[float, float | None]:
    """Runs `measure` (a rate over a window starting `delay` s after the call and lasting
    `seconds`) while sampling Chromium's CPU time over the same window. Returns (nonces
    per wall second, nonces per CPU-second or None)."""
    marks: list[float | None] = []

    def sample() -> None:
        time.sleep(delay)
        marks.append(chromium_cpu_seconds())
        time.sleep(seconds)
        marks.append(chromium_cpu_seconds())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    rate = measure()
    sampler.join()
    start, end = marks
    if start is None or end is None or end <= start:
        return rate, None
    return rate, rate * seconds / (end - start)


def browser_rate(
    page: Page, solver: Solver, workers: int, seconds: float
) -> tuple[float, float | None]:
    def measure() -> float:
        result = page.evaluate(
            "options => window.measure(options)",
            {
                "workerUrl": solver.worker,
                "workers": workers,
                "seconds": seconds,
                "task": solver.task,
            },
        )
        return float(result["rate"])

    return with_cpu_window(measure, WARMUP_S, seconds)


# ------------------------------------------------------------------ native yardsticks


def hashlib_rate(seconds: float) -> tuple[float, float]:
    """Nonces/s of hashlib with a midstate copy per nonce, on one core (wall, CPU)."""
    prefix = hashlib.sha256(SEED.encode())
    nonce = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    deadline = started + seconds
    while time.perf_counter() < deadline:
        for _ in range(20_000):
            h = prefix.copy()
            h.update(nonce.to_bytes(8, "big"))
            h.digest()
            nonce += 1
    return nonce / (time.perf_counter() - started), nonce / (time.process_time() - cpu_started)


def build_native(directory: Path) -> Path | str:
    """Compiles bench/native_sha256.c; returns the binary, or why the C rows are skipped."""
    gcc = shutil.which("gcc")
    if gcc is None:
        return "gcc not found (Debian: apt-get install gcc libssl-dev)"
    binary = directory / "native_sha256"
    command = [gcc, "-O2", "-o", str(binary), str(NATIVE_SOURCE), "-lcrypto"]
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        first_error = next((line for line in completed.stderr.splitlines() if "error" in line), "")
        hint = "cannot compile against OpenSSL libcrypto (Debian: apt-get install libssl-dev)"
        return f"{hint}: {first_error.strip()}"
    return binary


@functools.cache
def first_solution_16() -> int:
    return pow.solve(SEED, 16)


def native_rate(binary: Path, seconds: float, env: dict[str, str]) -> tuple[float, float]:
    """One run of the C program: (nonces per wall second, per CPU-second)."""
    completed = subprocess.run(
        [str(binary), SEED, str(seconds)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **env},
        timeout=seconds + 60,
    )
    wall, cpu, _nonces, first = completed.stdout.split()
    # The C program hashes exactly what the puzzle hashes, or its figure means nothing.
    if int(first) != first_solution_16():
        raise SystemExit(f"native_sha256 disagrees with humangate.pow: first 16-bit nonce {first}")
    return float(wall), float(cpu)


def cpu_has_sha_ni() -> bool | None:
    """Whether the CPU has the SHA extensions (None: cannot tell on this OS)."""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return "sha_ni" in line.split()
    return None


# ------------------------------------------------------------------------ report


def mega(rate: float | None) -> str:
    if rate is None:
        return "-"
    return f"{rate / 1e6:.2f} M" if rate >= 1e6 else f"{rate / 1e3:.0f} k"


def print_table(rows: list[Row]) -> None:
    print("nonces/s: all workers together, wall clock; per CPU-s: per busy core\n")
    print(f"{'solver':<30} {'workers':>7} {'nonces/s':>10} {'per CPU-s':>10}")
    for row in rows:
        print(f"{row.name:<30} {row.workers:>7} {mega(row.wall):>10} {mega(row.cpu):>10}")


def ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or denominator is None:
        return "-"
    return f"{numerator / denominator:.2f}"


def print_ratios(rows: dict[tuple[str, str], Row], skipped: str | None) -> None:
    wasm = rows.get((WASM, "1"))
    print("\nratios (wall clock; per CPU-second in brackets)")
    if skipped:
        print(f"  native C/OpenSSL: skipped: {skipped}")
    if wasm is None:
        return
    lines = []
    if (ANUBIS, "1") in rows:
        lines.append(("WASM SIMD / Anubis-style, 1 worker each", rows[(ANUBIS, "1")], ">= 20"))
    for key, native in rows.items():
        if key[0].startswith("native"):
            goal = ">= 0.5" if key[0].startswith("native C") else ""
            lines.append((f"WASM SIMD per worker / {native.name}", native, goal))
    for label, other, goal in lines:
        figures = f"{ratio(wasm.wall, other.wall):>6}  [{ratio(wasm.cpu, other.cpu):>5}]"
        print(f"  {label + ':':<57} {figures}  {'goal ' + goal if goal else ''}".rstrip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="window per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per median")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    options = parser.parse_args()
    seconds = options.seconds

    rows: dict[tuple[str, str], Row] = {}

    def record(name: str, workers: str, wall: float, cpu: float | None) -> None:
        row = rows.setdefault((name, workers), Row(name, workers))
        row.walls.append(wall)
        if cpu is not None:
            row.cpus.append(cpu)

    sha_ni = cpu_has_sha_ni()
    natives = [(NATIVE_SHA_NI, {}), (NATIVE_SOFTWARE, NO_SHA_NI)] if sha_ni else [(NATIVE_AUTO, {})]
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp, serve(Path(tmp)) as url, sync_playwright() as pw:
        site(Path(tmp))
        native = build_native(Path(tmp))
        skipped = native if isinstance(native, str) else None
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(f"{url}/index.html")
        page.wait_for_function("typeof window.measure === 'function'")
        info = page.evaluate("window.benchInfo()")
        for _ in range(options.repeats):
            for solver in SOLVERS:
                for workers in options.workers:
                    record(solver.name, str(workers), *browser_rate(page, solver, workers, seconds))
            if isinstance(native, Path):
                for name, env in natives:
                    record(name, "1 core", *native_rate(native, seconds, env))
            record(HASHLIB, "1 core", *hashlib_rate(seconds))
        browser.close()
    load_after = os.getloadavg()

    print(f"{info['agent']}\nhardwareConcurrency={info['cores']}, ", end="")
    print(f"median of {options.repeats} x {seconds:g} s, ", end="")
    print(f"load average {load_before[0]:.1f} before, {load_after[0]:.1f} after")
    if sha_ni is None:
        print("(cannot tell whether this CPU has SHA-NI; OpenSSL picked its fastest code)")
    print()
    print_table(list(rows.values()))
    if sha_ni and (NATIVE_SHA_NI, "1 core") in rows:
        hardware, software = rows[(NATIVE_SHA_NI, "1 core")], rows[(NATIVE_SOFTWARE, "1 core")]
        if (software.cpu or software.wall) > 0.8 * (hardware.cpu or hardware.wall):
            print("note: masking SHA-NI barely changed OpenSSL's speed; the mask may not apply")
    print_ratios(rows, skipped)


if __name__ == "__main__":
    main()
