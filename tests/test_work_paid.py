"""A clearance records the proof of work paid for it, and a route that asks for more
work than that challenges again: a cheap clearance never buys an expensive route."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from humangate import Config, Difficulty, Rule
from humangate.testing import clearance_cookie
from humangate.wsgi import HumanGate
from tests.conftest import BROWSER_UA, SECRET
from tests.support import Result, WSGIClient, challenge_data
from tests.test_replay import FORM, FORM_HEADERS, challenge_url

# Interactive is cheaper than managed by default too (the click is the cost).
POLICY = Difficulty(js_challenge=4, managed_challenge=6, challenge=5, ceiling=12)
EXPENSIVE = Rule('http.request.uri.path eq "/expensive"', "managed_challenge", difficulty=10)


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def make_gate(**overrides: Any) -> HumanGate:
    settings: dict[str, Any] = {
        "secret_keys": [SECRET],
        "store": "memory://",
        "difficulty": POLICY,
        "rules": [EXPENSIVE],
    }
    settings.update(overrides)
    return HumanGate(site, Config(**settings))


def challenge(client: WSGIClient, path: str, query: str = "") -> Result:
    page = client.request("GET", path, query=query)
    assert page.status == 403 and page.header("cf-mitigated") == "challenge", page.status
    return page


def solve(client: WSGIClient, page: Result) -> None:
    assert client.solve(page).status == 200


def test_a_cheap_interactive_clearance_does_not_pass_an_expensive_route() -> None:
    client = WSGIClient(make_gate())
    # The public endpoint anyone can use: interactive at its 5-bit base.
    cheap = challenge(client, "/.humangate/challenge", "level=interactive")
    assert challenge_data(cheap.body)["difficulty"] == 5
    solve(client, cheap)
    again = challenge(client, "/expensive")  # work-too-low: challenged at the rule's bits
    data = challenge_data(again.body)
    assert (data["level"], data["difficulty"]) == ("managed", 10)
    solve(client, again)
    assert client.request("GET", "/expensive").status == 200
    assert client.request("GET", "/other").status == 200  # the work covers cheaper routes


def test_the_default_action_requires_its_own_base_work() -> None:
    client = WSGIClient(make_gate())
    solve(client, challenge(client, "/.humangate/challenge", "level=interactive"))
    assert challenge_data(challenge(client, "/other").body)["difficulty"] == 6


@pytest.mark.parametrize(("work", "passes"), [(5, False), (6, True), (12, True)])
def test_the_settled_pass_path_checks_the_work_too(work: int, passes: bool) -> None:
    gate = make_gate(rules=[])  # no rules: the lone default action is settled fast
    client = WSGIClient(gate)
    name, value = clearance_cookie(
        gate.config, ip=client.ip, user_agent=BROWSER_UA, level="interactive", work=work
    )
    client.cookies[name] = value
    assert (client.request("GET", "/").status == 200) is passes


@pytest.mark.parametrize(("asked", "bits"), [("10", 10), ("2", 6), ("99", 12), ("x", 6)])
def test_the_in_place_challenge_can_ask_for_more_work_never_less(asked: str, bits: int) -> None:
    client = WSGIClient(make_gate())
    page = challenge(client, "/.humangate/challenge", f"level=managed&work={asked}")
    assert challenge_data(page.body)["difficulty"] == bits


def test_api_clients_and_held_forms_are_told_the_work_to_earn() -> None:
    client = WSGIClient(make_gate())
    problem = client.request("GET", "/expensive", html=False)
    assert problem.json()["level"] == "managed" and problem.json()["work"] == 10
    held = client.request("POST", "/expensive", body=FORM, headers=FORM_HEADERS)
    assert challenge_url(held.body) == "/.humangate/challenge?level=managed&work=10"
