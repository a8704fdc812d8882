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
from humangate.suggest import did_you_mean

__all__ = ["MemoryStore", "SQLiteStore", "Store", "check_store_uri", "open_store"]

_SQLITE_PREFIX = "sqlite:///"
_REDIS_DB_PATH = re.compile(r"/?|/[0-9]+")


# What a scheme's parser returns: builds the store. Parsing does no I/O, so a URI can be
# checked (Config, `humangate config check`) without creating files or connecting.
Builder = Callable[[], Store]


def open_store(uri: str) -> Store:
    """Build the store ``uri`` names. Nothing connects yet except SQLite's schema check.

    Raises :class:`~humangate.errors.ConfigError` (field ``"store"``) for an unknown
    scheme, a malformed URI, an unknown option or a missing driver.
    """
    return parse_store_uri(uri)()


def check_store_uri(uri: str) -> None:
    """Raise :class:`~humangate.errors.ConfigError` if :func:`open_store` would; no I/O."""
    parse_store_uri(uri)


def parse_store_uri(uri: str) -> Builder:
    """Validate ``uri`` (scheme, options, driver installed) and return its builder."""
    if not isinstance(uri, str):
        raise ConfigError("store", f"expected a URI string, got {type(uri).__name__}")
    scheme, sep, _ = uri.partition("://")
    factory = _SCHEMES.get(scheme.lower()) if sep else None
    if factory is None:
        known = ", ".join(f"{name}://" for name in _SCHEMES)
        raise ConfigError("store", f"{redact_uri(uri)!r} has no known scheme; use one of {known}")
    return factory(uri)


def sqlite_path(uri: str) -> str | None:
    """The file an ``sqlite:///`` URI names (as given: relative to the working directory)."""
    if not uri.lower().startswith(_SQLITE_PREFIX):
        return None
    return unquote(uri[len(_SQLITE_PREFIX) :].partition("?")[0])


def _memory(uri: str) -> Builder:
    parts = _split(uri)
    if parts.netloc or parts.path not in ("", "/"):
        raise ConfigError("store", f"{uri!r}: memory:// takes no host or path")
    options = _options(uri, parts.query, allowed=("max_entries",))
    max_entries = _int(uri, options, "max_entries", DEFAULT_MAX_ENTRIES)
    return lambda: MemoryStore(max_entries=max_entries)


def _sqlite(uri: str) -> Builder:
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
    return lambda: SQLiteStore(path, timeout=timeout)


def _redis(uri: str) -> Builder:
    try:
        # Imported here so the redis package stays an optional extra.
        from humangate.stores.redis import (  # noqa: PLC0415
            DEFAULT_PREFIX,
            RedisStore,
            url_options,
        )
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
    # redis-py hands options it does not parse itself to the connection class, so a typo
    # (?prefx=) would surface as a TypeError on the first request: refuse it here.
    allowed = {"prefix", *url_options(parts.scheme)}
    for name, _ in pairs:
        if name not in allowed:
            raise ConfigError(
                "store",
                f"{redact_uri(uri)!r}: unknown option {name!r}{did_you_mean(name, allowed)}; "
                "humangate takes 'prefix', redis-py its connection options "
                "(socket_timeout, ssl_ca_certs...)",
            )
    prefix = DEFAULT_PREFIX
    for name, value in pairs:
        if name == "prefix":
            prefix = value
    # Rebuilt by hand: urlunsplit would turn unix:///path into unix:/path.
    rest = urlencode([(name, value) for name, value in pairs if name != "prefix"])
    base = f"{parts.scheme}://{uri.partition('://')[2].partition('?')[0]}"  # scheme lower-cased
    url = f"{base}?{rest}" if rest else base
    RedisStore.check_url(url)
    return lambda: RedisStore(url, prefix=prefix)


# The explicit registry: one line per scheme, nothing registers itself on import.
_SCHEMES: Mapping[str, Callable[[str], Builder]] = {
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
        hint = did_you_mean(unknown[0], allowed)
        raise ConfigError(
            "store", f"{uri!r}: unknown option(s) {unknown}{hint}; accepted: {accepted}"
        )
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
