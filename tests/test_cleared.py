"""``{prefix}cleared``: a waiting tab learns that another tab of its browser was cleared.

It must answer "yes, go to <the ticket's target>" only when the cookie this very request
carries covers the ticket's level for the client the ticket was issued to, and never
grant anything by itself.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import pytest

from humangate import Config, Rule
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import Result, WSGIClient, challenge_data

CLEARED = "/.humangate/cleared"


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


@pytest.fixture
def client() -> WSGIClient:
    rules = [
        Rule('starts_with(http.request.uri.path, "/high")', "challenge"),
        Rule('starts_with(http.request.uri.path, "/costly")', "managed_challenge", difficulty=9),
    ]
    config = Config(secret_keys=[SECRET], store="memory://", difficulty=6, rules=rules)
    return WSGIClient(HumanGate(site, config))


def ask(client: WSGIClient, body: bytes, **kwargs: Any) -> Result:
    return client.request(
        "POST",
        CLEARED,
        body=body,
        headers={"content-type": "application/json"},
        html=False,
        **kwargs,
    )


def ticket_of(page: Result) -> bytes:
    data = challenge_data(page.body)
    assert data["cleared_url"] == CLEARED
    return json.dumps({"ticket": data["ticket"]}).encode()


def test_two_tabs_the_second_learns_of_the_first_clearance(client: WSGIClient) -> None:
    first = client.request("GET", "/one", query="a=1")
    second = client.request("GET", "/two", query="b=2")
    waiting = ticket_of(second)
    assert ask(client, waiting).json() == {"ok": False}, "nobody is cleared yet"

    assert client.solve(first).json()["ok"] is True
    answer = ask(client, waiting)
    assert answer.status == 200
    assert answer.header("cache-control") == "no-store"
    assert answer.json() == {"ok": True, "redirect": "/two?b=2"}
    assert client.request("GET", "/two", query="b=2").body == b"app"


def test_a_lower_clearance_does_not_cover_a_higher_ticket(client: WSGIClient) -> None:
    high = client.request("GET", "/high/page")
    assert client.solve(client.request("GET", "/managed")).json()["ok"] is True
    assert ask(client, ticket_of(high)).json() == {"ok": False}


def test_a_clearance_that_paid_less_work_does_not_cover_the_ticket(client: WSGIClient) -> None:
    # Same level, but the waiting tab's route asks for more work: "go" would only bring
    # it back to a challenge (and the tab would ask again, forever).
    costly = client.request("GET", "/costly/page")
    assert challenge_data(costly.body)["difficulty"] == 9
    assert client.solve(client.request("GET", "/managed")).json()["ok"] is True
    assert ask(client, ticket_of(costly)).json() == {"ok": False}
    assert client.solve(client.request("GET", "/costly/page")).json()["ok"] is True
    assert client.request("GET", "/costly/page").body == b"app"


def test_without_the_cookie_or_from_another_client_it_says_no(client: WSGIClient) -> None:
    waiting = ticket_of(client.request("GET", "/two"))
    assert client.solve(client.request("GET", "/one")).json()["ok"] is True
    assert ask(client, waiting).json()["ok"] is True
    # The same ticket, brought by another address (with the cookie) or without the cookie.
    assert ask(client, waiting, ip="203.0.113.9").json() == {"ok": False}
    cookies, client.cookies = client.cookies, {}
    assert ask(client, waiting).json() == {"ok": False}
    client.cookies = cookies


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"ticket": 5}', b'{"ticket": ""}', b"{" * 5000, b"x" * 9000],
)
def test_bad_bodies_are_a_clear_400_never_a_500(client: WSGIClient, body: bytes) -> None:
    answer = ask(client, body)
    assert answer.status in (400, 413), answer.body
    assert answer.json()["status"] == answer.status


def test_a_forged_ticket_is_no(client: WSGIClient) -> None:
    assert client.solve(client.request("GET", "/one")).json()["ok"] is True
    assert ask(client, b'{"ticket": "AAAAforged"}').json() == {"ok": False}


def test_only_post(client: WSGIClient) -> None:
    assert client.request("GET", CLEARED, html=False).status == 405


def test_an_expired_ticket_is_no() -> None:
    app = HumanGate(site, Config(secret_keys=[SECRET], store="memory://", difficulty=6))
    client = WSGIClient(app)
    now = [time.time()]
    app.gate.engine._clock = lambda: now[0]
    waiting = ticket_of(client.request("GET", "/two"))
    assert client.solve(client.request("GET", "/one")).json()["ok"] is True
    assert ask(client, waiting).json()["ok"] is True
    now[0] += 300 + 300 + 1  # ticket_ttl + clock skew; the 30 min clearance still holds
    assert client.request("GET", "/two").body == b"app"
    assert ask(client, waiting).json() == {"ok": False}
