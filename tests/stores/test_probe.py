"""Start-up probes: a SQLite file the gate could never write, a Redis it cannot reach."""

from __future__ import annotations

from pathlib import Path

import pytest

from humangate.errors import ConfigError
from humangate.stores.probe import check_sqlite, reach_redis
from tests.stores.redis_server import RedisServer, free_port


def test_missing_directory_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such"
    with pytest.raises(ConfigError, match="does not exist") as caught:
        check_sqlite(f"sqlite:///{missing / 'gate.db'}")
    assert str(missing) in str(caught.value)
    assert not missing.exists()  # nothing created on the owner's behalf


def test_unwritable_location_fails(tmp_path: Path) -> None:
    # /proc refuses new files even to root, where permission bits would not.
    with pytest.raises(ConfigError, match="store"):
        check_sqlite("sqlite:////proc/humangate-probe.db")


def test_a_file_that_is_not_a_database_fails(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not sqlite at all, just some text that is long enough" * 20)
    with pytest.raises(ConfigError, match="cannot write the database"):
        check_sqlite(f"sqlite:///{path}")


def test_writable_path_passes_and_leaves_a_valid_database(tmp_path: Path) -> None:
    path = tmp_path / "gate.db"
    check_sqlite(f"sqlite:///{path}")
    assert path.exists()


def test_other_schemes_are_not_sqlite_checked() -> None:
    check_sqlite("memory://")
    check_sqlite("redis://127.0.0.1:1/0")


def test_unreachable_redis_names_the_address_without_password() -> None:
    port = free_port()
    problem = reach_redis(f"redis://:hunter2@127.0.0.1:{port}/0")
    assert problem is not None
    assert f"127.0.0.1:{port}" in problem
    assert "hunter2" not in problem


@pytest.mark.redis
def test_reachable_redis(tmp_path: Path) -> None:
    server = RedisServer(tmp_path)
    server.start()
    try:
        assert reach_redis(server.url) is None
    finally:
        server.stop()


def test_non_redis_is_not_reached() -> None:
    assert reach_redis("memory://") is None
