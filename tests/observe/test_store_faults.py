"""Store outages through the whole gate: never a 500, one warning, recovery afterwards.

Uses a real redis-server that the test stops and restarts, and a real SQLite file that
another connection holds locked.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from humangate.config import RateLimit
from tests.observe.helpers import gate, scrape, solve_once
from tests.stores.redis_server import RedisServer, free_port
from tests.support import WSGIClient

pytestmark = pytest.mark.redis

LIMITED = RateLimit('starts_with(http.request.uri.path, "/api")', requests_per_period=3)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def faulty_gate(uri: str, **overrides: Any) -> WSGIClient:
    return WSGIClient(gate(store=uri, rate_limits=[LIMITED], **overrides))


def wait_for(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "the store did not come back in time"
        time.sleep(0.05)


def breaker_closed(client: WSGIClient, path: str) -> bool:
    """Send a request that needs the store; whether the gate's circuit is closed after."""
    WSGIClient(client.app).request("GET", path)
    return bool(client.app.gate.store.breaker.state == "closed")


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if "store unavailable" in r.getMessage()]


def test_redis_stopped_mid_run_and_restarted(
    redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="humangate")
    client = faulty_gate(f"{redis.url}?prefix=fault:")
    assert solve_once(client, "/login").status == 200
    assert [client.request("GET", "/api").status for _ in range(4)] == [200, 200, 200, 429]

    redis.stop()
    statuses = []
    for _ in range(5):
        statuses.append(client.request("GET", "/login").status)  # clearance: no store
        statuses.append(WSGIClient(client.app).request("GET", "/api").status)  # fail open
        statuses.append(solve_once(WSGIClient(client.app), "/shop").status)  # fail closed
        statuses.append(scrape(client).status)  # analytics: 503, not 500
    assert statuses == [200, 200, 503, 503] * 5
    # One warning per purpose, however many requests hit the outage.
    assert sorted(m.split(":")[0] for m in warnings(caplog)) == [
        "store unavailable for analytics (counts kept in memory and retried)",
        "store unavailable for failure counts",
        "store unavailable for rate limits",
        "store unavailable for the metrics/dashboard endpoints",
        "store unavailable for ticket spending",
    ]

    redis.start()
    # The circuit breakers retry the store once their pause is over (1 s at first).
    wait_for(lambda: breaker_closed(client, "/api"))
    assert solve_once(WSGIClient(client.app), "/shop").status == 200
    wait_for(lambda: scrape(client).status == 200)
    text = scrape(client).body.decode()
    # Counts taken during the outage were kept in process and flushed afterwards.
    assert 'humangate_challenges_issued_total{level="managed",rule="shop"} 6.0' in text


def test_redis_unreachable_at_start() -> None:
    client = faulty_gate(f"redis://127.0.0.1:{free_port()}/0")
    assert client.request("GET", "/login").status == 403  # challenge page still served
    assert client.request("GET", "/api").status == 200
    response = solve_once(client, "/login")
    assert response.status == 503
    assert response.header("retry-after") == "5"


def test_ticket_failure_policy_open(redis: RedisServer) -> None:
    client = faulty_gate(f"{redis.url}?prefix=open:", store_failure="open")
    redis.stop()
    assert solve_once(client, "/login").status == 200  # the owner chose availability
    redis.start()


def test_rate_limit_failure_policy_closed(redis: RedisServer) -> None:
    client = faulty_gate(f"{redis.url}?prefix=closed:", rate_limit_store_failure="closed")
    redis.stop()
    assert client.request("GET", "/api").status == 429
    assert client.request("GET", "/elsewhere").status == 200  # only rate-limited paths
    redis.start()


def test_locked_sqlite(tmp_path: Path) -> None:
    path = tmp_path / "locked.db"
    client = faulty_gate(f"sqlite:///{path}?timeout=0.1")
    assert solve_once(client, "/login").status == 200
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    try:
        assert solve_once(WSGIClient(client.app), "/login").status == 503
        assert WSGIClient(client.app).request("GET", "/api").status == 200
        assert client.request("GET", "/login").status == 200
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    wait_for(lambda: breaker_closed(client, "/api"))
    assert solve_once(WSGIClient(client.app), "/login").status == 200
