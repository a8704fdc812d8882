"""In-process store: for tests and single-process deployments.

State lives in this process only, so with several workers each one has its own copy
(a ticket spent in one worker could be spent again in another): use ``sqlite://`` or
``redis://`` as soon as there is more than one process.

Memory is bounded twice over:

* expired entries are purged a little on every write (amortised, from a min-heap of
  expiry times), so a flood of short-lived keys disappears as it expires;
* a hard cap, ``max_entries``, evicts the oldest entries (by creation) when reached, so
  even a flood of long-lived keys cannot exhaust memory. Counters go first: their keys
  can come from the client (a rate limit counted per path or per header value), and
  evicting one only restarts a count. Spent keys go only when spent keys alone fill the
  cap, because evicting one makes it spendable again: keep the cap well above (requests
  per second x longest TTL).
"""

from __future__ import annotations

import heapq
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from humangate.errors import StoreError
from humangate.stores._validation import (
    check_amount,
    check_limit,
    check_seconds,
    normalize_key,
)

DEFAULT_MAX_ENTRIES = 100_000

# Expired entries removed per write at most: enough to outpace any flood (each write
# adds one entry) while keeping the cost of a single call small and predictable.
_PURGE_BATCH = 256


@dataclass(slots=True)
class _Entry:
    value: int
    expires_at: float
    # Tells a heap item for this entry apart from one left over by an earlier entry
    # under the same key (expired and re-created, or evicted and re-created).
    serial: int


@dataclass(slots=True)
class _Aggregate:
    """An analytics hash or recent-items list, with its (sliding) expiry."""

    expires_at: float
    fields: dict[str, int] = field(default_factory=dict)
    # Made by the first push: most aggregates are hashes, and an empty deque each would
    # be most of their memory.
    items: deque[str] | None = None


class MemoryStore:
    """Thread-safe in-process :class:`~humangate.stores.base.Store` (monotonic clock)."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES) -> None:
        if isinstance(max_entries, bool) or not isinstance(max_entries, int) or max_entries < 1:
            raise ValueError(f"max_entries must be an int >= 1, got {max_entries!r}")
        self._max_entries = max_entries
        self._lock = threading.Lock()
        # Spent keys and counters apart, each oldest first: the cap evicts counters first.
        self._spent: OrderedDict[str, _Entry] = OrderedDict()
        self._counters: OrderedDict[str, _Entry] = OrderedDict()
        self._expiry_heap: list[tuple[float, int, str]] = []
        self._serial = 0
        self._closed = False
        # Analytics aggregates live apart from the spend/counter entries so that a flood
        # of those can never evict them (and vice versa); the same cap bounds them.
        self._aggregates: OrderedDict[str, _Aggregate] = OrderedDict()
        self._next_sweep = 0.0

    def __len__(self) -> int:
        """Entries currently held, including expired ones not yet purged."""
        with self._lock:
            return len(self._spent) + len(self._counters)

    @property
    def max_entries(self) -> int:
        return self._max_entries

    # -- sync API ---------------------------------------------------------------------

    def spend(self, key: str, ttl: float) -> bool:
        name, ttl = normalize_key(key), check_seconds("ttl", ttl)
        with self._lock:
            now = self._writable_now()
            if self._live(name, now) is not None:
                return False
            self._create(self._spent, name, 1, now + ttl)
            return True

    def is_spent(self, key: str) -> bool:
        name = normalize_key(key)
        with self._lock:
            self._check_open()
            return self._live(name, time.monotonic()) is not None

    def incr(self, key: str, window: float, amount: int = 1) -> int:
        name, window = normalize_key(key), check_seconds("window", window)
        amount = check_amount(amount)
        with self._lock:
            now = self._writable_now()
            entry = self._live(name, now)
            if entry is None:
                if amount == 0:  # a read: nothing counted, so nothing left behind
                    return 0
                self._create(self._counters, name, amount, now + window)
                return amount
            entry.value += amount
            return entry.value

    def hincr_many(self, updates: Mapping[str, Mapping[str, int]], ttl: float) -> None:
        ttl = check_seconds("ttl", ttl)
        with self._lock:
            now = self._writable_now()
            for key, counts in updates.items():
                aggregate = self._aggregate(normalize_key(key), now, now + ttl)
                for name, amount in counts.items():
                    aggregate.fields[name] = aggregate.fields.get(name, 0) + check_amount(amount)

    def hget_many(self, keys: Sequence[str]) -> list[dict[str, int]]:
        with self._lock:
            self._check_open()
            now = time.monotonic()
            found = [self._aggregates.get(normalize_key(key)) for key in keys]
            return [dict(a.fields) if a and a.expires_at > now else {} for a in found]

    def push_recent(self, key: str, values: Sequence[str], limit: int, ttl: float) -> None:
        ttl, limit = check_seconds("ttl", ttl), check_limit(limit)
        with self._lock:
            now = self._writable_now()
            aggregate = self._aggregate(normalize_key(key), now, now + ttl)
            items = aggregate.items
            if items is None:
                items = aggregate.items = deque()
            items.extend(values)
            while len(items) > limit:
                items.popleft()

    def recent(self, key: str, limit: int) -> list[str]:
        limit = check_limit(limit)
        with self._lock:
            self._check_open()
            aggregate = self._aggregates.get(normalize_key(key))
            if aggregate is None or aggregate.expires_at <= time.monotonic():
                return []
            return list(reversed(aggregate.items or ()))[:limit]

    def purge(self) -> int:
        """Drop every expired entry now; returns how many were dropped."""
        with self._lock:
            return self._purge(time.monotonic(), limit=None)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._spent.clear()
            self._counters.clear()
            self._expiry_heap.clear()
            self._aggregates.clear()

    # -- async API: every operation is a few dict/heap steps under a short lock, so
    # running it inline on the event loop is cheaper than hopping to a thread.

    async def aspend(self, key: str, ttl: float) -> bool:
        return self.spend(key, ttl)

    async def ais_spent(self, key: str) -> bool:
        return self.is_spent(key)

    async def aincr(self, key: str, window: float, amount: int = 1) -> int:
        return self.incr(key, window, amount)

    async def aclose(self) -> None:
        self.close()

    # -- internals (caller holds self._lock) --------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("memory store is closed")

    def _writable_now(self) -> float:
        self._check_open()
        now = time.monotonic()
        self._purge(now, limit=_PURGE_BATCH)
        return now

    def _live(self, name: str, now: float) -> _Entry | None:
        # One key space: a name lives in one of the two tables (counters first: every
        # challenge reads one).
        table = self._counters
        entry = table.get(name)
        if entry is None:
            table = self._spent
            entry = table.get(name)
        if entry is None or entry.expires_at > now:
            return entry
        del table[name]
        return None

    def _aggregate(self, name: str, now: float, expires_at: float) -> _Aggregate:
        aggregate = self._aggregates.get(name)
        if aggregate is None or aggregate.expires_at <= now:
            if now >= self._next_sweep:  # at most once a second: O(aggregates) each
                self._next_sweep = now + 1.0
                for stale in [k for k, a in self._aggregates.items() if a.expires_at <= now]:
                    del self._aggregates[stale]
            while len(self._aggregates) >= self._max_entries:
                self._aggregates.popitem(last=False)
            aggregate = self._aggregates[name] = _Aggregate(expires_at)
        aggregate.expires_at = expires_at
        return aggregate

    def _create(
        self, table: OrderedDict[str, _Entry], name: str, value: int, expires_at: float
    ) -> None:
        spent, counters = self._spent, self._counters
        while len(spent) + len(counters) >= self._max_entries:
            (counters or spent).popitem(last=False)
        self._serial += 1
        table[name] = _Entry(value, expires_at, self._serial)
        heapq.heappush(self._expiry_heap, (expires_at, self._serial, name))
        # Heap items of evicted or re-created entries linger until their expiry time;
        # rebuild from the live entries before they outnumber them.
        if len(self._expiry_heap) > 2 * (len(spent) + len(counters)) + _PURGE_BATCH:
            self._expiry_heap = [
                (e.expires_at, e.serial, n) for held in (spent, counters) for n, e in held.items()
            ]
            heapq.heapify(self._expiry_heap)

    def _purge(self, now: float, limit: int | None) -> int:
        heap, removed, popped = self._expiry_heap, 0, 0
        while heap and heap[0][0] <= now and (limit is None or popped < limit):
            _, serial, name = heapq.heappop(heap)
            popped += 1
            for table in (self._counters, self._spent):
                entry = table.get(name)
                if entry is not None and entry.serial == serial:
                    del table[name]
                    removed += 1
        return removed
