"""A circuit breaker around store operations: fail fast while the store is down.

Without it every request that needs a frozen or black-holed Redis waits the whole socket
timeout (0.5 s), and a sync worker waiting there serves nobody else, cleared visitors
included. With it, after ``failures_to_open`` consecutive failures the store is not
asked at all for a pause (each operation raises :class:`StoreError` at once, which the
engine handles as an outage); when the pause is over, one probe asks the store. A
successful probe closes the circuit; a failed one doubles the pause, up to ``max_pause``.

With a ``probe`` function (as :class:`GuardedStore` gives it), the probe runs in a
background thread and requests keep failing fast meanwhile, so after the first failures
no request waits on a hung store at all; without one, the first request after the pause
is the probe.

:class:`GuardedStore` puts a breaker in front of any :class:`Store`; the gate opens its
stores through :func:`open_guarded_store`. The in-process memory store gets none: it
cannot time out or go away, so there is nothing to fail fast on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar

from humangate.errors import StoreError
from humangate.stores import open_store
from humangate.stores.base import Store
from humangate.stores.memory import MemoryStore

logger = logging.getLogger("humangate")
T = TypeVar("T")

FAILURES_TO_OPEN = 2
FIRST_PAUSE = 1.0
MAX_PAUSE = 8.0
PROBE_KEY = "breaker-probe"


class CircuitBreaker:
    """Counts consecutive store failures and decides whether to ask the store at all.

    Thread-safe; the lock is held only to update a few numbers, never across a call.
    ``attempts`` and ``refused`` count operations let through and failed fast.
    """

    __slots__ = (
        "_clock",
        "_failures",
        "_first_pause",
        "_last_error",
        "_lock",
        "_max_pause",
        "_pause",
        "_probe",
        "_probing",
        "_retry_at",
        "_threshold",
        "attempts",
        "refused",
    )

    def __init__(
        self,
        *,
        failures_to_open: int = FAILURES_TO_OPEN,
        first_pause: float = FIRST_PAUSE,
        max_pause: float = MAX_PAUSE,
        clock: Callable[[], float] = time.monotonic,
        probe: Callable[[], object] | None = None,
    ) -> None:
        self._probe = probe
        self._threshold = failures_to_open
        self._first_pause = first_pause
        self._max_pause = max_pause
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._pause = first_pause
        self._retry_at: float | None = None  # None: closed
        self._probing = False
        self._last_error = ""
        self.attempts = 0
        self.refused = 0

    @property
    def state(self) -> str:
        """``"closed"`` (store asked), ``"open"`` (failing fast) or ``"half-open"``."""
        with self._lock:
            if self._retry_at is None:
                return "closed"
            return "half-open" if self._probing else "open"

    def admit(self) -> bool:
        """Let an operation through (True: as the probe of an open circuit), or raise
        :class:`StoreError` without asking the store."""
        with self._lock:
            if self._retry_at is not None:
                now = self._clock()
                if self._probing or now < self._retry_at:
                    self.refused += 1
                    wait = max(self._retry_at - now, 0.0)
                    raise StoreError(
                        f"store unavailable, not asked (circuit open; next try in {wait:.1f} s; "
                        f"last error: {self._last_error})"
                    )
                self._probing = True  # one probe at a time; others keep failing fast
                if self._probe is not None:
                    threading.Thread(
                        target=self._probe_in_background, name="humangate-store-probe", daemon=True
                    ).start()
                    self.refused += 1
                    raise StoreError("store unavailable, not asked (circuit open; probing it)")
                self.attempts += 1
                return True
            self.attempts += 1
            return False

    def _probe_in_background(self) -> None:
        assert self._probe is not None
        try:
            self._probe()
        except StoreError as exc:
            self.failed(exc, probe=True)
        except BaseException:
            self.released(probe=True)
            raise
        else:
            self.succeeded()

    def succeeded(self) -> None:
        with self._lock:
            was_open = self._retry_at is not None
            self._failures = 0
            self._pause = self._first_pause
            self._retry_at = None
            self._probing = False
        if was_open:
            logger.warning("store answers again: circuit closed")

    def failed(self, error: StoreError, *, probe: bool = False) -> None:
        with self._lock:
            self._last_error = str(error)
            self._failures += 1
            if probe:
                self._probing = False
                self._pause = min(self._pause * 2, self._max_pause)
                self._retry_at = self._clock() + self._pause
                return
            if self._retry_at is not None or self._failures < self._threshold:
                return
            self._retry_at = self._clock() + self._pause
            pause = self._pause
        logger.warning(
            "store failed %d times in a row: not asking it for %.1f s (circuit open): %s",
            self._threshold,
            pause,
            error,
        )

    def released(self, *, probe: bool) -> None:
        """The admitted operation ended without telling (bad argument, cancelled)."""
        if probe:
            with self._lock:
                self._probing = False

    def call(self, operation: Callable[[], T]) -> T:
        probe = self.admit()
        try:
            result = operation()
        except StoreError as exc:
            self.failed(exc, probe=probe)
            raise
        except BaseException:
            self.released(probe=probe)
            raise
        self.succeeded()
        return result

    async def acall(self, operation: Callable[[], Awaitable[T]]) -> T:
        probe = self.admit()
        try:
            result = await operation()
        except StoreError as exc:
            self.failed(exc, probe=probe)
            raise
        except BaseException:
            self.released(probe=probe)
            raise
        self.succeeded()
        return result


class GuardedStore:
    """A :class:`Store` whose every operation goes through a :class:`CircuitBreaker`."""

    __slots__ = ("breaker", "inner")

    def __init__(self, inner: Store, breaker: CircuitBreaker | None = None) -> None:
        self.inner = inner
        # The probe: the cheapest read every backend has (a key nobody writes).
        self.breaker = breaker or CircuitBreaker(probe=lambda: inner.is_spent(PROBE_KEY))

    def spend(self, key: str, ttl: float) -> bool:
        return self.breaker.call(lambda: self.inner.spend(key, ttl))

    def is_spent(self, key: str) -> bool:
        return self.breaker.call(lambda: self.inner.is_spent(key))

    def incr(self, key: str, window: float, amount: int = 1) -> int:
        return self.breaker.call(lambda: self.inner.incr(key, window, amount))

    def hincr_many(self, updates: Mapping[str, Mapping[str, int]], ttl: float) -> None:
        self.breaker.call(lambda: self.inner.hincr_many(updates, ttl))

    def hget_many(self, keys: Sequence[str]) -> list[dict[str, int]]:
        return self.breaker.call(lambda: self.inner.hget_many(keys))

    def push_recent(self, key: str, values: Sequence[str], limit: int, ttl: float) -> None:
        self.breaker.call(lambda: self.inner.push_recent(key, values, limit, ttl))

    def recent(self, key: str, limit: int) -> list[str]:
        return self.breaker.call(lambda: self.inner.recent(key, limit))

    def close(self) -> None:
        self.inner.close()

    async def aspend(self, key: str, ttl: float) -> bool:
        return await self.breaker.acall(lambda: self.inner.aspend(key, ttl))

    async def ais_spent(self, key: str) -> bool:
        return await self.breaker.acall(lambda: self.inner.ais_spent(key))

    async def aincr(self, key: str, window: float, amount: int = 1) -> int:
        return await self.breaker.acall(lambda: self.inner.aincr(key, window, amount))

    async def aclose(self) -> None:
        await self.inner.aclose()


def open_guarded_store(uri: str) -> Store:
    """:func:`~humangate.stores.open_store` behind a circuit breaker of its own, unless
    it is the memory store (each challenge asks the store once: a breaker there would
    only add its bookkeeping)."""
    store = open_store(uri)
    return store if isinstance(store, MemoryStore) else GuardedStore(store)
