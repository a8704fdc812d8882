"""SQLite specifics: WAL, purge, forked workers and every fault surfacing as StoreError."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from humangate.errors import StoreError
from humangate.stores import open_store
from humangate.stores.sqlite import SQLiteStore

SDK = Path(__file__).resolve().parents[2] / "sdk"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.db"


def test_uses_wal_mode(db_path: Path) -> None:
    SQLiteStore(db_path).close()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_purge_deletes_only_expired_rows(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    for i in range(2500):  # more than one purge batch
        store.spend(f"short-{i}", 0.1)
    store.spend("long", 60)
    store.incr("counter", 60)
    time.sleep(0.2)
    assert store.purge() == 2500
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT count(*) FROM humangate_store").fetchone() == (2,)
    store.close()


def test_writes_purge_periodically(db_path: Path) -> None:
    store = SQLiteStore(db_path, purge_interval=0.05)
    for i in range(50):
        store.spend(f"short-{i}", 0.05)
    time.sleep(0.1)
    store.spend("trigger", 60)  # the interval has passed: this write purges a batch
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("SELECT count(*) FROM humangate_store").fetchone() == (1,)
    store.close()


def test_locked_past_timeout_is_store_error(db_path: Path) -> None:
    store = open_store(f"sqlite:///{db_path}?timeout=0.1")
    blocker = sqlite3.connect(db_path, isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="locked"):
            store.spend("ticket", 60)
        with pytest.raises(StoreError, match="locked"):
            store.incr("hits", 60)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert store.spend("ticket", 60) is True  # recovers once the lock is released
    store.close()


def test_missing_directory_is_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unable to open"):
        open_store(f"sqlite:///{tmp_path}/no/such/dir/store.db")


def test_read_only_file_is_store_error(db_path: Path) -> None:
    open_store(f"sqlite:///{db_path}").close()
    db_path.chmod(0o444)
    # The check runs in a child process: as root, file modes do not bind, so the child
    # drops the capabilities that let root ignore them (CAP_DAC_OVERRIDE and friends).
    script = textwrap.dedent(
        f"""
        from humangate.errors import StoreError
        from humangate.stores import open_store
        try:
            open_store("sqlite:///{db_path}").spend("ticket", 60)
        except StoreError as exc:
            print("StoreError", exc)
        else:
            print("wrote to a read-only file")
        """
    )
    command = [sys.executable, "-c", script]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.fail("running as root needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE")
        drop = "-dac_override,-dac_read_search,-fowner"
        command = [setpriv, "--inh-caps", drop, "--bounding-set", drop, *command]
    env = {**os.environ, "PYTHONPATH": str(SDK)}
    result = subprocess.run(
        command, check=False, capture_output=True, text=True, timeout=60, env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("StoreError"), result.stdout
    assert "readonly" in result.stdout


def _spend_in_child(store: SQLiteStore, key: str) -> None:
    os._exit(0 if store.spend(key, 60) and not store.spend(key, 60) else 1)


def test_store_used_before_fork_works_in_child(db_path: Path) -> None:
    # gunicorn --preload: the store is built (and maybe used) in the master, then forked.
    store = SQLiteStore(db_path)
    assert store.spend("parent", 60) is True
    child = multiprocessing.get_context("fork").Process(
        target=_spend_in_child, args=(store, "child")
    )
    child.start()
    child.join(timeout=30)
    assert child.exitcode == 0
    assert store.is_spent("child") is True
    assert store.spend("parent", 60) is False
    store.close()


def test_each_thread_gets_its_own_connection(db_path: Path) -> None:
    store = SQLiteStore(db_path)
    seen: list[sqlite3.Connection] = []

    def grab() -> None:
        seen.append(store._db())

    for _ in range(3):
        thread = threading.Thread(target=grab)
        thread.start()
        thread.join()
    assert len({id(db) for db in seen}) == 3
    store.close()


def _open_at_once(uri: str, barrier: Any, results: Any) -> None:
    from humangate.stores.probe import check_sqlite  # noqa: PLC0415 (in the child)

    barrier.wait()
    try:
        check_sqlite(uri)
        store = open_store(uri)
        store.spend(f"worker-{os.getpid()}", 10)
        store.close()
        results.put("ok")
    except Exception as exc:  # reported to the parent
        results.put(repr(exc))


def test_workers_starting_together_on_a_new_file_all_start(tmp_path: Path) -> None:
    """gunicorn forks its workers at once and each opens the store: switching a new file
    to WAL then answered "database is locked" to some (about 3 in 100 before the fix),
    and a worker that cannot open its store fails to boot, taking the server down."""
    context = multiprocessing.get_context("fork")
    failures: list[str] = []
    for round_ in range(30):
        uri = f"sqlite:///{tmp_path / f'new-{round_}.sqlite3'}"
        barrier, results = context.Barrier(6), context.Queue()
        workers = [
            context.Process(target=_open_at_once, args=(uri, barrier, results)) for _ in range(6)
        ]
        for worker in workers:
            worker.start()
        outcomes = [results.get(timeout=30) for _ in workers]
        for worker in workers:
            worker.join(10)
        failures += [outcome for outcome in outcomes if outcome != "ok"]
    assert failures == []
