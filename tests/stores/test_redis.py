"""Redis specifics against a real redis-server: key layout, unix sockets, and faults
(unreachable, server stopped mid-run, recovery after restart)."""

from __future__ import annotations

import socket

import pytest
import redis

from humangate.errors import StoreError
from humangate.stores import open_store
from tests.stores.conftest import unique_prefix
from tests.stores.redis_server import RedisServer, free_port

pytestmark = pytest.mark.redis


def test_keys_are_prefixed_and_expire_in_redis(redis_server: RedisServer) -> None:
    prefix = unique_prefix()
    store = open_store(f"{redis_server.url}?prefix={prefix}")
    store.spend("ticket", 30)
    store.incr("hits", 10)
    store.incr("hits", 10)
    raw = redis.Redis.from_url(redis_server.url)
    try:
        assert raw.get(f"{prefix}ticket") == b"1"
        assert 29_000 < raw.pttl(f"{prefix}ticket") <= 30_000
        assert raw.get(f"{prefix}hits") == b"2"
        assert 9_000 < raw.pttl(f"{prefix}hits") <= 10_000
        assert raw.exists("ticket") == 0  # nothing outside the prefix
    finally:
        raw.close()
        store.close()


def test_default_prefix(redis_server: RedisServer) -> None:
    store = open_store(redis_server.url)
    raw = redis.Redis.from_url(redis_server.url)
    key = unique_prefix()
    try:
        assert store.spend(key, 5) is True
        assert raw.exists(f"humangate:{key}") == 1
    finally:
        raw.close()
        store.close()


def test_unix_socket_uri(redis_server: RedisServer) -> None:
    store = open_store(f"{redis_server.unix_url}&prefix={unique_prefix()}")
    assert store.spend("ticket", 5) is True
    assert store.spend("ticket", 5) is False
    store.close()


def test_unreachable_server_is_store_error() -> None:
    store = open_store(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    with pytest.raises(StoreError, match=r"127\.0\.0\.1"):
        store.spend("ticket", 5)
    with pytest.raises(StoreError):
        store.incr("hits", 5)
    with pytest.raises(StoreError):
        store.is_spent("ticket")
    store.close()


async def test_unreachable_server_is_store_error_async() -> None:
    store = open_store(f"redis://127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreError):
        await store.aspend("ticket", 5)
    with pytest.raises(StoreError):
        await store.aincr("hits", 5)
    await store.aclose()


def test_unresponsive_server_times_out_as_store_error() -> None:
    # A socket that accepts but never answers (a hung or black-holed server).
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        host, port = silent.getsockname()
        store = open_store(f"redis://{host}:{port}/0")
        with pytest.raises(StoreError, match=r"(?i)timeout"):
            store.spend("ticket", 5)
        store.close()


def test_password_is_redacted_in_store_errors() -> None:
    store = open_store(f"redis://:hunter2@127.0.0.1:{free_port()}/0")
    with pytest.raises(StoreError) as caught:
        store.spend("ticket", 5)
    assert "hunter2" not in str(caught.value)
    store.close()


def test_server_stopped_then_restarted(private_redis: RedisServer) -> None:
    store = open_store(private_redis.url)
    assert store.spend("before", 60) is True
    assert store.incr("hits", 60) == 1

    private_redis.stop()
    with pytest.raises(StoreError):
        store.spend("during", 60)
    with pytest.raises(StoreError):
        store.incr("hits", 60)

    private_redis.start()  # same port, empty data (no persistence)
    assert store.spend("after", 60) is True
    assert store.spend("after", 60) is False
    assert store.incr("hits", 60) == 1  # the Lua script is reloaded transparently
    store.close()


async def test_server_stopped_then_restarted_async(private_redis: RedisServer) -> None:
    store = open_store(private_redis.url)
    assert await store.aspend("before", 60) is True
    assert await store.aincr("hits", 60) == 1

    private_redis.stop()
    with pytest.raises(StoreError):
        await store.aspend("during", 60)
    with pytest.raises(StoreError):
        await store.aincr("hits", 60)

    private_redis.start()
    assert await store.aspend("after", 60) is True
    assert await store.aincr("hits", 60) == 1
    await store.aclose()
