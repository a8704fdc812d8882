"""Requests per second through real servers (uvicorn, gunicorn) measured with wrk.

Bare and wrapped apps run with the same server and worker count; only the app differs.
Loopback only, bounded duration. Figures are printed, never asserted.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
WRK = "/usr/bin/wrk"


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    latency: str  # wrk's own average, with unit
    non_2xx: int
    errors: str


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_command(server: str, app: str, port: int, workers: int) -> list[str]:
    """The command line for ``server`` serving ``app`` (``bench.apps:<app>``, or a full
    ``module:attribute`` reference): "gunicorn" (sync workers, WSGI), "uvicorn-workers"
    (uvicorn's worker class under gunicorn, ASGI) or "uvicorn" (``uvicorn --workers``).

    Why not plain ``uvicorn --workers N`` by default: in that mode uvicorn creates the
    listening socket itself with proto 0, so asyncio never sets TCP_NODELAY on accepted
    connections and every keep-alive response waits ~40 ms for a delayed ACK: the server,
    not the app, becomes the bottleneck (see docs/performance.md). gunicorn sets NODELAY.
    """
    bind = f"127.0.0.1:{port}"
    quiet = ["--log-level", "warning"]
    app = app if ":" in app else f"bench.apps:{app}"
    if server == "gunicorn":  # sync workers: the default a WSGI site most likely runs
        return [
            str(VENV_BIN / "gunicorn"), "--bind", bind, "--workers", str(workers), *quiet, app,
        ]  # fmt: skip
    if server == "uvicorn-workers":
        return [
            str(VENV_BIN / "gunicorn"), "--bind", bind, "--workers", str(workers), *quiet,
            "--worker-class", "uvicorn.workers.UvicornWorker", app,
        ]  # fmt: skip
    return [
        str(VENV_BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(port),
        "--workers", str(workers), "--lifespan", "off", "--no-access-log", *quiet, app,
    ]  # fmt: skip


@contextlib.contextmanager
def running(
    server: str, app: str, workers: int, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Start ``server`` serving ``app`` (see server_command); yield its base URL; stop it.

    The server sees no HUMANGATE_* variable of ours, only those in ``env``.
    """
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("HUMANGATE_")},
        **(env or {}),
    }
    process = subprocess.Popen(
        server_command(server, app, port, workers),
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so the whole group (master + workers) can be stopped
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_ready(base, process)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _wait_ready(base: str, process: subprocess.Popen[bytes], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(base + "/", timeout=1)
            time.sleep(0.5)  # let the remaining workers finish booting too
            return
        time.sleep(0.1)
    raise RuntimeError(f"server at {base} did not answer within {timeout}s")


def probe(url: str, headers: dict[str, str]) -> tuple[int, str | None]:
    """One request first: the status wrk will see, and whether it was a challenge."""
    response = httpx.get(url, headers=headers, timeout=5)
    return response.status_code, response.headers.get("cf-mitigated")


def wrk(
    url: str, headers: dict[str, str], threads: int, connections: int, seconds: int
) -> WrkResult:
    command = [WRK, f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=True, timeout=seconds + 30
    ).stdout
    return parse(output)


def parse(output: str) -> WrkResult:
    """The figures of one wrk run's text output."""
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    latency = re.search(r"Latency\s+(\S+)", output)
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(r"Socket errors:(.*)", output)
    return WrkResult(
        requests_per_second=float(rps.group(1)) if rps else 0.0,
        latency=latency.group(1) if latency else "?",
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
        errors=errors.group(1).strip() if errors else "",
    )
