"""Helpers for site owners' own test suites: get past the gate without a browser.

give_clearance(client, config)   # Flask/Werkzeug, Starlette/FastAPI or Django test client

or by hand:

name, value = clearance_cookie(config, ip="127.0.0.1", user_agent="testclient")
client.cookies.set(name, value)

The pytest fixtures built on this (``humangate_cleared_headers``, ...) are in
:mod:`humangate.contrib.pytest_plugin`, loaded automatically by pytest.
"""

from __future__ import annotations

import time
from http.cookies import SimpleCookie
from typing import Any

from humangate.client.ip import parse_ip
from humangate.config import Config
from humangate.crypto import clearance
from humangate.crypto.clearance import ClearanceCodec
from humangate.crypto.tokens import KeyRing
from humangate.levels import Level

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
        KeyRing(config.secret_keys, purposes=(clearance.PURPOSE,)),
        ttl=config.passage_ttl,
        skew=0,
        xhr_grace=0,
    )
    binding = config.clearance_binding.fingerprint(address, user_agent)
    paid = config.difficulty.ceiling if work is None else work
    _, value = codec.issue(Level.from_label(level), binding, time.time(), score=score, work=paid)
    name = f"__Host-{config.cookie_name}" if secure else config.cookie_name
    return name, value


def give_clearance(
    client: Any,
    config: Config,
    *,
    level: str = "interactive",
    user_agent: str = TEST_USER_AGENT,
    ip: str | None = "",
) -> Any:
    """Let ``client`` through the gate: a clearance cookie in its cookie jar, and the
    User-Agent it is bound to sent by default. Returns ``client``.

    Works with Flask's (Werkzeug 3) test client, Starlette/FastAPI's ``TestClient`` (and
    any ``httpx`` client) and Django's test ``Client``. ``ip`` defaults to what each
    sends: ``127.0.0.1``, or no address for Starlette's TestClient ("testclient").
    """
    if isinstance(getattr(client, "cookies", None), SimpleCookie):  # Django
        name, value = clearance_cookie(
            config, ip=_ip(ip, "127.0.0.1"), user_agent=user_agent, level=level
        )
        client.cookies[name] = value
        client.defaults["HTTP_USER_AGENT"] = user_agent
    elif hasattr(getattr(client, "cookies", None), "set"):  # httpx, Starlette TestClient
        # Starlette's TestClient connects as host "testclient", which is no address.
        default = None if type(client).__name__ == "TestClient" else "127.0.0.1"
        name, value = clearance_cookie(
            config, ip=_ip(ip, default), user_agent=user_agent, level=level
        )
        client.cookies.set(name, value)
        client.headers["user-agent"] = user_agent
    elif hasattr(client, "set_cookie") and hasattr(client, "environ_base"):  # Werkzeug 3
        name, value = clearance_cookie(
            config, ip=_ip(ip, "127.0.0.1"), user_agent=user_agent, level=level
        )
        client.set_cookie(name, value)
        client.environ_base["HTTP_USER_AGENT"] = user_agent
    else:
        raise TypeError(f"give_clearance: unsupported test client {type(client).__name__}")
    return client


def _ip(given: str | None, default: str | None) -> str | None:
    return default if given == "" else given
