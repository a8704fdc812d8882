"""A gate with analytics and metrics switched on, driven like a browser would."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from humangate import Config, Rule
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import Result, WSGIClient

TOKEN = "metrics-token-0123456789abcdef"
PREFIX = "/.humangate/"


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def gate(**overrides: Any) -> HumanGate:
    settings: dict[str, Any] = {
        "secret_keys": [SECRET],
        "store": "memory://",
        "difficulty": 4,
        "metrics_token": TOKEN,
        "default_action": "allow",
        "rules": [
            Rule('starts_with(http.request.uri.path, "/login")', "challenge", "login pages"),
            Rule('starts_with(http.request.uri.path, "/shop")', "managed_challenge", "shop"),
            Rule('starts_with(http.request.uri.path, "/admin")', "block", "no admin"),
        ],
    }
    settings.update(overrides)
    return HumanGate(site, Config(**settings))


def scrape(client: WSGIClient, name: str = "metrics", query: str = "", **kw: Any) -> Result:
    headers = {"authorization": f"Bearer {TOKEN}"}
    return client.request("GET", PREFIX + name, query=query, headers=headers, **kw)


def solve_once(client: WSGIClient, path: str, *, elapsed_ms: int = 1500) -> Result:
    from humangate.probes.oracle import solution_body  # noqa: PLC0415
    from humangate.signals import passing_signals  # noqa: PLC0415
    from tests.support import TEST_SECRETS, challenge_data  # noqa: PLC0415

    page = client.request("GET", path)
    assert page.status == 403, page.status
    data = challenge_data(page.body)
    # A person's click where the level asks for one (/login is interactive).
    person = "mouse" if "interaction" in data["steps"] else None
    body = solution_body(
        TEST_SECRETS, data, signals=passing_signals(), elapsed_ms=elapsed_ms, interaction=person
    )
    return client.request(
        "POST",
        data["solve_url"],
        body=body,
        headers={"content-type": "application/json"},
        html=False,
    )
