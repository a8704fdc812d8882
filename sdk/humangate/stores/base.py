"""The one interface every shared-state backend implements.

Stores hold only what must be shared between processes: spent one-time tokens and
windowed counters. The pass path (a valid clearance) never touches a store.

Each backend offers the same operations twice: plain methods for WSGI and ``a``-prefixed
coroutines for ASGI, so neither adapter blocks where it should not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable


@runtime_checkable
class Store(Protocol):
    """Shared state with expiry. Every key expires; nothing grows without bound."""

    def spend(self, key: str, ttl: float) -> bool:
        """Atomically mark ``key`` as used for ``ttl`` seconds.

        Returns True exactly once per key while it is remembered (the caller may use the
        token), False if it was already spent. Safe across threads and processes.
        """
        ...

    def is_spent(self, key: str) -> bool:
        """Whether ``key`` is currently marked (without marking it)."""
        ...

    def incr(self, key: str, window: float, amount: int = 1) -> int:
        """Add ``amount`` to a fixed-window counter and return the new total.

        The window starts with the first increment and the counter disappears ``window``
        seconds later (then counting starts again from zero). An ``amount`` of 0 reads the
        counter: it returns 0 for a counter that does not exist, and creates nothing (a
        flood of reads must not fill the store, nor start a window).
        """
        ...

    # -- analytics: written by a background flusher thread and read by the metrics and
    # dashboard endpoints, never on a request's decision path, so sync-only on purpose.

    def hincr_many(self, updates: Mapping[str, Mapping[str, int]], ttl: float) -> None:
        """Add to integer fields of several hashes at once (one round trip).

        Every field written expires ``ttl`` seconds after this write (sliding expiry).
        """
        ...

    def hget_many(self, keys: Sequence[str]) -> list[dict[str, int]]:
        """The live fields of each hash in ``keys``, in order (``{}`` when absent)."""
        ...

    def push_recent(self, key: str, values: Sequence[str], limit: int, ttl: float) -> None:
        """Append ``values`` (oldest first) to a list that keeps only its newest ``limit``
        items; the list expires ``ttl`` seconds after this write."""
        ...

    def recent(self, key: str, limit: int) -> list[str]:
        """Up to ``limit`` newest items of the list at ``key``, newest first."""
        ...

    def close(self) -> None: ...

    async def aspend(self, key: str, ttl: float) -> bool: ...

    async def ais_spent(self, key: str) -> bool: ...

    async def aincr(self, key: str, window: float, amount: int = 1) -> int: ...

    async def aclose(self) -> None: ...
