"""Redis (or Valkey) store, for several machines sharing state.

Only plain commands and one small Lua script are used (``SET NX PX``, ``EXISTS``,
``INCRBY``/``PTTL``/``PEXPIRE``), so any Redis >= 2.6.12 or Valkey works. Timeouts are
short and there is a single immediate retry on a dropped connection: an unreachable
server must turn into a quick :class:`~humangate.errors.StoreError`, never a hung
request.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
import weakref
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import redis
import redis.asyncio
import redis.asyncio.retry
import redis.backoff
import redis.connection
import redis.exceptions
import redis.retry
from redis.commands.core import AsyncScript, Script

from humangate.errors import ConfigError, StoreError
from humangate.stores._validation import (
    check_amount,
    check_limit,
    check_seconds,
    normalize_key,
    redact_uri,
    to_milliseconds,
)

DEFAULT_PREFIX = "humangate:"
DEFAULT_TIMEOUT = 0.5

# Counting and starting the window must be one atomic step: were the expiry set by a
# second command, a crash in between would leave a counter that never expires. PTTL -1
# means "exists without expiry", i.e. this increment created the key. Adding 0 is a read,
# which must not create the key (nor start its window).
_INCR_SCRIPT = """
if ARGV[1] == '0' then
    return tonumber(redis.call('GET', KEYS[1]) or '0')
end
local total = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('PTTL', KEYS[1]) == -1 then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return total
"""

_ERRORS = (redis.exceptions.RedisError, OSError)

_CONNECTION_CLASSES: Mapping[str, type[Any]] = {
    "redis": redis.connection.Connection,
    "rediss": redis.connection.SSLConnection,
    "unix": redis.connection.UnixDomainSocketConnection,
}


def url_options(scheme: str) -> frozenset[str]:
    """The query options redis-py accepts in a ``scheme://`` URL: those it parses itself
    and the keyword arguments of the connection class it passes the rest to."""
    names = set(redis.connection.URL_QUERY_ARGUMENT_PARSERS)
    for cls in _CONNECTION_CLASSES.get(scheme.lower(), redis.connection.Connection).__mro__:
        init = cls.__dict__.get("__init__")
        if init is None:
            continue
        for param in inspect.signature(init).parameters.values():
            if param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY):
                names.add(param.name)
    names.discard("self")
    return frozenset(names)


_C = TypeVar("_C", redis.Redis, redis.asyncio.Redis)


class RedisStore:
    """:class:`~humangate.stores.base.Store` on Redis; clients connect on first use."""

    def __init__(
        self, url: str, *, prefix: str = DEFAULT_PREFIX, timeout: float = DEFAULT_TIMEOUT
    ) -> None:
        self.check_url(url)
        self._url = url
        self._prefix = prefix
        self._timeout = check_seconds("timeout", timeout)
        self._lock = threading.Lock()
        self._sync: tuple[redis.Redis, Script] | None = None
        # An asyncio client is bound to the loop it first ran on, so keep one per loop.
        self._async: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[redis.asyncio.Redis, AsyncScript]
        ] = weakref.WeakKeyDictionary()
        self._closed = False

    @staticmethod
    def check_url(url: str) -> None:
        """Raise :class:`ConfigError` unless redis-py can parse ``url``; no I/O."""
        try:
            redis.connection.parse_url(url)  # type: ignore[no-untyped-call]  # untyped in redis-py
        except ValueError as exc:
            raise ConfigError("store", f"invalid Redis URL {redact_uri(url)!r}: {exc}") from exc

    @property
    def address(self) -> str:
        """The server's URL with any password redacted, for logs and errors."""
        return redact_uri(self._url)

    def ping(self) -> None:
        """Reach the server once; :class:`StoreError` if it does not answer."""
        with self._errors():
            client, _ = self._client()
            client.ping()

    @property
    def prefix(self) -> str:
        return self._prefix

    # -- sync API ---------------------------------------------------------------------

    def spend(self, key: str, ttl: float) -> bool:
        name, ms = self._name(key), to_milliseconds(check_seconds("ttl", ttl))
        with self._errors():
            client, _ = self._client()
            return bool(client.set(name, 1, nx=True, px=ms))

    def is_spent(self, key: str) -> bool:
        name = self._name(key)
        with self._errors():
            client, _ = self._client()
            return bool(client.exists(name))

    def incr(self, key: str, window: float, amount: int = 1) -> int:
        name, ms = self._name(key), to_milliseconds(check_seconds("window", window))
        amount = check_amount(amount)
        with self._errors():
            _, script = self._client()
            return int(script(keys=[name], args=[amount, ms]))

    def hincr_many(self, updates: Mapping[str, Mapping[str, int]], ttl: float) -> None:
        ms = to_milliseconds(check_seconds("ttl", ttl))
        with self._errors():
            client, _ = self._client()
            # MULTI/EXEC: the increments and their expiry land together or not at all.
            pipe = client.pipeline(transaction=True)
            for key, counts in updates.items():
                if not counts:
                    continue
                name = self._name(key)
                for field_name, amount in counts.items():
                    pipe.hincrby(name, field_name, check_amount(amount))
                pipe.pexpire(name, ms)
            pipe.execute()

    def hget_many(self, keys: Sequence[str]) -> list[dict[str, int]]:
        names = [self._name(key) for key in keys]
        with self._errors():
            client, _ = self._client()
            pipe = client.pipeline(transaction=False)
            for name in names:
                pipe.hgetall(name)
            replies: list[dict[bytes, bytes]] = pipe.execute()
        return [{k.decode(): int(v) for k, v in reply.items()} for reply in replies]

    def push_recent(self, key: str, values: Sequence[str], limit: int, ttl: float) -> None:
        name, ms = self._name(key), to_milliseconds(check_seconds("ttl", ttl))
        limit = check_limit(limit)
        if not values:
            return
        with self._errors():
            client, _ = self._client()
            pipe = client.pipeline(transaction=True)
            pipe.lpush(name, *values)  # each to the head: the newest ends up first
            pipe.ltrim(name, 0, limit - 1)
            pipe.pexpire(name, ms)
            pipe.execute()

    def recent(self, key: str, limit: int) -> list[str]:
        name, limit = self._name(key), check_limit(limit)
        with self._errors():
            client, _ = self._client()
            items: list[bytes | str] = client.lrange(name, 0, limit - 1)
        return [item.decode() if isinstance(item, bytes) else item for item in items]

    def close(self) -> None:
        """Close the sync client; async clients are dropped (use :meth:`aclose` in ASGI)."""
        with self._lock:
            self._closed = True
            pair, self._sync = self._sync, None
            self._async.clear()
        if pair is not None:
            with self._errors():
                pair[0].close()

    # -- async API --------------------------------------------------------------------

    async def aspend(self, key: str, ttl: float) -> bool:
        name, ms = self._name(key), to_milliseconds(check_seconds("ttl", ttl))
        with self._errors():
            client, _ = self._aclient()
            return bool(await client.set(name, 1, nx=True, px=ms))

    async def ais_spent(self, key: str) -> bool:
        name = self._name(key)
        with self._errors():
            client, _ = self._aclient()
            return bool(await client.exists(name))

    async def aincr(self, key: str, window: float, amount: int = 1) -> int:
        name, ms = self._name(key), to_milliseconds(check_seconds("window", window))
        amount = check_amount(amount)
        with self._errors():
            _, script = self._aclient()
            return int(await script(keys=[name], args=[amount, ms]))

    async def aclose(self) -> None:
        """Close this loop's async client and the sync client."""
        loop = asyncio.get_running_loop()
        with self._lock:
            pair = self._async.pop(loop, None)
        if pair is not None:
            with self._errors():
                await pair[0].aclose()
        self.close()

    # -- internals --------------------------------------------------------------------

    def _name(self, key: str) -> str:
        return self._prefix + normalize_key(key)

    def _client(self) -> tuple[redis.Redis, Script]:
        with self._lock:
            self._check_open()
            if self._sync is None:
                client = self._build(redis.Redis, redis.retry.Retry)
                self._sync = (client, client.register_script(_INCR_SCRIPT))
            return self._sync

    def _aclient(self) -> tuple[redis.asyncio.Redis, AsyncScript]:
        loop = asyncio.get_running_loop()
        with self._lock:
            self._check_open()
            pair = self._async.get(loop)
            if pair is None:
                client = self._build(redis.asyncio.Redis, redis.asyncio.retry.Retry)
                pair = self._async[loop] = (client, client.register_script(_INCR_SCRIPT))
            return pair

    def _build(self, cls: type[_C], retry_cls: type[Any]) -> _C:
        # One immediate retry on a dropped connection (typically a pooled socket the
        # server closed when it restarted), none on timeouts: a timed-out command may
        # have run, and running it again would double-count or report a fresh ticket as
        # already spent. (Either way the error is fail-closed, never a replay.)
        retry = retry_cls(redis.backoff.NoBackoff(), 1, (redis.exceptions.ConnectionError,))
        try:
            # Query-string options in the URL (e.g. ?socket_timeout=2) override these.
            return cls.from_url(
                self._url,
                retry=retry,
                socket_timeout=self._timeout,
                socket_connect_timeout=self._timeout,
            )
        except (TypeError, ValueError) as exc:
            # redis-py checks some URL query options only when it builds a client.
            raise StoreError(f"redis store {redact_uri(self._url)}: bad option: {exc}") from exc

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError(f"redis store {redact_uri(self._url)} is closed")

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except _ERRORS as exc:
            raise StoreError(f"redis store {redact_uri(self._url)}: {exc}") from exc
