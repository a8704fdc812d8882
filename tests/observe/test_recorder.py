"""The recorder: in-process counts, flushed to the shared store, summed across workers."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping, Sequence

import pytest

from humangate.errors import StoreError
from humangate.events import Event, Kind
from humangate.observe import schema
from humangate.observe.recorder import MAX_GEO_PER_FLUSH, Recorder
from humangate.observe.summary import read_summary, read_totals
from humangate.stores import MemoryStore


class CountingStore(MemoryStore):
    """A real memory store that counts calls and can be switched off (an outage)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0
        self.down = False

    def _touch(self) -> None:
        self.calls += 1
        if self.down:
            raise StoreError("store is down (test)")

    def hincr_many(self, updates: Mapping[str, Mapping[str, int]], ttl: float) -> None:
        self._touch()
        super().hincr_many(updates, ttl)

    def hget_many(self, keys: Sequence[str]) -> list[dict[str, int]]:
        self._touch()
        return super().hget_many(keys)

    def push_recent(self, key: str, values: Sequence[str], limit: int, ttl: float) -> None:
        self._touch()
        super().push_recent(key, values, limit, ttl)


def event(kind: Kind, ray: str = "r1", **details: object) -> Event:
    return Event(kind, ray, time.time(), **details)  # type: ignore[arg-type]


def recorder(store: MemoryStore) -> Recorder:
    return Recorder(lambda: store, background=False)


def test_recording_never_touches_the_store() -> None:
    store = CountingStore()
    rec = recorder(store)
    for _ in range(1000):
        rec.record(event(Kind.PASSED_WITH_CLEARANCE, "", rule="default", level="managed"))
    rec.record(event(Kind.CHALLENGE_ISSUED, rule="login", level="interactive"))
    assert store.calls == 0  # all in process until the flush
    assert rec.flush()
    rows, _ = read_totals(store)
    assert {(r.rule, r.level, r.passed, r.issued) for r in rows} == {
        ("default", "managed", 1000, 0),
        ("login", "interactive", 0, 1),
    }


def test_record_pass_counts_like_a_pass_event() -> None:
    """The engine's shortcut for passes (no Event built) lands in the same counts."""
    store = MemoryStore()
    rec = recorder(store)
    rec.record(event(Kind.PASSED_WITH_CLEARANCE, "", rule="default", level="managed"))
    rec.record_pass("default", "managed", time.time())
    rec.record_pass("login", None, time.time())
    assert rec.flush()
    rows, _ = read_totals(store)
    assert {(r.rule, r.level, r.passed) for r in rows} == {
        ("default", "managed", 2),
        ("login", "-", 1),  # no level (the allow action) is shown as "-"
    }


def test_passes_land_in_the_minute_they_happened() -> None:
    """record_pass keeps its keys per minute; a pass in another minute (later, or
    earlier from another thread) must not be counted in the one it has cached."""
    store = MemoryStore()
    rec = recorder(store)
    start = schema.minute_of(time.time())
    for at in (start + 1, start + 2, start + 61, start + 3):
        rec.record_pass("default", "managed", at)
    assert rec.flush()
    field = schema.count_field("passed_with_clearance", "default", "managed")
    first, second = store.hget_many([schema.minute_key(start), schema.minute_key(start + 60)])
    assert (first[field], second[field]) == (3, 1)


def test_csr_failed_and_median_per_rule() -> None:
    store = MemoryStore()
    rec = recorder(store)
    for i in range(4):
        rec.record(event(Kind.CHALLENGE_ISSUED, f"ray{i}", rule="login", level="interactive"))
    for i, ms in enumerate((800, 1200, 3000)):
        rec.record(
            event(Kind.CHALLENGE_SOLVED, f"ray{i}", rule="login", level="interactive", solve_ms=ms)
        )
    rec.record(event(Kind.CHALLENGE_FAILED, "x", reason="wrong_solution", level="interactive"))
    rec.record(event(Kind.BLOCKED, "b", rule="no admin", country="DE", asn=3320))
    rec.flush()
    summary = read_summary(store, time.time(), window=3600)
    login = next(r for r in summary.rows if r.rule == "login")
    assert (login.issued, login.solved, login.failed) == (4, 3, 1)
    assert login.csr == pytest.approx(0.75)
    assert login.median_solve_ms is not None and 1000 <= login.median_solve_ms <= 2000
    assert summary.reasons["wrong_solution"] == 1
    assert summary.countries == [("DE", 1)]
    assert summary.asns == [("3320", 1)]
    assert [e["kind"] for e in summary.recent][:2] == ["blocked", "challenge_failed"]


def test_solve_at_another_worker_is_credited_to_the_issuing_rule() -> None:
    # The solve names the rule its ticket carried (the engine's solve event does).
    store = MemoryStore()  # shared, as SQLite/Redis are between workers
    worker_a, worker_b = recorder(store), recorder(store)
    worker_a.record(event(Kind.CHALLENGE_ISSUED, "ray-x", rule="shop", level="managed"))
    worker_a.flush()
    worker_b.record(
        event(Kind.CHALLENGE_SOLVED, "ray-x", rule="shop", level="managed", solve_ms=900)
    )
    worker_b.flush()
    rows, _ = read_totals(store)
    shop = next(r for r in rows if r.rule == "shop")
    assert (shop.issued, shop.solved) == (1, 1)


def test_a_solve_counts_before_the_issuer_flushes() -> None:
    store = MemoryStore()
    worker_a, worker_b = recorder(store), recorder(store)
    worker_a.record(event(Kind.CHALLENGE_ISSUED, "ray-y", rule="shop", level="managed"))
    worker_b.record(event(Kind.CHALLENGE_SOLVED, "ray-y", rule="shop", level="managed"))
    worker_b.flush()  # nothing to wait for: the rule came with the solve
    rows, _ = read_totals(store)
    assert [(r.rule, r.solved) for r in rows if r.solved] == [("shop", 1)]
    worker_a.flush()
    rows, _ = read_totals(store)
    assert [(r.rule, r.issued, r.solved) for r in rows] == [("shop", 1, 1)]


def test_country_cardinality_is_bounded() -> None:
    store = MemoryStore()
    rec = recorder(store)
    codes = [a + b for a in "ABCDEFGHIJ" for b in "ABCDEFGHIJ"]  # 100 codes
    for code in codes:
        rec.record(event(Kind.BLOCKED, "b", rule="r", country=code))
    rec.record(event(Kind.BLOCKED, "b", rule="r", country="not a country"))
    rec.flush()
    _, other = read_totals(store)
    countries = {k for k in other if k.startswith("c|")}
    assert len(countries) == MAX_GEO_PER_FLUSH + 1  # the cap plus "other"
    assert other["c|blocked|other"] == 100 - MAX_GEO_PER_FLUSH


def test_rule_labels_cannot_inject_fields() -> None:
    store = MemoryStore()
    rec = recorder(store)
    rec.record(event(Kind.BLOCKED, "b", rule="a|b\nc" + "x" * 500, level="|"))
    rec.flush()
    rows, _ = read_totals(store)
    assert len(rows) == 1
    assert "|" not in rows[0].rule and "\n" not in rows[0].rule
    assert len(rows[0].rule) == schema.MAX_LABEL


def test_store_outage_keeps_counts_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    store = CountingStore()
    rec = recorder(store)
    store.down = True
    caplog.set_level(logging.WARNING, logger="humangate")
    for _ in range(5):
        rec.record(event(Kind.CHALLENGE_ISSUED, rule="login", level="interactive"))
        assert rec.flush() is False
    warnings = [r for r in caplog.records if "store unavailable" in r.getMessage()]
    assert len(warnings) == 1
    store.down = False
    assert rec.flush() is True
    rows, _ = read_totals(store)
    assert rows[0].issued == 5  # nothing lost across the outage


class KeyCountingStore(MemoryStore):
    """Remembers every key a flush wrote and how many store calls it made."""

    def __init__(self) -> None:
        super().__init__()
        self.keys: set[str] = set()
        self.calls = 0

    def hincr_many(self, updates: Mapping[str, Mapping[str, int]], ttl: float) -> None:
        self.keys.update(updates)
        self.calls += 1
        super().hincr_many(updates, ttl)

    def push_recent(self, key: str, values: Sequence[str], limit: int, ttl: float) -> None:
        self.keys.add(key)
        self.calls += 1
        super().push_recent(key, values, limit, ttl)


def test_a_flood_of_challenges_writes_a_few_keys_not_one_per_challenge() -> None:
    # Every challenge issued used to leave a key naming its rule for 15 minutes: under a
    # flood, tens of thousands of Redis keys and a long write per flush.
    store = KeyCountingStore()
    rec = recorder(store)
    for n in range(5_000):
        rec.record(event(Kind.CHALLENGE_ISSUED, f"ray-{n}", rule="shop", level="managed"))
    assert rec.flush()
    assert store.calls == 3  # this minute's counts, the totals, the recent events
    assert len(store.keys) == 3
    rows, _ = read_totals(store)
    assert [(r.rule, r.issued) for r in rows] == [("shop", 5_000)]


def test_background_thread_flushes() -> None:
    store = MemoryStore()
    rec = Recorder(lambda: store, interval=0.05)
    rec.record(event(Kind.BLOCKED, "b", rule="r"))
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not read_totals(store)[0]:
        time.sleep(0.02)
    rec.stop()
    assert read_totals(store)[0][0].blocked == 1


def test_recent_events_are_written_as_recorded_keeping_the_newest() -> None:
    # Events are kept as recorded and made JSON only when flushed; what the dashboard
    # reads must be the newest RECENT_LIMIT of them, each with the rule it counted under
    # (a failed solve's comes from its ticket, as the engine's solve event names it).
    store = MemoryStore()
    rec = recorder(store)
    rec.record(event(Kind.CHALLENGE_ISSUED, "issued", rule="login", level="managed"))
    for n in range(schema.RECENT_LIMIT + 5):
        rec.record(event(Kind.BLOCKED, f"b{n}", rule="bots", path=f"/p{n}", country="fr"))
    rec.record(
        event(Kind.CHALLENGE_FAILED, "issued", rule="login", level="managed", reason="expired")
    )
    assert rec.flush()
    stored = store.recent(schema.RECENT_KEY, schema.RECENT_LIMIT * 2)
    assert len(stored) == schema.RECENT_LIMIT
    recent = [json.loads(line) for line in stored]
    assert recent[0]["kind"] == "challenge_failed" and recent[0]["rule"] == "login"
    assert recent[1] == {
        "kind": "blocked",
        "ray": f"b{schema.RECENT_LIMIT + 4}",
        "at": pytest.approx(recent[1]["at"]),
        "rule": "bots",
        "path": f"/p{schema.RECENT_LIMIT + 4}",
        "country": "fr",
    }


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, schema.NONE),
        ("", schema.NONE),
        ("login", "login"),
        ("a|b", "a b"),
        ("tab\there", "tab here"),
        (42, "42"),
        ("x" * 500, "x" * schema.MAX_LABEL),
        ("é" * 3, "é" * 3),
    ],
)
def test_labels(value: object, expected: str) -> None:
    assert schema.label(value) == expected
