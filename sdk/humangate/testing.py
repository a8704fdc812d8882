"""Helpers for site owners' own test suites: get past the gate without a browser.

name, value = clearance_cookie(config, ip="127.0.0.1", user_agent="testclient")
client.cookies.set(name, value)
"""

from __future__ import annotations

import time

from humangate.clearance import ClearanceCodec
from humangate.clientip import parse_ip
from humangate.config import Config
from humangate.levels import Level
from humangate.tokens import KeyRing


def clearance_cookie(
    config: Config,
    *,
    ip: str,
    user_agent: str,
    level: str = "managed",
    secure: bool = False,
) -> tuple[str, str]:
    """A valid clearance cookie ``(name, value)`` for a client at ``ip`` with ``user_agent``.

    ``level`` is "non_interactive", "managed" or "interactive". ``secure=True`` gives the
    ``__Host-`` cookie name used on https.
    """
    address = parse_ip(ip)
    if address is None:
        raise ValueError(f"{ip!r} is not an IP address")
    codec = ClearanceCodec(
        KeyRing(config.secret_keys, purposes=("clearance",)),
        ttl=config.passage_seconds,
        skew=0,
        xhr_grace=0,
    )
    binding = config.clearance_binding.fingerprint(address, user_agent)
    _, value = codec.issue(Level.from_label(level), binding, time.time())
    name = f"__Host-{config.cookie_name}" if secure else config.cookie_name
    return name, value
