"""Rate limits with a challenge action: solving lets the visitor go on, an older
clearance does not. Driven through the WSGI adapter with real solves."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from humangate import Config
from humangate.config import RateLimit
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import Result, WSGIClient
from tests.test_ratelimit import Clock

EVERYTHING = 'http.request.uri.path wildcard "/*"'


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def gate(clock: Clock, limit: RateLimit) -> HumanGate:
    config = Config(
        secret_keys=[SECRET],
        store="memory://",
        difficulty=8,
        default_action="allow",
        rate_limits=[limit],
    )
    app = HumanGate(site, config)
    app.gate.engine._clock = clock
    return app


def statuses(client: WSGIClient, count: int) -> list[int]:
    return [client.request("GET", "/page").status for _ in range(count)]


def challenged(result: Result) -> bool:
    return result.status == 403 and result.header("cf-mitigated") == "challenge"


def solve(client: WSGIClient, page: Result) -> None:
    assert challenged(page)
    answer = client.solve(page)
    assert answer.status == 200, answer.body
    assert answer.json()["ok"] is True


def clear_beforehand(client: WSGIClient) -> None:
    """Earn a managed clearance before any limit is exceeded."""
    solve(client, client.request("GET", "/.humangate/challenge", query="level=managed"))
    assert client.cookies


def test_a_clearance_from_before_the_limit_does_not_pass(clock: Clock) -> None:
    limit = RateLimit(EVERYTHING, period=60, requests_per_period=3, action="managed_challenge")
    client = WSGIClient(gate(clock, limit))
    clear_beforehand(client)
    clock.advance(5)
    assert statuses(client, 3) == [200, 200, 200]
    # Over the limit: the clearance held was earned before it, so it must be earned again
    # (before, any clearance of the level passed and the limit meant nothing to it).
    page = client.request("GET", "/page")
    assert challenged(page)
    assert challenged(client.request("GET", "/page"))


def test_solving_lets_the_visitor_go_on_with_a_fresh_count(clock: Clock) -> None:
    limit = RateLimit(EVERYTHING, period=60, requests_per_period=3, action="managed_challenge")
    client = WSGIClient(gate(clock, limit))
    clock.advance(1)
    assert statuses(client, 3) == [200, 200, 200]
    page = client.request("GET", "/page")
    clock.advance(2)  # the visitor solves
    solve(client, page)
    # Solving resets the count for this visitor: another 3 requests, then solve again.
    assert statuses(client, 3) == [200, 200, 200]
    page = client.request("GET", "/page")
    assert challenged(page)
    solve(client, page)
    assert statuses(client, 3) == [200, 200, 200]
    # A new window: the visitor's last clearance passes until the limit is exceeded again.
    clock.advance(60)
    assert statuses(client, 3) == [200, 200, 200]
    assert challenged(client.request("GET", "/page"))


def test_each_visitor_behind_one_address_solves_for_itself(clock: Clock) -> None:
    limit = RateLimit(EVERYTHING, period=60, requests_per_period=2, action="managed_challenge")
    app = gate(clock, limit)
    alice = WSGIClient(app, ip="192.0.2.1")
    bob = WSGIClient(app, ip="192.0.2.1", user_agent="Mozilla/5.0 (X11) Firefox/150.0")
    assert statuses(alice, 2) == [200, 200]
    page = alice.request("GET", "/page")
    solve(alice, page)
    assert challenged(bob.request("GET", "/page"))  # the address is over the limit
    assert statuses(alice, 2) == [200, 200]  # alice counts on her own now


def test_with_a_mitigation_timeout(clock: Clock) -> None:
    limit = RateLimit(
        EVERYTHING,
        period=10,
        requests_per_period=2,
        mitigation_timeout=300,
        action="managed_challenge",
    )
    client = WSGIClient(gate(clock, limit))
    clear_beforehand(client)
    clock.advance(3)
    assert statuses(client, 2) == [200, 200]
    assert challenged(client.request("GET", "/page"))
    clock.advance(100)  # the window is long over; the mitigation is not
    page = client.request("GET", "/page")
    assert challenged(page)  # still: the clearance predates the limit being exceeded
    solve(client, page)
    assert statuses(client, 2) == [200, 200]
    clock.advance(201)  # the mitigation is over: counted as before
    assert statuses(client, 2) == [200, 200]
