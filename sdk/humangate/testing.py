"""Helpers for site owners' own test suites: get past the gate without a browser.

name, value = clearance_cookie(config, ip="127.0.0.1", user_agent="testclient")
client.cookies.set(name, value)

The pytest fixtures built on this (``humangate_cleared_headers``, ...) are in
:mod:`humangate.contrib.pytest_plugin`, loaded automatically by pytest.
"""

from __future__ import annotations

import time

from humangate.clearance import ClearanceCodec
from humangate.clientip import parse_ip
from humangate.config import Config
from humangate.levels import Level
from humangate.tokens import KeyRing

# A fixed secret for tests only (the pytest plugin's default Config uses it).
TEST_SECRET = "humangate-test-secret-not-for-production-0123456789"  # noqa: S105
TEST_USER_AGENT = "humangate-test-client"


def clearance_cookie(
    config: Config,
    *,
    ip: str | None,
    user_agent: str,
    level: str = "managed",
    secure: bool = False,
    score: int = 99,
    work: int | None = None,
) -> tuple[str, str]:
    """A valid clearance cookie ``(name, value)`` for a client at ``ip`` with ``user_agent``.

    ``level`` is "non_interactive", "managed" or "interactive". ``secure=True`` gives the
    ``__Host-`` cookie name used on https. ``score`` is the bot score it carries (1 =
    surely automated, 99 = surely human), as rules read it. ``ip=None`` is a client
    without a usable address (a unix socket, or Starlette's TestClient whose host is
    "testclient"). ``work`` is the proof-of-work it claims was paid (difficulty bits);
    by default the configured ceiling, which passes every rule.
    """
    address = parse_ip(ip) if ip is not None else None
    if ip is not None and address is None:
        raise ValueError(f"{ip!r} is not an IP address")
    codec = ClearanceCodec(
        KeyRing(config.secret_keys, purposes=("clearance",)),
        ttl=config.passage_seconds,
        skew=0,
        xhr_grace=0,
    )
    binding = config.clearance_binding.fingerprint(address, user_agent)
    paid = config.difficulty_policy.ceiling if work is None else work
    _, value = codec.issue(Level.from_label(level), binding, time.time(), score=score, work=paid)
    name = f"__Host-{config.cookie_name}" if secure else config.cookie_name
    return name, value
