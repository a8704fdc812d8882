"""``{prefix}probe?ticket=…``: the page fetches its ticket's program; the page holds none.

A challenge page that no script runs (a plain GET flood) must not pay for generating a
program, and the program must only go to the client its ticket was issued to, while it
is current.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import pytest

from humangate import Config
from humangate.probes import expected
from humangate.probes.program import decode
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import Result, WSGIClient, challenge_data

PROBE = "/.humangate/probe"


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


@pytest.fixture
def client() -> WSGIClient:
    config = Config(secret_keys=[SECRET], store="memory://", difficulty=4)
    return WSGIClient(HumanGate(site, config))


def fetch(client: WSGIClient, ticket: str, **kwargs: Any) -> Result:
    return client.request(
        kwargs.pop("method", "GET"), PROBE, query="ticket=" + quote(ticket), html=False, **kwargs
    )


def test_the_page_names_the_ticket_and_the_url_but_holds_no_program(client: WSGIClient) -> None:
    generated = expected._program.cache_info().misses
    data = challenge_data(client.request("GET", "/").body)
    assert data["probe_url"] == PROBE
    assert set(data["step_params"]["probe"]) == {"t"}
    assert expected._program.cache_info().misses == generated, "no program was generated"
    fetch(client, data["ticket"])
    assert expected._program.cache_info().misses == generated + 1


def test_the_ticket_holder_gets_its_program_the_same_every_time(client: WSGIClient) -> None:
    data = challenge_data(client.request("GET", "/").body)
    first, second = fetch(client, data["ticket"]), fetch(client, data["ticket"])
    assert first.status == 200
    assert first.header("cache-control") == "no-store"
    params = json.loads(first.body)
    assert params["t"] == data["step_params"]["probe"]["t"]
    assert decode(params)[params["l"]["tasks"]], "a program with tasks"
    assert second.body == first.body


def test_another_clients_ticket_gets_no_program(client: WSGIClient) -> None:
    data = challenge_data(client.request("GET", "/").body)
    assert fetch(client, data["ticket"], ip="203.0.113.9").status == 403
    other_browser = WSGIClient(client.app, user_agent="Mozilla/5.0 (Other) Firefox/140.0")
    answer = fetch(other_browser, data["ticket"])
    assert answer.status == 403
    assert json.loads(answer.body)["type"] == "urn:humangate:problem:invalid-ticket"


@pytest.mark.parametrize("ticket", ["", "garbage", "A" * 400])
def test_no_or_a_forged_ticket_gets_no_program(client: WSGIClient, ticket: str) -> None:
    assert fetch(client, ticket).status == 403


def test_an_expired_ticket_gets_no_program() -> None:
    config = Config(secret_keys=[SECRET], store="memory://", difficulty=4)
    app = HumanGate(site, config)
    clock = [1_800_000_000.0]
    app.gate.engine._clock = lambda: clock[0]
    client = WSGIClient(app)
    data = challenge_data(client.request("GET", "/").body)
    assert fetch(client, data["ticket"]).status == 200
    clock[0] += config.ticket_ttl + config.clock_skew + 1
    assert fetch(client, data["ticket"]).status == 403


def test_only_get_and_head(client: WSGIClient) -> None:
    data = challenge_data(client.request("GET", "/").body)
    posted = fetch(client, data["ticket"], method="POST")
    assert posted.status == 405
    assert posted.header("allow") == "GET, HEAD"
    head = fetch(client, data["ticket"], method="HEAD")
    assert head.status == 200
    assert head.body == b""


def test_a_detection_ticket_gets_no_program_here() -> None:
    """Detection tickets are sealed under their own key purpose: one fetched from
    ``jsd/ticket`` does not open at the probe endpoint."""
    config = Config(secret_keys=[SECRET], store="memory://", difficulty=4, js_detections=True)
    client = WSGIClient(HumanGate(site, config))
    issued = client.request("GET", "/.humangate/jsd/ticket", html=False)
    assert issued.status == 200
    assert fetch(client, json.loads(issued.body)["ticket"]).status == 403
