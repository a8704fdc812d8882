"""Argument checks and key normalisation shared by every backend.

Keeping these in one place is what makes the backends interchangeable: the same key
maps to the same stored name, and the same bad argument fails the same way everywhere.
"""

from __future__ import annotations

import hashlib
import math
from urllib.parse import urlsplit, urlunsplit

MAX_KEY_LENGTH = 512

# Marks a key that was replaced by its digest. A short key can only collide with a
# hashed one if someone deliberately passes "sha256:<digest of a long key>"; keys are
# built by humangate itself (ticket ids, "rate:<ip>"...), never copied raw from a request.
HASHED_KEY_PREFIX = "sha256:"


def normalize_key(key: str) -> str:
    """Return the name ``key`` is stored under.

    Long keys (or keys that are not valid UTF-8, such as lone surrogates) are replaced
    by a SHA-256 digest rather than rejected: a hostile header should cost a hash, not
    an error page.
    """
    if not isinstance(key, str):
        raise TypeError(f"store keys must be str, not {type(key).__name__}")
    if len(key) <= MAX_KEY_LENGTH:
        if key.isascii():  # the usual case (humangate's own keys): nothing to check
            return key
        try:
            key.encode("utf-8")
        except UnicodeEncodeError:
            pass
        else:
            return key
    digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return HASHED_KEY_PREFIX + digest


def check_seconds(name: str, value: float) -> float:
    """Validate a ttl/window: a finite number of seconds greater than zero."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a finite number of seconds > 0, got {value!r}")
    return float(value)


def check_amount(amount: int) -> int:
    """Validate an increment: any int (bool is refused as almost certainly a mistake)."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise TypeError(f"amount must be int, not {type(amount).__name__}")
    return amount


def to_milliseconds(seconds: float) -> int:
    """Whole milliseconds for Redis PX/PEXPIRE, rounded up so nothing expires early."""
    return max(1, math.ceil(seconds * 1000))


def redact_uri(uri: str) -> str:
    """``uri`` with any password replaced by ``***``, safe for error messages and logs."""
    try:
        parts = urlsplit(uri)
        password = parts.password
    except ValueError:
        return uri.split("://", 1)[0] + "://<unparseable>"
    if not password:
        return uri
    netloc = f"{parts.username or ''}:***@{parts.netloc.rpartition('@')[2]}"
    return urlunsplit(parts._replace(netloc=netloc))


def check_limit(limit: int) -> int:
    """Validate a list length bound: an int >= 1."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"limit must be an int >= 1, got {limit!r}")
    return limit
