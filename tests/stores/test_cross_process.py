"""Several real processes (spawned, as gunicorn workers are separate interpreters) on one
store: every key is spent exactly once overall and no increment is lost."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from humangate.stores import open_store
from tests.stores import mp_workers
from tests.stores.conftest import unique_prefix
from tests.stores.redis_server import RedisServer

KEYS = [f"ticket-{i}" for i in range(200)]


def _run(
    processes: int, target: Callable[..., None], args: Callable[[int], tuple[Any, ...]]
) -> list[Any]:
    """Start ``processes`` workers together (worker i gets ``args(i)``); return their results."""
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(processes)
    out = ctx.Queue()
    workers = [
        ctx.Process(target=target, args=(*args(index), start, out)) for index in range(processes)
    ]
    for worker in workers:
        worker.start()
    try:
        # Drain before joining: a child blocks on exit until its queued data is read.
        reports = [out.get(timeout=120) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    errors = [detail for status, detail in reports if status != "ok"]
    assert not errors, errors
    assert all(worker.exitcode == 0 for worker in workers)
    return [detail for _, detail in reports]


def _assert_each_key_spent_once(results: list[list[str]]) -> None:
    won = [key for worker_keys in results for key in worker_keys]
    assert len(won) == len(KEYS), f"{len(won)} successful spends for {len(KEYS)} keys"
    assert sorted(won) == sorted(KEYS)


def _assert_counts_add_up(results: list[list[int]], total: int) -> None:
    seen = sorted(value for worker_totals in results for value in worker_totals)
    assert seen == list(range(1, total + 1))


def test_sqlite_four_processes_spend_each_key_once(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    open_store(uri).close()  # the app (gunicorn master) creates the file first
    results = _run(4, mp_workers.spend_all, lambda i: (uri, KEYS, i))
    _assert_each_key_spent_once(results)


def test_sqlite_counters_across_processes_add_up(tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'shared.db'}"
    results = _run(4, mp_workers.count, lambda _: (uri, "hits", 100))
    _assert_counts_add_up(results, 400)
    store = open_store(uri)
    assert store.incr("hits", 60, amount=0) == 400
    store.close()


@pytest.mark.redis
def test_redis_two_processes_spend_each_key_once(redis_server: RedisServer) -> None:
    uri = f"{redis_server.url}?prefix={unique_prefix()}"
    results = _run(2, mp_workers.spend_all, lambda i: (uri, KEYS, i))
    _assert_each_key_spent_once(results)


@pytest.mark.redis
def test_redis_counters_across_processes_add_up(redis_server: RedisServer) -> None:
    uri = f"{redis_server.url}?prefix={unique_prefix()}"
    results = _run(2, mp_workers.count, lambda _: (uri, "hits", 200))
    _assert_counts_add_up(results, 400)
    store = open_store(uri)
    assert store.incr("hits", 60, amount=0) == 400
    store.close()
