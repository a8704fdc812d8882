"""A rate limit holds across 4 gunicorn worker processes sharing an SQLite store."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import SECRET

httpx = pytest.importorskip("httpx")
pytest.importorskip("gunicorn")

LIMIT = 25
SENT = 60
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "HUMANGATE_TEST_SECRET": SECRET,
        "HUMANGATE_TEST_DB": str(tmp_path / "store.sqlite3"),
        "HUMANGATE_TEST_LIMIT": str(LIMIT),
    }
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [gunicorn, "-w", "4", "-b", f"127.0.0.1:{port}", "tests.ratelimit_app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(f"{base}/", timeout=1).status_code == 200:
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


PERIOD = 600  # tests/ratelimit_app.py's window


def test_exactly_the_limit_is_allowed_across_workers(server: str) -> None:
    # Windows are aligned to the clock: start well inside one so that every request
    # below is counted in the same window.
    if PERIOD - time.time() % PERIOD < 15:
        time.sleep(PERIOD - time.time() % PERIOD + 0.5)

    def hit(_: int) -> tuple[int, str]:
        with httpx.Client(timeout=10) as client:
            response = client.get(f"{server}/limited", headers={"accept": "application/json"})
            pid = response.text if response.status_code == 200 else ""
            return response.status_code, pid

    with ThreadPoolExecutor(max_workers=12) as pool:
        results = list(pool.map(hit, range(SENT)))
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: LIMIT, 429: SENT - LIMIT}
    # The requests really were spread over several worker processes.
    assert len({pid for status, pid in results if status == 200}) > 1
    blocked = httpx.get(f"{server}/limited", headers={"accept": "application/json"})
    assert blocked.status_code == 429
    # Retry-After is the time left in the window, not the whole period.
    left = PERIOD - time.time() % PERIOD
    assert abs(int(blocked.headers["retry-after"]) - left) <= 2
    assert blocked.json()["status"] == 429
    assert httpx.get(f"{server}/").status_code == 200  # other paths are not limited
