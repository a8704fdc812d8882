"""Challenges get harder with what the server sees: failures, headers, score, load."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from humangate import Config, Difficulty, RateLimit, Rule
from humangate.stores import MemoryStore
from humangate.testing import clearance_cookie
from humangate.wsgi import HumanGate
from tests.conftest import BROWSER_UA, SECRET
from tests.support import Result, WSGIClient, challenge_data, wrong_nonce

STRIKES = "humangate_clearance_strikes"
POLICY = Difficulty(js_challenge=4, managed_challenge=6, challenge=5, ceiling=12)


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def make_gate(**overrides: Any) -> HumanGate:
    settings: dict[str, Any] = {"secret_keys": [SECRET], "store": "memory://"}
    settings.setdefault("difficulty", POLICY)
    settings.update(overrides)
    return HumanGate(site, Config(**settings))


def bits_of(page: Result) -> int:
    assert page.status == 403
    return int(challenge_data(page.body)["difficulty"])


def fail_once(client: WSGIClient) -> Result:
    page = client.request("GET", "/")
    return client.solve(page, nonce=wrong_nonce(challenge_data(page.body)))


@pytest.mark.parametrize(
    ("action", "bits"), [("js_challenge", 4), ("managed_challenge", 6), ("challenge", 5)]
)
def test_each_action_has_its_base(action: str, bits: int) -> None:
    client = WSGIClient(make_gate(default_action=action))
    assert bits_of(client.request("GET", "/")) == bits


def test_a_rule_sets_its_own_difficulty() -> None:
    rules = [Rule('http.request.uri.path eq "/login"', "managed_challenge", difficulty=10)]
    client = WSGIClient(make_gate(rules=rules))
    assert bits_of(client.request("GET", "/login")) == 10
    assert bits_of(client.request("GET", "/other")) == 6  # the default action's base


def test_a_rate_limit_sets_its_own_difficulty() -> None:
    limit = RateLimit(
        'http.request.uri.path eq "/"',
        requests_per_period=1,
        period=60,
        action="challenge",
        difficulty=11,
    )
    gate = make_gate(default_action="allow", rate_limits=[limit])
    client = WSGIClient(gate)
    assert client.request("GET", "/").status == 200
    assert bits_of(client.request("GET", "/")) == 11


def test_under_attack_raises_every_challenge() -> None:
    client = WSGIClient(make_gate(under_attack=True))
    assert bits_of(client.request("GET", "/")) == 6 + POLICY.under_attack


def test_each_failed_solve_raises_the_next_challenge() -> None:
    client = WSGIClient(make_gate())
    failed = fail_once(client)
    assert failed.json()["reason"] == "wrong_solution"
    assert bits_of(client.request("GET", "/")) == 7
    fail_once(client)
    page = client.request("GET", "/")
    assert bits_of(page) == 8
    # A solve at the raised difficulty forgets the failures and lands on the app.
    assert client.solve(page).status == 200
    assert client.request("GET", "/").status == 200
    assert bits_of(WSGIClient(client.app).request("GET", "/")) == 6


def test_dropping_or_forging_cookies_does_not_shed_failures() -> None:
    # The count is kept in the store by the client's binding, not in anything it sends.
    client = WSGIClient(make_gate())
    fail_once(client)
    fail_once(client)
    client.cookies.clear()
    assert bits_of(client.request("GET", "/")) == 8
    client.cookies[STRIKES] = "0"  # the old client-side counter means nothing now
    assert bits_of(client.request("GET", "/")) == 8


def test_failures_count_per_binding_not_for_everyone() -> None:
    gate = make_gate()
    fail_once(WSGIClient(gate, ip="198.51.100.7"))
    assert bits_of(WSGIClient(gate, ip="198.51.100.9").request("GET", "/")) == 7  # same /24
    assert bits_of(WSGIClient(gate, ip="203.0.113.9").request("GET", "/")) == 6
    other_browser = WSGIClient(gate, user_agent=BROWSER_UA + " Other")
    assert bits_of(other_browser.request("GET", "/")) == 6


def test_a_failure_people_cause_is_not_held_against_them() -> None:
    # The network changed between page and solve (a phone leaving Wi-Fi).
    gate = make_gate()
    client = WSGIClient(gate, ip="198.51.100.7")
    moved = client.solve(client.request("GET", "/"), ip="203.0.113.9")
    assert moved.json()["reason"] == "other_client"
    assert bits_of(client.request("GET", "/")) == 6


def test_strikes_are_capped_by_the_ceiling() -> None:
    client = WSGIClient(make_gate())
    for _ in range(8):
        fail_once(client)
    assert bits_of(client.request("GET", "/")) == POLICY.ceiling


def test_headers_that_do_not_fit_the_browser_raise_the_challenge() -> None:
    headless = BROWSER_UA.replace("Chrome/", "HeadlessChrome/")
    assert bits_of(WSGIClient(make_gate(), user_agent=headless).request("GET", "/")) == 8
    mismatched = WSGIClient(make_gate()).request(
        "GET", "/", headers={"sec-ch-ua": '"Chromium";v="120", "Not.A/Brand";v="99"'}
    )
    assert bits_of(mismatched) == 8


def test_a_low_bot_score_raises_the_next_level() -> None:
    config = Config(
        secret_keys=[SECRET], store="memory://", difficulty=POLICY, default_action="challenge"
    )
    gate = HumanGate(site, config)
    for score, bits in ((10, 7), (90, 5)):
        client = WSGIClient(gate)
        name, value = clearance_cookie(
            config, ip=client.ip, user_agent=client.user_agent, level="managed", score=score
        )
        client.cookies[name] = value
        assert bits_of(client.request("GET", "/")) == bits


def test_the_issued_event_records_the_difficulty(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO", logger="humangate.events")
    WSGIClient(make_gate()).request("GET", "/")
    issued = [r for r in caplog.records if r.getMessage().startswith("challenge_issued")]
    assert issued and issued[0].humangate["difficulty"] == 6  # type: ignore[attr-defined]


def test_challenging_a_flood_of_visitors_leaves_nothing_in_the_store() -> None:
    """Reading a visitor's failed solves creates no entry: otherwise every page request
    with a new User-Agent would add one, filling the store (and, in the memory store,
    pushing spent tickets out of it, which makes them spendable again)."""
    gate = make_gate()
    client = WSGIClient(gate)
    for n in range(50):
        page = client.request("GET", "/", headers={"user-agent": f"{BROWSER_UA} build/{n}"})
        assert page.status == 403
    store = gate.gate.store
    assert isinstance(store, MemoryStore)
    assert len(store) == 0
    fail_once(client)  # a failure is counted, and so stored
    assert len(store) > 0
