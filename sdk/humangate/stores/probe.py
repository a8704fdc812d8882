"""Start-up checks of a store: what cannot be known from the URI alone.

:func:`check_sqlite` fails for a database the gate could never write (a missing
directory, a read-only file or directory); :func:`reach_redis` tries the server once.
Both run before the first request, so a wrong store is a start-up error (or, for an
unreachable Redis, a start-up warning) rather than an error page on every request.
"""

from __future__ import annotations

import os
from pathlib import Path

from humangate.errors import ConfigError, StoreError
from humangate.stores import open_store, sqlite_path
from humangate.stores._validation import redact_uri

_PROBE_KEY = "humangate:startup-probe"
REDIS_SCHEMES = ("redis", "rediss", "unix")


def check_sqlite(uri: str) -> None:
    """Raise :class:`ConfigError` unless this process can create and write ``uri``'s file.

    Does nothing for other schemes. The probe writes one short-lived marker (a real
    write: permission bits say nothing for root or on read-only mounts) and closes the
    connection again, so nothing opened here crosses a fork into a worker.
    """
    path = sqlite_path(uri)
    if path is None:
        return
    target = Path(path)
    directory = target.absolute().parent
    if not directory.is_dir():
        raise ConfigError(
            "store",
            f"{uri!r}: the directory {str(directory)!r} does not exist; create it or "
            "choose another path",
        )
    if not os.access(directory, os.W_OK | os.X_OK):
        raise ConfigError(
            "store",
            f"{uri!r}: this process cannot write to {str(directory)!r} (SQLite keeps its "
            "journal next to the database); make it writable or choose another path",
        )
    if target.exists() and not os.access(target, os.W_OK):
        raise ConfigError("store", f"{uri!r}: the file {path!r} is read-only for this process")
    try:
        store = open_store(uri)
        try:
            store.spend(_PROBE_KEY, 1)
        finally:
            store.close()
    except StoreError as exc:
        raise ConfigError("store", f"{uri!r}: cannot write the database: {exc}") from None


def reach_redis(uri: str) -> str | None:
    """Try a Redis store once: ``None`` if it answered (or ``uri`` is not Redis), else
    what went wrong."""
    if uri.partition("://")[0].lower() not in REDIS_SCHEMES:
        return None
    from humangate.stores.redis import RedisStore  # noqa: PLC0415 - optional extra

    store = open_store(uri)
    if not isinstance(store, RedisStore):
        return None
    try:
        store.ping()
    except StoreError as exc:
        return f"cannot reach Redis at {redact_uri(uri)}: {exc}"
    finally:
        store.close()
    return None
