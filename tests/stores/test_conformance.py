"""One behaviour, three backends: every test here runs on memory, SQLite and real Redis."""

from __future__ import annotations

import asyncio
import functools
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import pytest

from humangate.errors import StoreError
from humangate.stores import Store

T = TypeVar("T")
SHORT = 0.3  # seconds: long enough to act within even on a busy machine, short to wait out
PAST = SHORT + 0.2


def test_every_backend_is_a_store(store: Store) -> None:
    assert isinstance(store, Store)


# -- spend ------------------------------------------------------------------------------


def test_spend_succeeds_once(store: Store) -> None:
    assert store.spend("ticket", 60) is True
    assert store.spend("ticket", 60) is False
    assert store.spend("ticket", 60) is False


def test_keys_are_independent(store: Store) -> None:
    assert store.spend("a", 60) is True
    assert store.spend("b", 60) is True
    assert store.spend("A", 60) is True


def test_is_spent_does_not_mark(store: Store) -> None:
    assert store.is_spent("ticket") is False
    assert store.is_spent("ticket") is False
    assert store.spend("ticket", 60) is True
    assert store.is_spent("ticket") is True


def test_spent_key_expires_and_can_be_spent_again(store: Store) -> None:
    assert store.spend("ticket", SHORT) is True
    assert store.spend("ticket", SHORT) is False
    time.sleep(PAST)
    assert store.is_spent("ticket") is False
    assert store.spend("ticket", 60) is True
    assert store.spend("ticket", 60) is False


# -- incr -------------------------------------------------------------------------------


def test_incr_counts(store: Store) -> None:
    assert store.incr("hits", 60) == 1
    assert store.incr("hits", 60) == 2
    assert store.incr("hits", 60, amount=5) == 7
    assert store.incr("other", 60, amount=3) == 3


def test_incr_zero_reads_without_changing(store: Store) -> None:
    assert store.incr("hits", 60, amount=4) == 4
    assert store.incr("hits", 60, amount=0) == 4


def test_incr_zero_of_a_missing_counter_creates_nothing(store: Store) -> None:
    # A read must not create the counter nor start its window: the window is the first
    # increment's. (Were it the read's, this counter would be gone after PAST.)
    assert store.incr("fresh", SHORT, amount=0) == 0
    assert store.incr("fresh", 60) == 1
    time.sleep(PAST)
    assert store.incr("fresh", 60, amount=0) == 1


def test_counter_resets_after_window(store: Store) -> None:
    assert store.incr("hits", SHORT) == 1
    assert store.incr("hits", SHORT) == 2
    time.sleep(PAST)
    assert store.incr("hits", SHORT) == 1


def test_window_is_fixed_from_first_increment(store: Store) -> None:
    # Increments inside the window must not push its end further out.
    assert store.incr("hits", 0.6) == 1
    time.sleep(0.35)
    assert store.incr("hits", 0.6) == 2
    time.sleep(0.35)  # past the first window's end, before an extended one would end
    assert store.incr("hits", 0.6) == 1


# -- keys and arguments -----------------------------------------------------------------


def test_long_keys_are_hashed_not_refused(store: Store) -> None:
    long_key = "k" * 5000
    assert store.spend(long_key, 60) is True
    assert store.spend(long_key, 60) is False
    assert store.is_spent(long_key) is True
    assert store.spend("k" * 4999 + "j", 60) is True
    assert store.incr("c" * 600, 60) == 1
    assert store.incr("c" * 600, 60) == 2


def test_unencodable_keys_work(store: Store) -> None:
    assert store.spend("lone \ud800 surrogate", 60) is True
    assert store.spend("lone \ud800 surrogate", 60) is False
    assert store.spend("unicode é ✓ 𝄞", 60) is True
    assert store.is_spent("unicode é ✓ 𝄞") is True


@pytest.mark.parametrize("bad", [0, -1, float("nan"), float("inf")])
def test_non_positive_or_non_finite_ttl_is_refused(store: Store, bad: float) -> None:
    with pytest.raises(ValueError, match="ttl"):
        store.spend("k", bad)
    with pytest.raises(ValueError, match="window"):
        store.incr("k", bad)


def test_wrong_argument_types_are_refused(store: Store) -> None:
    with pytest.raises(TypeError):
        store.spend(b"bytes", 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.spend("k", "1")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        store.incr("k", 1, amount=1.5)  # type: ignore[arg-type]


# -- async ------------------------------------------------------------------------------


async def test_async_spend_and_is_spent(store: Store) -> None:
    assert await store.ais_spent("ticket") is False
    assert await store.aspend("ticket", 60) is True
    assert await store.aspend("ticket", 60) is False
    assert await store.ais_spent("ticket") is True
    await store.aclose()


async def test_async_expiry(store: Store) -> None:
    assert await store.aspend("ticket", SHORT) is True
    assert await store.aincr("hits", SHORT) == 1
    await asyncio.sleep(PAST)
    assert await store.ais_spent("ticket") is False
    assert await store.aspend("ticket", 60) is True
    assert await store.aincr("hits", SHORT) == 1
    await store.aclose()


async def test_async_incr(store: Store) -> None:
    assert await store.aincr("hits", 60) == 1
    assert await store.aincr("hits", 60, amount=9) == 10
    await store.aclose()


async def test_sync_and_async_share_state(store: Store) -> None:
    assert store.spend("ticket", 60) is True
    assert await store.aspend("ticket", 60) is False
    assert await store.aincr("hits", 60) == 1
    assert store.incr("hits", 60) == 2
    await store.aclose()


async def test_concurrent_async_spends_have_one_winner(store: Store) -> None:
    results = await asyncio.gather(*(store.aspend("ticket", 60) for _ in range(50)))
    assert results.count(True) == 1
    await store.aclose()


# -- concurrency ------------------------------------------------------------------------


def _hammer(threads: int, action: Callable[[], T]) -> list[T]:
    barrier = threading.Barrier(threads)

    def run() -> T:
        barrier.wait()
        return action()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(run) for _ in range(threads)]
        return [future.result(timeout=30) for future in futures]


def test_threads_racing_to_spend_have_exactly_one_winner(store: Store) -> None:
    for round_ in range(5):
        results = _hammer(16, functools.partial(store.spend, f"ticket-{round_}", 60))
        assert results.count(True) == 1, results


def test_threads_incrementing_lose_no_update(store: Store) -> None:
    def fifty() -> list[int]:
        return [store.incr("hits", 60) for _ in range(50)]

    totals = [total for batch in _hammer(8, fifty) for total in batch]
    # Atomic increments hand out every total exactly once.
    assert sorted(totals) == list(range(1, 401))


# -- close ------------------------------------------------------------------------------


def test_close_is_idempotent_and_final(store: Store) -> None:
    assert store.spend("ticket", 60) is True
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.spend("other", 60)
    with pytest.raises(StoreError, match="closed"):
        store.incr("hits", 60)
    with pytest.raises(StoreError, match="closed"):
        store.is_spent("ticket")


async def test_aclose_is_final(store: Store) -> None:
    assert await store.aspend("ticket", 60) is True
    await store.aclose()
    await store.aclose()
    with pytest.raises(StoreError, match="closed"):
        await store.aspend("other", 60)


# -- analytics aggregates (hashes of counters, recent-items lists) -----------------------


def test_hincr_many_adds_and_hget_many_reads(store: Store) -> None:
    store.hincr_many({"bucket:1": {"issued": 2, "solved": 1}, "bucket:2": {"issued": 5}}, 60)
    store.hincr_many({"bucket:1": {"issued": 3, "blocked": 1}}, 60)
    assert store.hget_many(["bucket:1", "bucket:2", "missing"]) == [
        {"issued": 5, "solved": 1, "blocked": 1},
        {"issued": 5},
        {},
    ]
    assert store.hget_many([]) == []


def test_hash_fields_expire(store: Store) -> None:
    store.hincr_many({"bucket": {"issued": 1}}, SHORT)
    assert store.hget_many(["bucket"]) == [{"issued": 1}]
    time.sleep(PAST)
    assert store.hget_many(["bucket"]) == [{}]
    store.hincr_many({"bucket": {"issued": 1}}, 60)
    assert store.hget_many(["bucket"]) == [{"issued": 1}]


def test_recent_keeps_newest_first_and_bounded(store: Store) -> None:
    store.push_recent("events", ["a", "b"], limit=3, ttl=60)
    store.push_recent("events", ["c", "d"], limit=3, ttl=60)
    assert store.recent("events", 10) == ["d", "c", "b"]
    assert store.recent("events", 2) == ["d", "c"]
    assert store.recent("nothing", 5) == []


def test_recent_expires(store: Store) -> None:
    store.push_recent("events", ["a"], limit=5, ttl=SHORT)
    time.sleep(PAST)
    assert store.recent("events", 5) == []


def test_aggregates_flood_stays_bounded(store: Store) -> None:
    # Under attack each issued challenge may add a small hash; they all carry a TTL and
    # the recent list never grows past its limit.
    store.hincr_many({f"ray:{i}": {"r": 1} for i in range(2000)}, SHORT)
    for i in range(50):
        store.push_recent("events", [str(i)] * 20, limit=100, ttl=60)
    assert len(store.recent("events", 1000)) == 100
    time.sleep(PAST)
    assert store.hget_many([f"ray:{i}" for i in range(0, 2000, 97)]) == [{}] * 21
