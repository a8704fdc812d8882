"""Memory store: bounded under floods (purge of expired keys, hard cap)."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from humangate.stores.memory import MemoryStore


def test_flood_of_short_lived_keys_is_purged() -> None:
    store = MemoryStore()
    peak = 0
    for i in range(100_000):
        store.spend(f"flood-{i}", 0.2)
        if i % 1000 == 0:
            peak = max(peak, len(store))
    assert peak <= store.max_entries
    time.sleep(0.3)
    # Ordinary traffic after the flood clears it: each write purges a batch.
    for i in range(1000):
        assert store.spend(f"after-{i}", 60) is True
    assert len(store) == 1000


def test_purge_drops_everything_expired_at_once() -> None:
    store = MemoryStore()
    for i in range(5000):
        store.spend(f"k{i}", 0.1)
        store.incr(f"c{i}", 60)
    time.sleep(0.2)
    # (Writes in the loop may already have purged some of them; purge() takes the rest.)
    assert store.purge() >= 0
    assert len(store) == 5000  # only the counters, which live on
    assert store.purge() == 0


def test_hard_cap_evicts_oldest() -> None:
    store = MemoryStore(max_entries=1000)
    for i in range(5000):
        assert store.spend(f"k{i}", 3600) is True
    assert len(store) == 1000
    assert store.is_spent("k0") is False  # evicted: the documented price of the cap
    assert store.is_spent("k3999") is False
    assert store.is_spent("k4000") is True
    assert store.is_spent("k4999") is True


def test_heap_stays_bounded_under_churn() -> None:
    # Re-spending expired keys and evicting leave stale heap items; they must not pile up.
    store = MemoryStore(max_entries=100)
    for i in range(20_000):
        store.spend(f"k{i % 500}", 3600 if i % 2 else 0.000001)
    assert len(store._expiry_heap) <= 2 * len(store) + 256


@pytest.mark.parametrize("bad", [0, -5, 1.5, True])
def test_max_entries_must_be_a_positive_int(bad: int) -> None:
    with pytest.raises(ValueError, match="max_entries"):
        MemoryStore(max_entries=bad)


def test_an_analytics_hash_costs_no_list_of_recent_items() -> None:
    # The analytics write one hash per issued challenge (ray -> rule), kept for minutes:
    # a flood of challenges makes many. Each holds its fields only; an empty list of
    # recent items each (made on first push) would more than double their memory.
    store = MemoryStore()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        store.hincr_many({f"hg:ray:{i:016x}": {"default": 1} for i in range(10_000)}, 900)
        per_hash = (tracemalloc.get_traced_memory()[0] - before) / 10_000
    finally:
        tracemalloc.stop()
    assert per_hash < 700, per_hash  # about 1,160 bytes with a list each, 400 without
    assert store.recent("hg:ray:0000000000000000", 10) == []
    # The same key still takes recent items when pushed, newest first.
    store.push_recent("hg:ray:0000000000000000", ["a", "b"], 10, 900)
    assert store.recent("hg:ray:0000000000000000", 10) == ["b", "a"]
    assert store.hget_many(["hg:ray:0000000000000000"]) == [{"default": 1}]
