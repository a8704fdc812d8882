"""SQLite store: the embedded default, correct across worker processes on one machine.

Every operation is one atomic statement (or one ``BEGIN IMMEDIATE`` transaction), so
SQLite's file locking is what makes spends exactly-once across gunicorn workers. WAL mode
lets readers proceed while a writer commits; ``busy_timeout`` makes writers queue instead
of failing. Expiry uses the wall clock (``time.time()``) because the file outlives
processes and reboots, which a monotonic clock does not.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

from humangate.errors import StoreError
from humangate.stores._validation import (
    check_amount,
    check_limit,
    check_seconds,
    normalize_key,
)

logger = logging.getLogger("humangate.stores")

DEFAULT_TIMEOUT = 5.0
DEFAULT_PURGE_INTERVAL = 60.0
# Rows deleted per purge statement: bounds how long one request holds the write lock.
_PURGE_BATCH = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS humangate_store (
    key        TEXT    PRIMARY KEY NOT NULL,
    value      INTEGER NOT NULL,
    expires_at REAL    NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS humangate_store_expires_at ON humangate_store (expires_at);
CREATE TABLE IF NOT EXISTS humangate_hash (
    key        TEXT    NOT NULL,
    field      TEXT    NOT NULL,
    value      INTEGER NOT NULL,
    expires_at REAL    NOT NULL,
    PRIMARY KEY (key, field)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS humangate_hash_expires_at ON humangate_hash (expires_at);
CREATE TABLE IF NOT EXISTS humangate_list (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    key        TEXT    NOT NULL,
    value      TEXT    NOT NULL,
    expires_at REAL    NOT NULL
);
CREATE INDEX IF NOT EXISTS humangate_list_key ON humangate_list (key, id);
"""

# Analytics hash fields: sliding expiry, and an expired field starts over from zero.
_HINCR = """
INSERT INTO humangate_hash (key, field, value, expires_at)
VALUES (:key, :field, :amount, :expires_at)
ON CONFLICT (key, field) DO UPDATE SET
    value      = CASE WHEN expires_at <= :now THEN excluded.value ELSE value + excluded.value END,
    expires_at = excluded.expires_at
"""

_LIST_TRIM = """
DELETE FROM humangate_list WHERE key = :key AND id NOT IN (
    SELECT id FROM humangate_list WHERE key = :key ORDER BY id DESC LIMIT :limit
)
"""

# Insert the marker, or take over a row whose time is up; a live row is left alone and
# the statement changes nothing, which is how the caller learns it lost.
_SPEND = """
INSERT INTO humangate_store (key, value, expires_at) VALUES (:key, 1, :expires_at)
ON CONFLICT (key) DO UPDATE SET value = 1, expires_at = excluded.expires_at
WHERE humangate_store.expires_at <= :now
"""

# A live counter keeps its expiry (fixed window); an expired one starts over.
_INCR = """
INSERT INTO humangate_store (key, value, expires_at) VALUES (:key, :amount, :expires_at)
ON CONFLICT (key) DO UPDATE SET
    value      = CASE WHEN expires_at <= :now THEN excluded.value ELSE value + excluded.value END,
    expires_at = CASE WHEN expires_at <= :now THEN excluded.expires_at ELSE expires_at END
"""

_PURGE = """
DELETE FROM humangate_store WHERE key IN (
    SELECT key FROM humangate_store WHERE expires_at <= :now LIMIT :limit
)
"""


class _Connection:
    """Holds one thread's connection; weak-referenceable, unlike sqlite3.Connection.

    When the thread ends, its ``threading.local`` drops this holder and the connection
    is closed by garbage collection, so thread-per-request servers do not leak handles.
    """

    __slots__ = ("__weakref__", "db")

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db


class SQLiteStore:
    """:class:`~humangate.stores.base.Store` on one SQLite file (one connection per thread)."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        timeout: float = DEFAULT_TIMEOUT,
        purge_interval: float = DEFAULT_PURGE_INTERVAL,
    ) -> None:
        if sqlite3.sqlite_version_info < (3, 24, 0):
            raise StoreError(f"SQLite >= 3.24 is required (upsert), found {sqlite3.sqlite_version}")
        self._path = os.fspath(path)
        self._timeout = check_seconds("timeout", timeout)
        self._purge_interval = check_seconds("purge_interval", purge_interval)
        self._closed = False
        self._reset_process_state()
        # Create the schema now so a bad path fails at startup, then close the connection:
        # nothing opened here may cross a fork into a gunicorn worker.
        with self._errors():
            db = self._connect()
            try:
                db.executescript(_SCHEMA)
            finally:
                db.close()

    @property
    def path(self) -> str:
        return self._path

    # -- sync API ---------------------------------------------------------------------

    def spend(self, key: str, ttl: float) -> bool:
        name, ttl = normalize_key(key), check_seconds("ttl", ttl)
        with self._errors():
            db, now = self._db(), time.time()
            self._maybe_purge(db, now)
            cursor = db.execute(_SPEND, {"key": name, "expires_at": now + ttl, "now": now})
            return cursor.rowcount == 1

    def is_spent(self, key: str) -> bool:
        return self._live_value(normalize_key(key)) is not None

    def incr(self, key: str, window: float, amount: int = 1) -> int:
        name, window = normalize_key(key), check_seconds("window", window)
        amount = check_amount(amount)
        if amount == 0:  # a read: no write lock, and no row left behind
            return self._live_value(name) or 0
        with self._errors():
            db, now = self._db(), time.time()
            self._maybe_purge(db, now)
            # IMMEDIATE takes the write lock up front, so the upsert and the read-back
            # see the same row and no other writer can slip in between.
            db.execute("BEGIN IMMEDIATE")
            try:
                params = {"key": name, "amount": amount, "expires_at": now + window, "now": now}
                db.execute(_INCR, params)
                (total,) = db.execute(
                    "SELECT value FROM humangate_store WHERE key = ?", (name,)
                ).fetchone()
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
            return int(total)

    def hincr_many(self, updates: Mapping[str, Mapping[str, int]], ttl: float) -> None:
        ttl = check_seconds("ttl", ttl)
        rows = [
            (normalize_key(key), name, check_amount(amount))
            for key, counts in updates.items()
            for name, amount in counts.items()
        ]
        with self._errors():
            db, now = self._db(), time.time()
            self._maybe_purge(db, now)
            params = [
                {"key": k, "field": f, "amount": a, "expires_at": now + ttl, "now": now}
                for k, f, a in rows
            ]
            with self._transaction(db):
                db.executemany(_HINCR, params)

    def hget_many(self, keys: Sequence[str]) -> list[dict[str, int]]:
        names = [normalize_key(key) for key in keys]
        found: dict[str, dict[str, int]] = {name: {} for name in names}
        with self._errors():
            db, now = self._db(), time.time()
            # Chunks stay under SQLite's bound-parameter limit on old builds (999).
            for start in range(0, len(names), 500):
                chunk = names[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = (
                    "SELECT key, field, value FROM humangate_hash "  # noqa: S608 - only '?' marks
                    f"WHERE key IN ({marks}) AND expires_at > ?"
                )
                for key, name, value in db.execute(query, (*chunk, now)):
                    found[key][name] = int(value)
        return [dict(found[name]) for name in names]

    def push_recent(self, key: str, values: Sequence[str], limit: int, ttl: float) -> None:
        name, ttl, limit = normalize_key(key), check_seconds("ttl", ttl), check_limit(limit)
        with self._errors():
            db, now = self._db(), time.time()
            self._maybe_purge(db, now)
            with self._transaction(db):
                db.executemany(
                    "INSERT INTO humangate_list (key, value, expires_at) VALUES (?, ?, ?)",
                    [(name, str(value), now + ttl) for value in values],
                )
                db.execute(
                    "UPDATE humangate_list SET expires_at = ? WHERE key = ?", (now + ttl, name)
                )
                db.execute(_LIST_TRIM, {"key": name, "limit": limit})

    def recent(self, key: str, limit: int) -> list[str]:
        name, limit = normalize_key(key), check_limit(limit)
        with self._errors():
            rows = (
                self._db()
                .execute(
                    "SELECT value FROM humangate_list WHERE key = ? AND expires_at > ? "
                    "ORDER BY id DESC LIMIT ?",
                    (name, time.time(), limit),
                )
                .fetchall()
            )
        return [str(value) for (value,) in rows]

    def purge(self) -> int:
        """Delete every expired row now; returns how many were deleted."""
        with self._errors():
            db, now, removed = self._db(), time.time(), 0
            while True:
                deleted = db.execute(_PURGE, {"now": now, "limit": _PURGE_BATCH}).rowcount
                removed += deleted
                if deleted < _PURGE_BATCH:
                    return removed + self._purge_aggregates(db, now)

    def close(self) -> None:
        """Close every connection this process opened. Later calls raise StoreError."""
        with self._lock:
            self._closed = True
            holders = list(self._holders)
            self._holders.clear()
        for holder in holders:
            holder.db.close()

    # -- async API: sqlite3 blocks, so each call runs in the default thread pool (and so
    # uses that worker thread's own connection).

    async def aspend(self, key: str, ttl: float) -> bool:
        return await asyncio.to_thread(self.spend, key, ttl)

    async def ais_spent(self, key: str) -> bool:
        return await asyncio.to_thread(self.is_spent, key)

    async def aincr(self, key: str, window: float, amount: int = 1) -> int:
        return await asyncio.to_thread(self.incr, key, window, amount)

    async def aclose(self) -> None:
        self.close()

    # -- internals --------------------------------------------------------------------

    def _live_value(self, name: str) -> int | None:
        """The value stored under ``name``, or None when there is none or it expired."""
        with self._errors():
            row = (
                self._db()
                .execute(
                    "SELECT value FROM humangate_store WHERE key = ? AND expires_at > ?",
                    (name, time.time()),
                )
                .fetchone()
            )
        return int(row[0]) if row is not None else None

    def _reset_process_state(self) -> None:
        # Also run in a forked child: the parent's lock may have been held at fork time
        # and its connections must never be used (SQLite forbids it) nor closed (closing
        # could release locks the parent still relies on), so they are simply forgotten.
        self._pid = os.getpid()
        self._lock = threading.Lock()
        self._local = threading.local()
        self._holders: weakref.WeakSet[_Connection] = weakref.WeakSet()
        self._next_purge = 0.0

    def _connect(self) -> sqlite3.Connection:
        # isolation_level=None: autocommit, so each statement is its own transaction and
        # the module never opens one implicitly behind our back.
        db = sqlite3.connect(
            self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        try:
            mode = self._journal_mode_wal(db)
            if str(mode).lower() != "wal":
                logger.warning("sqlite store %s: WAL unavailable, using %s", self._path, mode)
            # Safe with WAL: a power cut may lose the last commits, never corrupt the file.
            db.execute("PRAGMA synchronous=NORMAL")
        except BaseException:
            db.close()
            raise
        return db

    def _journal_mode_wal(self, db: sqlite3.Connection) -> str:
        """Switch to WAL; the mode in force. Switching takes an exclusive lock, and SQLite
        answers "database is locked" at once, without its busy handler, while another
        process switches the same new file (gunicorn workers starting together): retry
        for up to ``timeout`` like any other busy wait."""
        deadline = time.monotonic() + self._timeout
        pause = 0.005
        while True:
            try:
                (mode,) = db.execute("PRAGMA journal_mode=WAL").fetchone()
                return str(mode)
            except sqlite3.OperationalError as exc:
                # The primary result code is the low byte of an extended one.
                busy = (exc.sqlite_errorcode & 0xFF) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
                if not busy or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def _db(self) -> sqlite3.Connection:
        if os.getpid() != self._pid:
            self._reset_process_state()
        if self._closed:
            raise StoreError(f"sqlite store {self._path} is closed")
        holder: _Connection | None = getattr(self._local, "holder", None)
        if holder is None:
            holder = _Connection(self._connect())
            self._local.holder = holder
            with self._lock:
                self._holders.add(holder)
        return holder.db

    def _maybe_purge(self, db: sqlite3.Connection, now: float) -> None:
        # One bounded batch per interval per process keeps the table near its live size
        # without a background thread; a full batch means more is waiting, so go again soon.
        tick = time.monotonic()
        if tick < self._next_purge:
            return
        deleted = db.execute(_PURGE, {"now": now, "limit": _PURGE_BATCH}).rowcount
        self._purge_aggregates(db, now)
        self._next_purge = tick + (0.0 if deleted >= _PURGE_BATCH else self._purge_interval)

    @staticmethod
    def _purge_aggregates(db: sqlite3.Connection, now: float) -> int:
        removed = db.execute("DELETE FROM humangate_hash WHERE expires_at <= ?", (now,)).rowcount
        removed += db.execute("DELETE FROM humangate_list WHERE expires_at <= ?", (now,)).rowcount
        return int(removed)

    @staticmethod
    @contextmanager
    def _transaction(db: sqlite3.Connection) -> Iterator[None]:
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"sqlite store {self._path}: {exc}") from exc
