"""A gunicorn server for the tests that need several worker processes: started on a free
loopback port, ready when it answers as the caller expects, stopped afterwards."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from e2e.harness import free_port

ROOT = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def gunicorn_server(
    app: str,
    *,
    workers: int,
    env: Mapping[str, str],
    ready: Callable[[httpx.Response], bool],
    headers: Mapping[str, str] | None = None,
) -> Iterator[str]:
    """``app`` ("module:callable") under gunicorn; yields its base URL once a GET of "/"
    answers ``ready`` (so the test knows it reached its own server, not another process
    that took the port)."""
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [gunicorn, "-w", str(workers), "-b", f"127.0.0.1:{port}", app],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if ready(httpx.get(f"{base}/", headers=dict(headers or {}), timeout=1)):
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                _, err = process.communicate(timeout=5)
                pytest.fail(f"gunicorn did not start: {err.decode()[-2000:]}")
            time.sleep(0.1)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
