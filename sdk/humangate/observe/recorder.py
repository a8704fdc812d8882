"""Counts decisions in process and flushes them to the shared store in the background.

Why aggregate in process: a visitor with a valid clearance must cost no store round
trip (docs/architecture.md). Every event, passes included, is one dict increment under
a lock here (about a microsecond); a daemon thread writes the accumulated counts every
``Config.analytics_flush_seconds`` in a few batched store calls. Across workers and
machines the store sums the flushes, so any worker can answer a scrape for all of them.
The price: the last few seconds of counts are not visible yet, and a worker killed
with SIGKILL loses at most one interval's counts.

A solve is counted under the rule that challenged, which the ticket carries sealed
(humangate.crypto.tickets): any worker can count it, and issuing a challenge writes
nothing per ray to the store.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import weakref
from collections import Counter, deque
from collections.abc import Callable

from humangate.errors import StoreError
from humangate.events import Event, Kind
from humangate.faults import ThrottledWarning
from humangate.jsontext import compact
from humangate.observe import schema
from humangate.stores.base import Store

logger = logging.getLogger("humangate")

MAX_PENDING_FIELDS = 50_000  # kept across failed flushes at most (bounded memory)
MAX_GEO_PER_FLUSH = 64  # distinct countries/ASNs written per flush; the rest is "other"
# Hoisted for the hot path (an enum member or module attribute lookup costs there).
_PASS = Kind.PASSED_WITH_CLEARANCE
_BUCKET = schema.BUCKET_SECONDS
_WIDGET = (Kind.WIDGET_SOLVED, Kind.SITEVERIFY)
_JSD = {Kind.JSD_PAGE: "page", Kind.JSD_POST: "post"}
# Each kind's text: an enum member's .value is a property lookup, on every challenge.
_VALUE = {kind: kind.value for kind in Kind}


class _Minute:
    """The pending-count keys of one time bucket, made once per bucket: of passes by
    (rule, level), and of other decisions by (kind, rule, level)."""

    __slots__ = ("counts", "end", "keys", "start")

    def __init__(self, start: int) -> None:
        self.start = start
        self.end = start + _BUCKET
        self.keys: dict[tuple[str | None, str | None], tuple[int, str]] = {}
        self.counts: dict[tuple[Kind, str | None, str | None], tuple[int, str]] = {}

    def key(self, rule: str | None, level: str | None) -> tuple[int, str]:
        if len(self.keys) > 1024:  # labels come from config; this is a backstop
            self.keys.clear()
        self.keys[rule, level] = key = self._made(_PASS, rule, level)
        return key

    def count_key(self, kind: Kind, rule: str | None, level: str | None) -> tuple[int, str]:
        if len(self.counts) > 1024:
            self.counts.clear()
        self.counts[kind, rule, level] = key = self._made(kind, rule, level)
        return key

    def _made(self, kind: Kind, rule: str | None, level: str | None) -> tuple[int, str]:
        return self.start, schema.count_field(_VALUE[kind], schema.label(rule), schema.label(level))


class Recorder:
    """An :class:`~humangate.events.Observer` feeding the shared analytics."""

    def __init__(
        self,
        store: Callable[[], Store],
        *,
        interval: float = 5.0,
        background: bool = True,
    ) -> None:
        self._store = store
        self._interval = interval
        self._background = background
        self._lock = threading.Lock()
        self._warn = ThrottledWarning("for analytics (counts kept in memory and retried)")
        self._minute = _Minute(0)  # the counters' keys for the current bucket
        self._reset()
        # A forked worker (gunicorn preload) starts clean. A weak reference, so that
        # registering does not keep every recorder ever built alive.
        ref = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: _reset_if_alive(ref))

    def _reset(self) -> None:
        # Also after a fork: the parent's thread does not exist in the child and its
        # pending counts belong to the parent.
        self._lock = threading.Lock()
        self._pending: Counter[tuple[int, str]] = Counter()
        # Passes apart, in a plain dict: a Counter's item access costs several times more
        # on this per-request path. flush() adds them to the rest.
        self._passes: dict[tuple[int, str], int] = {}
        # Recent events; made JSON when flushed, not on the request path (most of a
        # flood's events are dropped as older than the limit).
        self._events: deque[Event] = _recent()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- recording (request path) --------------------------------------------------------

    def record(self, event: Event) -> None:
        if event.kind is _PASS:
            self.record_pass(event.rule, event.level, event.at)
        else:
            if self._thread is None and self._background:
                self._start()
            self._record_decision(event)

    def record_pass(self, rule: str | None, level: str | None, at: float) -> None:
        # The hot path (every request with a clearance): a key cached for the current
        # minute and one increment under the lock; no store, no JSON, no arithmetic.
        if self._thread is None and self._background:
            self._start()
        minute = self._minute  # one read: another thread may move on to the next minute
        if not minute.start <= at < minute.end:
            minute = self._enter_minute(at)
        key = minute.keys.get((rule, level)) or minute.key(rule, level)
        lock = self._lock
        lock.acquire()  # not `with`: measurably slower on this per-request path
        try:
            passes = self._passes  # read under the lock: flush() swaps it
            passes[key] = passes.get(key, 0) + 1
        finally:
            lock.release()

    def _enter_minute(self, at: float) -> _Minute:
        self._minute = minute = _Minute(schema.minute_of(at))
        return minute

    def _record_decision(self, event: Event) -> None:
        kind, at = event.kind, event.at
        bucket = self._minute  # the same keys as passes, made once per bucket
        if not bucket.start <= at < bucket.end:
            bucket = self._enter_minute(at)
        minute = bucket.start
        jsd = _JSD.get(kind)
        if jsd is not None:  # counted only: one per page view is no recent event
            field = schema.jsd_field(jsd, schema.label(event.reason))
            with self._lock:
                self._pending[minute, field] += 1
            return
        with self._lock:
            self._events.append(event)
            if kind is Kind.PAT_PRESENTED:  # counted by outcome, not by rule
                self._pending[minute, schema.pat_field(schema.label(event.reason))] += 1
            if kind in _WIDGET:
                outcome = schema.label(event.reason)
                field = schema.widget_field(_VALUE[kind], schema.label(event.sitekey), outcome)
                self._pending[minute, field] += 1
                return
            if kind is Kind.CHALLENGE_SOLVED:
                self._count_solve(event, schema.label(event.rule))
                return
            rule, level = event.rule, event.level
            key = bucket.counts.get((kind, rule, level)) or bucket.count_key(kind, rule, level)
            self._pending[key] += 1
            if kind is Kind.CHALLENGE_FAILED:
                reason = schema.label(event.reason)
                self._pending[minute, schema.reason_field(reason, schema.label(level))] += 1
            if event.country:  # the usual case: nothing located the client
                code = schema.country(event.country)
                if code is not None:
                    self._pending[minute, schema.geo_field("c", _VALUE[kind], code)] += 1
            if event.asn is not None:
                field = schema.geo_field("a", _VALUE[kind], str(int(event.asn)))
                self._pending[minute, field] += 1

    def _count_solve(self, event: Event, rule: str) -> None:
        # Caller holds the lock.
        minute, level = schema.minute_of(event.at), schema.label(event.level)
        kind = Kind.CHALLENGE_SOLVED.value
        self._pending[minute, schema.count_field(kind, rule, level)] += 1
        if event.solve_ms is not None:
            ms = max(0, int(event.solve_ms))
            self._pending[minute, schema.solve_field(rule, level, schema.solve_bucket(ms))] += 1
            self._pending[minute, schema.solve_sum_field(rule, level)] += ms
        code = schema.country(event.country)
        if code is not None:
            self._pending[minute, schema.geo_field("c", kind, code)] += 1

    # -- flushing (background thread) ----------------------------------------------------

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(
                target=self._run, name="humangate-analytics", daemon=True
            )
            self._thread.start()
        # Last counts on a clean exit; a weak reference, and quiet: at exit nobody can act
        # on a warning (the store may be gone already).
        ref = weakref.ref(self)
        atexit.register(lambda: _flush_if_alive(ref))

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self.flush()

    def stop(self) -> None:
        self._stop.set()
        self.flush()

    def flush(self, *, quiet: bool = False) -> bool:
        """Write what was counted since the last flush. False if the store failed."""
        with self._lock:
            pending, self._pending = self._pending, Counter()
            pending.update(self._passes)  # Counter.update adds the counts
            self._passes = {}
            events, self._events = self._events, _recent()
        if not (pending or events):
            return True
        try:
            store = self._store()
            if pending:
                store.hincr_many(_by_minute(pending), schema.RETENTION_SECONDS + 120)
                store.hincr_many({schema.TOTAL_KEY: _totals(pending)}, schema.TOTAL_TTL_SECONDS)
            if events:
                store.push_recent(
                    schema.RECENT_KEY,
                    [_event_json(event) for event in events],
                    schema.RECENT_LIMIT,
                    schema.RECENT_TTL_SECONDS,
                )
        except StoreError as exc:
            if not quiet:
                self._warn(exc)
            self._requeue(pending)
            return False
        except Exception:  # never let the flusher thread die
            logger.exception("humangate analytics flush failed")
            return False
        return True

    def _requeue(self, pending: Counter[tuple[int, str]]) -> None:
        with self._lock:
            if len(self._pending) + len(pending) <= MAX_PENDING_FIELDS:
                self._pending.update(pending)


def _recent() -> deque[Event]:
    """The newest events only: appending past the limit drops the oldest."""
    return deque(maxlen=schema.RECENT_LIMIT)


def _flush_if_alive(ref: weakref.ref[Recorder]) -> None:
    recorder = ref()
    if recorder is not None:
        recorder.flush(quiet=True)


def _reset_if_alive(ref: weakref.ref[Recorder]) -> None:
    recorder = ref()
    if recorder is not None:
        recorder._reset()  # our own fork hook


def _by_minute(pending: Counter[tuple[int, str]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    geo_seen: dict[str, set[str]] = {}
    for (minute, field), amount in pending.items():
        name = _cap_geo(field, geo_seen)
        bucket = out.setdefault(schema.minute_key(minute), {})
        bucket[name] = bucket.get(name, 0) + amount
    return out


def _totals(pending: Counter[tuple[int, str]]) -> dict[str, int]:
    out: dict[str, int] = {}
    geo_seen: dict[str, set[str]] = {}
    for (_, field), amount in pending.items():
        name = _cap_geo(field, geo_seen)
        out[name] = out.get(name, 0) + amount
    return out


def _cap_geo(field: str, seen: dict[str, set[str]]) -> str:
    """Bound distinct countries/ASNs per flush; extras are counted as 'other'."""
    if not field.startswith(("c|", "a|")):
        return field
    dimension, kind, value = field.split("|", 2)
    values = seen.setdefault(dimension + kind, set())
    if value in values or len(values) < MAX_GEO_PER_FLUSH:
        values.add(value)
        return field
    return f"{dimension}|{kind}|other"


def _event_json(event: Event) -> str:
    data = {
        "kind": event.kind.value,
        "ray": event.ray,
        "at": round(event.at, 3),
        "rule": event.rule,
        "action": event.action,
        "level": event.level,
        "reason": event.reason,
        "path": (event.path or "")[:200] or None,
        "country": event.country,
        "asn": event.asn,
        "solve_ms": event.solve_ms,
        "sitekey": event.sitekey,
        "client_ip": event.client_ip,  # set only when the owner enabled log_client_ip
    }
    return compact({k: v for k, v in data.items() if v is not None})
