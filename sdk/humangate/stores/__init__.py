"""Shared-state backends and :func:`open_store`, which picks one from a URI.

==============================================  =========================================
``memory://[?max_entries=N]``                   this process only (tests, one worker)
``sqlite:///relative.db`` / ``sqlite:////abs``  one machine, any number of workers
``redis://[:password@]host[:port][/db]``        many machines (also ``rediss://`` for TLS
                                                and ``unix:///path/redis.sock?db=0``)
==============================================  =========================================

Every backend accepts the options after ``?`` listed in its factory below; redis URIs
also pass redis-py's own query options (``socket_timeout``, ``ssl_ca_certs``...) through.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from urllib.parse import SplitResult, parse_qsl, unquote, urlencode, urlsplit

from humangate.errors import ConfigError
from humangate.stores._validation import redact_uri
from humangate.stores.base import Store
from humangate.stores.memory import DEFAULT_MAX_ENTRIES, MemoryStore
from humangate.stores.sqlite import SQLiteStore

__all__ = ["MemoryStore", "SQLiteStore", "Store", "open_store"]

_SQLITE_PREFIX = "sqlite:///"
_REDIS_DB_PATH = re.compile(r"/?|/[0-9]+")


def open_store(uri: str) -> Store:
    """Build the store ``uri`` names. Nothing connects yet except SQLite's schema check.

    Raises :class:`~humangate.errors.ConfigError` (field ``"store"``) for an unknown
    scheme, a malformed URI or a missing driver.
    """
    if not isinstance(uri, str):
        raise ConfigError("store", f"expected a URI string, got {type(uri).__name__}")
    scheme, sep, _ = uri.partition("://")
    factory = _SCHEMES.get(scheme.lower()) if sep else None
    if factory is None:
        known = ", ".join(f"{name}://" for name in _SCHEMES)
        raise ConfigError("store", f"{redact_uri(uri)!r} has no known scheme; use one of {known}")
    return factory(uri)


def _memory(uri: str) -> Store:
    parts = _split(uri)
    if parts.netloc or parts.path not in ("", "/"):
        raise ConfigError("store", f"{uri!r}: memory:// takes no host or path")
    options = _options(uri, parts.query, allowed=("max_entries",))
    return MemoryStore(max_entries=_int(uri, options, "max_entries", DEFAULT_MAX_ENTRIES))


def _sqlite(uri: str) -> Store:
    # Same convention as SQLAlchemy: everything after "sqlite:///" is the path, so
    # sqlite:///state.db is relative to the working directory and sqlite:////var/x.db
    # is absolute.
    if not uri.lower().startswith(_SQLITE_PREFIX):
        raise ConfigError(
            "store",
            f"{uri!r}: SQLite URIs have no host; use sqlite:///relative.db "
            "or sqlite:////absolute/path.db",
        )
    raw_path, _, query = uri[len(_SQLITE_PREFIX) :].partition("?")
    path = unquote(raw_path)
    if not path or path.endswith("/"):
        raise ConfigError("store", f"{uri!r}: no database file named after sqlite:///")
    if path == ":memory:":
        raise ConfigError(
            "store", f"{uri!r}: in-memory SQLite is private to one connection; use memory://"
        )
    options = _options(uri, query, allowed=("timeout",))
    timeout = _float(uri, options, "timeout", 5.0)
    return SQLiteStore(path, timeout=timeout)


def _redis(uri: str) -> Store:
    try:
        # Imported here so the redis package stays an optional extra.
        from humangate.stores.redis import DEFAULT_PREFIX, RedisStore  # noqa: PLC0415
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.partition(".")[0] != "redis":
            raise
        raise ConfigError(
            "store",
            f"{redact_uri(uri)!r} needs the redis package (redis>=5): "
            "pip install 'humangate[redis]'",
        ) from exc
    parts = _split(uri)
    # redis-py silently ignores a database path it cannot parse; a typo must not quietly
    # put every worker on db 0.
    if parts.scheme != "unix" and not _REDIS_DB_PATH.fullmatch(parts.path):
        raise ConfigError("store", f"{redact_uri(uri)!r}: the path must be a database number")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    prefix = DEFAULT_PREFIX
    for name, value in pairs:
        if name == "prefix":
            prefix = value
    # Rebuilt by hand: urlunsplit would turn unix:///path into unix:/path.
    rest = urlencode([(name, value) for name, value in pairs if name != "prefix"])
    base = f"{parts.scheme}://{uri.partition('://')[2].partition('?')[0]}"  # scheme lower-cased
    return RedisStore(f"{base}?{rest}" if rest else base, prefix=prefix)


# The explicit registry: one line per scheme, nothing registers itself on import.
_SCHEMES: Mapping[str, Callable[[str], Store]] = {
    "memory": _memory,
    "sqlite": _sqlite,
    "redis": _redis,
    "rediss": _redis,
    "unix": _redis,
}
STORE_SCHEMES = tuple(_SCHEMES)


def _split(uri: str) -> SplitResult:
    try:
        return urlsplit(uri)
    except ValueError as exc:
        raise ConfigError("store", f"{redact_uri(uri)!r} is malformed: {exc}") from exc


def _options(uri: str, query: str, allowed: tuple[str, ...]) -> dict[str, str]:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        accepted = ", ".join(allowed) or "none"
        raise ConfigError("store", f"{uri!r}: unknown option(s) {unknown}; accepted: {accepted}")
    return options


def _int(uri: str, options: Mapping[str, str], name: str, default: int) -> int:
    if name not in options:
        return default
    try:
        value = int(options[name])
    except ValueError:
        value = 0
    if value < 1:
        raise ConfigError("store", f"{uri!r}: {name} must be a whole number >= 1")
    return value


def _float(uri: str, options: Mapping[str, str], name: str, default: float) -> float:
    if name not in options:
        return default
    try:
        value = float(options[name])
    except ValueError:
        value = 0.0
    if not 0 < value < float("inf"):
        raise ConfigError("store", f"{uri!r}: {name} must be a number of seconds > 0")
    return value
