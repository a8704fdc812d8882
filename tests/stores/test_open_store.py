"""open_store(): the scheme registry and URI validation."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from humangate.errors import ConfigError
from humangate.stores import MemoryStore, SQLiteStore, check_store_uri, open_store
from humangate.stores.redis import RedisStore


def test_memory_uri() -> None:
    store = open_store("memory://")
    assert isinstance(store, MemoryStore)
    assert store.max_entries == 100_000


def test_memory_max_entries_option() -> None:
    store = open_store("memory://?max_entries=10")
    assert isinstance(store, MemoryStore)
    assert store.max_entries == 10


def test_absolute_sqlite_path(tmp_path: Path) -> None:
    target = tmp_path / "abs.db"
    store = open_store(f"sqlite:///{target}")  # sqlite:////tmp/.../abs.db
    assert isinstance(store, SQLiteStore)
    assert store.path == str(target)
    assert target.exists()
    store.close()


def test_relative_sqlite_path_is_relative_to_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    store = open_store("sqlite:///relative.db")
    assert isinstance(store, SQLiteStore)
    assert store.path == "relative.db"
    assert (tmp_path / "relative.db").exists()
    store.close()


def test_sqlite_path_is_percent_decoded(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/with%20space.db")
    assert (tmp_path / "with space.db").exists()
    store.close()


@pytest.mark.parametrize(
    "uri",
    [
        "redis://localhost:6379/0",
        "redis://:secret@example.com",
        "rediss://user:secret@example.com:6380/2",
        "unix:///run/redis.sock?db=1",
        "REDIS://localhost",
    ],
)
def test_redis_uris_open_without_connecting(uri: str) -> None:
    store = open_store(uri)
    assert isinstance(store, RedisStore)
    assert store.prefix == "humangate:"
    store.close()


def test_redis_prefix_option() -> None:
    store = open_store("redis://localhost/0?prefix=myapp:hg:&socket_timeout=1")
    assert isinstance(store, RedisStore)
    assert store.prefix == "myapp:hg:"


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("", "no known scheme"),
        ("memory", "no known scheme"),
        ("postgres://db/x", "no known scheme"),
        ("memory://somewhere", "takes no host"),
        ("memory://?max_entries=0", "max_entries"),
        ("memory://?max_entries=lots", "max_entries"),
        ("memory://?size=3", "unknown option"),
        ("sqlite://relative.db", "no host"),
        ("sqlite:///", "no database file"),
        ("sqlite:///dir/", "no database file"),
        ("sqlite:///:memory:", "memory://"),
        ("sqlite:///x.db?timeout=-1", "timeout"),
        ("sqlite:///x.db?journal=off", "unknown option"),
        ("redis://localhost:notaport/0", "invalid Redis URL"),
        ("redis://localhost/notadb", "database number"),
        ("rediss://localhost/0/1", "database number"),
        ("redis://[::1/0", "malformed"),
    ],
)
def test_bad_uris_raise_config_error(uri: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        open_store(uri)
    assert caught.value.field == "store"


def test_non_string_uri() -> None:
    with pytest.raises(ConfigError, match="URI string"):
        open_store(None)  # type: ignore[arg-type]


def test_passwords_never_appear_in_errors() -> None:
    with pytest.raises(ConfigError) as caught:
        open_store("redis://:hunter2@localhost:bad/0")
    assert "hunter2" not in str(caught.value)
    assert ":***@" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        open_store("nosuch://user:hunter2@host")
    assert "hunter2" not in str(caught.value)


def test_missing_redis_driver_is_a_clear_config_error(monkeypatch: pytest.MonkeyPatch) -> None:
    # Simulate an install without the [redis] extra: importing redis fails.
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.delitem(sys.modules, "humangate.stores.redis")
    with pytest.raises(ConfigError, match=r"pip install 'humangate\[redis\]'"):
        open_store("redis://localhost/0")


@pytest.mark.parametrize(
    ("uri", "suggestion"),
    [
        ("redis://localhost/0?prefx=app:", "prefix"),
        ("redis://localhost/0?socket_timout=1", "socket_timeout"),
        ("rediss://localhost/0?ssl_ca_cert=/x.pem", "ssl_ca_certs"),
        ("memory://?max_entry=5", "max_entries"),
        ("sqlite:///x.db?timeuot=1", "timeout"),
    ],
)
def test_mistyped_options_are_config_errors_with_a_suggestion(uri: str, suggestion: str) -> None:
    # Before: redis-py got ?prefx= as a keyword and raised TypeError on the first request.
    with pytest.raises(ConfigError, match=f"did you mean {suggestion!r}") as caught:
        open_store(uri)
    assert caught.value.field == "store"


@pytest.mark.parametrize(
    "uri",
    [
        "redis://localhost/0?socket_timeout=1&health_check_interval=30&client_name=web",
        "rediss://localhost/0?ssl_ca_certs=/etc/ssl/ca.pem&ssl_cert_reqs=required",
        "unix:///run/redis.sock?db=1&socket_timeout=1",
    ],
)
def test_redis_py_options_still_pass_through(uri: str) -> None:
    open_store(uri).close()


def test_check_store_uri_validates_without_creating_files(tmp_path: Path) -> None:
    check_store_uri(f"sqlite:///{tmp_path / 'later.db'}")
    assert not (tmp_path / "later.db").exists()
    with pytest.raises(ConfigError, match="prefix"):
        check_store_uri("redis://localhost/0?prefx=a")
