"""Memory store: bounded under floods (purge of expired keys, hard cap)."""

from __future__ import annotations

import json
import time
import tracemalloc

import pytest

from humangate import Config, RateLimit, Rule
from humangate.stores.memory import MemoryStore
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.observe.helpers import site
from tests.support import Result, WSGIClient, challenge_data, solution


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


def test_a_flood_of_counters_evicts_counters_not_spent_keys() -> None:
    store = MemoryStore(max_entries=1000)
    for i in range(500):
        assert store.spend(f"ticket:{i}", 3600) is True
    for i in range(5000):
        store.incr(f"rl:{i}", 60)
    assert len(store) == 1000
    assert all(store.is_spent(f"ticket:{i}") for i in range(500))
    assert store.incr("rl:0", 60, 0) == 0  # evicted: its count starts again
    assert store.incr("rl:4999", 60, 0) == 1


def test_spent_keys_alone_over_the_cap_still_evict_the_oldest() -> None:
    store = MemoryStore(max_entries=100)
    store.incr("counter", 60)
    for i in range(150):
        store.spend(f"k{i}", 3600)
    # The counter went first, then the oldest spent keys.
    assert len(store) == 100
    assert store.incr("counter", 60, 0) == 0
    assert not store.is_spent("k49") and store.is_spent("k50")


def test_a_name_is_one_key_whether_spent_or_counted() -> None:
    store = MemoryStore()
    store.incr("k", 60)
    assert store.spend("k", 60) is False  # a counter is a live key: not spendable
    assert store.spend("s", 60) is True
    assert store.incr("s", 60) == 2  # a spent key counts as 1
    time.sleep(0.01)
    store.spend("short", 0.001)
    time.sleep(0.01)
    assert store.purge() == 1


def test_a_flood_of_rate_limit_counters_cannot_free_a_spent_ticket() -> None:
    # A rate limit counted per path lets any client create one counter per request. If
    # the memory store's cap evicted spent tickets to make room for them, a solved
    # ticket could be spent again: one solve, many clearances.
    config = Config(
        secret_keys=[SECRET],
        store="memory://?max_entries=50",
        difficulty=4,
        default_action="allow",
        rules=[Rule('http.request.uri.path eq "/login"', "managed_challenge", "login")],
        rate_limits=[
            RateLimit(
                'starts_with(http.request.uri.path, "/p")',
                characteristics=["http.request.uri.path"],
                requests_per_period=1000,
            )
        ],
    )
    client = WSGIClient(HumanGate(site, config))
    data = challenge_data(client.request("GET", "/login").body)
    body = solution(data)

    def post() -> Result:
        headers = {"content-type": "application/json"}
        return client.request("POST", data["solve_url"], body=body, headers=headers, html=False)

    assert post().status == 200
    for i in range(200):
        assert client.request("GET", f"/p{i}").status == 200
    again = post()
    assert again.status == 403
    assert json.loads(again.body)["reason"] == "replayed"
