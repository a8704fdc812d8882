"""pytest fixtures for site owners' own tests: a client with a clearance, and one without.

Installed with humangate (entry point ``pytest11``), so the fixtures are simply there:

    def test_home(client, humangate_cleared_headers):
        assert client.get("/", headers=humangate_cleared_headers).status_code == 200

    def test_home_is_gated(client, humangate_uncleared_headers):
        assert client.get("/", headers=humangate_uncleared_headers).status_code == 403

Override ``humangate_config`` in your conftest.py to return the Config your app is built
with (the cookie must be sealed with the app's secret), and ``humangate_client_ip`` /
``humangate_user_agent`` if your test client sends another address or User-Agent (the
clearance is bound to both). The defaults match Django's, Flask's and httpx's test
clients (127.0.0.1); for Starlette's TestClient (client host "testclient", not an IP)
set ``humangate_client_ip`` to ``None``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from humangate.config import Config
from humangate.testing import TEST_SECRET, TEST_USER_AGENT, clearance_cookie, give_clearance


@pytest.fixture
def humangate_config() -> Config:
    """The Config of the app under test. Override it; the default suits apps built from it."""
    return Config(secret_keys=[TEST_SECRET], store="memory://", difficulty=1)


@pytest.fixture
def humangate_client_ip() -> str | None:
    return "127.0.0.1"


@pytest.fixture
def humangate_user_agent() -> str:
    return TEST_USER_AGENT


@pytest.fixture
def humangate_level() -> str:
    """The level of the test clearance; "interactive" passes every challenge rule."""
    return "interactive"


@pytest.fixture
def humangate_cookie(
    humangate_config: Config,
    humangate_client_ip: str | None,
    humangate_user_agent: str,
    humangate_level: str,
) -> tuple[str, str]:
    """A valid clearance cookie ``(name, value)`` for the test client."""
    return clearance_cookie(
        humangate_config,
        ip=humangate_client_ip,
        user_agent=humangate_user_agent,
        level=humangate_level,
    )


@pytest.fixture
def humangate_cleared_headers(
    humangate_cookie: tuple[str, str], humangate_user_agent: str
) -> dict[str, str]:
    """Request headers of a browser that has passed the challenge."""
    name, value = humangate_cookie
    return {
        "user-agent": humangate_user_agent,
        "accept": "text/html",
        "cookie": f"{name}={value}",
    }


@pytest.fixture
def humangate_uncleared_headers(humangate_user_agent: str) -> dict[str, str]:
    """Request headers of the same browser before any challenge: expect a 403."""
    return {"user-agent": humangate_user_agent, "accept": "text/html"}


@pytest.fixture
def humangate_clear(
    humangate_config: Config, humangate_level: str, humangate_user_agent: str
) -> Callable[[Any], Any]:
    """``humangate_clear(client)``: ``client`` with a clearance for ``humangate_config``
    (Flask, Starlette/FastAPI or Django test client; see humangate.testing.give_clearance)."""

    def clear(client: Any) -> Any:
        return give_clearance(
            client, humangate_config, level=humangate_level, user_agent=humangate_user_agent
        )

    return clear
