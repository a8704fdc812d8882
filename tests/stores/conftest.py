from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from humangate.stores import Store, open_store
from tests.stores.redis_server import RedisServer

BACKENDS = ["memory", "sqlite", pytest.param("redis", marks=pytest.mark.redis)]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    """One real redis-server for the whole session; tests isolate by key prefix."""
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, which the test may stop and restart."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def unique_prefix() -> str:
    return f"test-{uuid.uuid4().hex}:"


@pytest.fixture(params=BACKENDS)
def store_uri(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty store of each backend in turn."""
    backend: str = request.param
    if backend == "memory":
        return "memory://"
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'store.db'}"
    server: RedisServer = request.getfixturevalue("redis_server")
    # Conformance checks behaviour, not latency: the 0.5 s production timeout
    # flaked here when other test servers loaded the machine.
    return f"{server.url}?prefix={unique_prefix()}&socket_timeout=5&socket_connect_timeout=5"


@pytest.fixture
def store(store_uri: str) -> Iterator[Store]:
    opened = open_store(store_uri)
    yield opened
    opened.close()
