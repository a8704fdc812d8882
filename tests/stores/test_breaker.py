"""The circuit breaker in front of every store: fail fast after the first failures, one
probe at a time once the pause is over, recovery on the first success."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from humangate.errors import StoreError
from humangate.stores.breaker import (
    FAILURES_TO_OPEN,
    CircuitBreaker,
    GuardedStore,
    open_guarded_store,
)
from humangate.stores.memory import MemoryStore


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class FlakyStore(MemoryStore):
    """A MemoryStore that fails while ``down`` and counts every call that reached it."""

    def __init__(self) -> None:
        super().__init__()
        self.down = False
        self.calls = 0

    def is_spent(self, key: str) -> bool:
        self._reach()
        return super().is_spent(key)

    def _reach(self) -> None:
        self.calls += 1
        if self.down:
            raise StoreError("timeout reading from the store")

    def spend(self, key: str, ttl: float) -> bool:
        self._reach()
        return super().spend(key, ttl)

    def incr(self, key: str, window: float, amount: int = 1) -> int:
        self._reach()
        return super().incr(key, window, amount)

    # MemoryStore's coroutines call these methods, so they fail and count too.


def guarded() -> tuple[GuardedStore, FlakyStore, Clock]:
    clock, inner = Clock(), FlakyStore()
    return (
        GuardedStore(inner, CircuitBreaker(clock=clock, first_pause=1, max_pause=8)),
        inner,
        clock,
    )


def test_opens_after_consecutive_failures_and_stops_asking() -> None:
    store, inner, _ = guarded()
    inner.down = True
    for _ in range(FAILURES_TO_OPEN):
        with pytest.raises(StoreError, match="timeout"):
            store.spend("k", 5)
    assert store.breaker.state == "open"
    for _ in range(100):
        with pytest.raises(StoreError, match="not asked"):
            store.incr("c", 5)
    assert inner.calls == FAILURES_TO_OPEN  # the 100 never reached the store
    assert (store.breaker.attempts, store.breaker.refused) == (FAILURES_TO_OPEN, 100)


def test_one_failure_then_success_keeps_it_closed() -> None:
    store, inner, _ = guarded()
    inner.down = True
    with pytest.raises(StoreError):
        store.spend("k", 5)
    inner.down = False
    assert store.spend("k", 5) is True
    inner.down = True
    with pytest.raises(StoreError, match="timeout"):
        store.spend("j", 5)
    assert store.breaker.state == "closed"  # failures must be consecutive


def test_probe_after_the_pause_closes_on_success() -> None:
    store, inner, clock = guarded()
    inner.down = True
    for _ in range(FAILURES_TO_OPEN):
        with pytest.raises(StoreError):
            store.spend("k", 5)
    inner.down = False  # the store is back, but the breaker does not know yet
    clock.now += 0.9
    with pytest.raises(StoreError, match="not asked"):
        store.spend("k", 5)
    clock.now += 0.1
    assert store.spend("k", 5) is True  # the probe
    assert store.breaker.state == "closed"
    assert store.incr("c", 5) == 1


def test_failed_probes_double_the_pause_up_to_the_cap() -> None:
    store, inner, clock = guarded()
    inner.down = True
    for _ in range(FAILURES_TO_OPEN):
        with pytest.raises(StoreError):
            store.spend("k", 5)
    pauses = []
    for _ in range(6):
        calls = inner.calls
        waited = 0.0
        while True:  # step the clock until the next probe reaches the store
            clock.now += 0.25
            waited += 0.25
            with pytest.raises(StoreError):
                store.spend("k", 5)
            if inner.calls > calls:
                break
        pauses.append(waited)
    assert pauses == [1.0, 2.0, 4.0, 8.0, 8.0, 8.0]


def test_only_one_probe_at_a_time() -> None:
    clock = Clock()
    breaker = CircuitBreaker(clock=clock, failures_to_open=1, first_pause=1)
    with pytest.raises(StoreError):
        breaker.call(lambda: (_ for _ in ()).throw(StoreError("down")))
    clock.now += 1
    seen = []

    def probe() -> str:
        # While the probe is in flight, everybody else still fails fast.
        with pytest.raises(StoreError, match="not asked"):
            breaker.call(lambda: "second")
        seen.append(breaker.state)
        return "first"

    assert breaker.call(probe) == "first"
    assert seen == ["half-open"]
    assert breaker.state == "closed"


def test_a_probe_that_ends_without_a_store_error_frees_the_slot() -> None:
    clock = Clock()
    breaker = CircuitBreaker(clock=clock, failures_to_open=1, first_pause=1)
    with pytest.raises(StoreError):
        breaker.call(lambda: (_ for _ in ()).throw(StoreError("down")))
    clock.now += 1
    with pytest.raises(ValueError, match="invalid literal"):
        breaker.call(lambda: int("x"))  # e.g. a bad ttl, or a cancelled coroutine
    assert breaker.state == "open"
    assert breaker.call(lambda: 7) == 7  # the next caller may probe


def test_async_operations_share_the_breaker() -> None:
    store, inner, clock = guarded()
    inner.down = True

    async def run() -> None:
        for _ in range(FAILURES_TO_OPEN):
            with pytest.raises(StoreError, match="timeout"):
                await store.aspend("k", 5)
        with pytest.raises(StoreError, match="not asked"):
            await store.aspend("k", 5)
        with pytest.raises(StoreError, match="not asked"):
            store.spend("k", 5)
        inner.down = False
        clock.now += 1
        assert await store.aspend("k", 5) is True

    asyncio.run(run())
    assert inner.calls == FAILURES_TO_OPEN + 1


def wait_until(check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_guarded_store_probes_in_the_background_so_no_request_waits() -> None:
    clock, inner = Clock(), FlakyStore()
    store = GuardedStore(inner)  # the breaker it builds probes with is_spent
    store.breaker._clock = clock  # type: ignore[attr-defined]  # frozen time for the test
    inner.down = True
    for _ in range(FAILURES_TO_OPEN):
        with pytest.raises(StoreError, match="timeout"):
            store.spend("k", 5)
    clock.now += 1
    with pytest.raises(StoreError, match="probing"):  # starts the probe, is not it
        store.spend("k", 5)
    wait_until(lambda: store.breaker.state == "open")  # the probe failed: pause doubled
    assert inner.calls == FAILURES_TO_OPEN + 1
    inner.down = False
    clock.now += 2
    with pytest.raises(StoreError, match="probing"):
        store.spend("k", 5)
    wait_until(lambda: store.breaker.state == "closed")
    assert store.spend("k", 5) is True
    # Requests themselves reached the store only before the circuit opened and after.
    assert (inner.calls, store.breaker.refused) == (FAILURES_TO_OPEN + 3, 2)


def test_stores_that_can_fail_get_a_breaker_and_the_memory_store_none(tmp_path: Path) -> None:
    sqlite = open_guarded_store(f"sqlite:///{tmp_path / 'gate.db'}")
    memory = open_guarded_store("memory://")
    try:
        assert isinstance(sqlite, GuardedStore)
        assert isinstance(memory, MemoryStore)
    finally:
        sqlite.close()
        memory.close()
