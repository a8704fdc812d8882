"""A rate limit holds across 4 gunicorn worker processes sharing an SQLite store."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import SECRET
from tests.gunicorn_server import gunicorn_server

httpx = pytest.importorskip("httpx")
pytest.importorskip("gunicorn")

LIMIT = 25
SENT = 60


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    env = {
        "HUMANGATE_TEST_SECRET": SECRET,
        "HUMANGATE_TEST_DB": str(tmp_path / "store.sqlite3"),
        "HUMANGATE_TEST_LIMIT": str(LIMIT),
    }
    with gunicorn_server(
        "tests.ratelimit_app:app",
        workers=4,
        env=env,
        ready=lambda response: response.status_code == 200,
    ) as base:
        # The first worker answers before the others have booted; the test is about
        # several workers sharing the store, so wait until more than one takes requests.
        assert _workers_answering(base) > 1, "gunicorn's workers did not all start"
        yield base


def _workers_answering(base: str, timeout: float = 20.0) -> int:
    """How many worker processes answer a burst of concurrent requests (once it is >1)."""

    def pid(_: int) -> str:
        return httpx.get(f"{base}/", timeout=5).text

    seen: set[str] = set()
    deadline = time.monotonic() + timeout
    with ThreadPoolExecutor(max_workers=8) as pool:
        while len(seen) < 2 and time.monotonic() < deadline:
            seen.update(pool.map(pid, range(16)))
            time.sleep(0.1)
    return len(seen)


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
