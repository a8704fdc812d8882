"""What a store outage means, per purpose, and how it is reported.

* Ticket spending (``Config.store_failure``, default ``"closed"``): a solve that cannot
  be recorded as spent is refused with 503 + Retry-After, since accepting it would allow
  replays. ``"open"`` accepts it, spending it in this process's own memory instead
  (:func:`spend_once`): one process then accepts a solution at most once.
* Rate limits (``Config.rate_limit_store_failure``, default ``"open"``): counters that
  cannot be read count as zero, so an outage never locks every visitor out.
* Analytics: always fail open; counts wait in process and are retried (bounded).

Every fault is logged as one WARNING per purpose per minute (with how many were
suppressed), not one per request, so an outage cannot flood the logs.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from humangate.effects import Flow, Increment, IsSpent, Operation, Spend
from humangate.errors import StoreError
from humangate.stores.memory import MemoryStore

logger = logging.getLogger("humangate")
T = TypeVar("T")
_OVER_ANY_LIMIT = 2**62


class ThrottledWarning:
    """Logs at most one warning per ``interval`` seconds; counts the rest."""

    __slots__ = ("_clock", "_interval", "_lock", "_next", "_suppressed", "_what")

    def __init__(
        self, what: str, interval: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._what = what
        self._interval = interval
        self._clock = clock
        self._lock = threading.Lock()
        self._next = 0.0
        self._suppressed = 0

    def __call__(self, exc: BaseException) -> None:
        with self._lock:
            now = self._clock()
            if now < self._next:
                self._suppressed += 1
                return
            suppressed, self._suppressed = self._suppressed, 0
            self._next = now + self._interval
        more = f" ({suppressed} more since the last warning)" if suppressed else ""
        logger.warning("store unavailable %s: %s%s", self._what, exc, more)


def tolerate(flow: Flow[T], warn: Callable[[BaseException], None], mode: str) -> Flow[T]:
    """Run the rate-limit phase ``flow``, answering counters the store cannot give.

    The rule phases yield store operations only for rate limits (see
    humangate.rules.phases). ``mode="open"``: a counter reads as this request alone
    (never over a limit), a key as unspent, so an outage lets traffic through.
    ``mode="closed"``: a counter reads as far over any limit, so each matching rate
    limit applies its action.
    """
    try:
        operation: Operation = next(flow)
        while True:
            result = yield from tolerate_one(operation, warn, mode)
            operation = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


def tolerate_one(
    operation: Operation, warn: Callable[[BaseException], None], mode: str
) -> Flow[object]:
    """One store operation's result, or what :func:`tolerate` answers for it when the
    store fails (for a flow that is that one operation: no flow to drive)."""
    try:
        return (yield operation)
    except StoreError as exc:
        warn(exc)
        if isinstance(operation, Increment):
            return operation.amount if mode == "open" else _OVER_ANY_LIMIT
        if isinstance(operation, IsSpent):
            return mode != "open"
        # The phase's only spend marks a mitigation timeout; not recording it just means
        # the next request is counted afresh.
        return True


class LocalSpends:
    """This process's memory of one-time keys it accepted while the store was down.

    Consulted on every spend, not only during an outage: a key accepted here unrecorded
    must not be accepted again by this process once the store is back (the store never
    heard of it). Bounded like any MemoryStore; entries expire with the key.
    """

    __slots__ = ("_memory",)

    def __init__(self, max_entries: int = 100_000) -> None:
        self._memory = MemoryStore(max_entries=max_entries)

    def spend_once(
        self, operation: Spend, mode: str, warn: Callable[[BaseException], None]
    ) -> Flow[bool | None]:
        """Spend ``operation.key`` in the store: True the first time, False after.

        When the store fails: ``mode="closed"`` gives None (the caller refuses, 503);
        ``mode="open"`` spends the key here instead, so this process accepts it once.
        """
        try:
            first = yield operation
        except StoreError as exc:
            warn(exc)
            if mode != "open":
                return None
            return self._memory.spend(operation.key, operation.ttl)
        return bool(first) and not self._memory.is_spent(operation.key)
