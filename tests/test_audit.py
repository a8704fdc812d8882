"""``{prefix}audit``: the challenge page's hyperlink-auditing ping, end to end.

A Chromium launched with ``--no-pings`` (nodriver) never pings, so its solve carries no
audit cookie: a soft doubt that makes a managed challenge ask for the interaction. A
browser that pings gets the cookie and no doubt. Nothing else is granted by the ping.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import pytest

from humangate import Config
from humangate.probes.oracle import solution_body
from humangate.signals import passing_signals
from humangate.signals.cdp import AUDIT_COOKIE_PREFIX
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import TEST_SECRETS, Result, WSGIClient, challenge_data

AUDIT = "/.humangate/audit"
PING = {"ping-to": "http://testserver/.humangate/audit", "content-type": "text/ping"}


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def client_for(action: str) -> WSGIClient:
    config = Config(secret_keys=[SECRET], store="memory://", difficulty=4, default_action=action)
    return WSGIClient(HumanGate(site, config))


def ping(client: WSGIClient, data: dict[str, Any], **kwargs: Any) -> Result:
    kwargs.setdefault("headers", PING)
    return client.request(
        kwargs.pop("method", "POST"),
        AUDIT,
        query="ticket=" + quote(data["ticket"]),
        body=b"PING",
        html=False,
        **kwargs,
    )


def solve(client: WSGIClient, data: dict[str, Any], *, sent: bool = True) -> Result:
    page_signals = {
        k: v for k, v in passing_signals().items() if not k.startswith(("interaction", "pointer"))
    }
    body = solution_body(
        TEST_SECRETS, data, signals=page_signals, steps={"cdp": {"ping": 1 if sent else 0}}
    )
    return client.request(
        "POST", data["solve_url"], body=body, headers={"content-type": "application/json"},
        html=False,
    )  # fmt: skip


def test_the_page_may_frame_itself_and_names_the_cookie() -> None:
    client = client_for("managed_challenge")
    page = client.request("GET", "/page")
    assert "frame-src 'self'" in (page.header("content-security-policy") or "")
    data = challenge_data(page.body)
    assert data["step_params"]["cdp"]["c"].startswith(AUDIT_COOKIE_PREFIX)


def test_a_ping_sets_the_cookie_the_solve_needs() -> None:
    client = client_for("managed_challenge")
    data = challenge_data(client.request("GET", "/page").body)
    answer = ping(client, data)
    assert answer.status == 204
    assert answer.body == b""
    line = answer.header("set-cookie") or ""
    assert line.startswith(data["step_params"]["cdp"]["c"] + "=")
    assert "SameSite=Strict" in line
    assert "Path=/" in line
    assert solve(client, data).json()["ok"] is True  # no doubt: no question


def test_no_ping_is_a_doubt_a_managed_challenge_asks_about() -> None:
    client = client_for("managed_challenge")
    data = challenge_data(client.request("GET", "/page").body)
    answer = solve(client, data)
    assert answer.status == 403
    assert answer.json()["reason"] == "interaction_required"


def test_no_ping_only_lowers_a_js_challenges_score() -> None:
    client = client_for("js_challenge")
    data = challenge_data(client.request("GET", "/page").body)
    assert solve(client, data).json()["ok"] is True


def test_a_page_that_sent_no_ping_is_not_judged() -> None:
    client = client_for("managed_challenge")
    data = challenge_data(client.request("GET", "/page").body)
    assert solve(client, data, sent=False).json()["ok"] is True


@pytest.mark.parametrize(
    ("method", "headers", "query"),
    [
        ("GET", {}, None),  # the frame's navigation: nothing loads, nothing is set
        ("POST", {"content-type": "text/ping"}, None),  # no Ping-To: not a ping
        ("POST", PING, "ticket=forged"),
        ("POST", PING, ""),
    ],
)
def test_anything_but_a_ping_for_a_real_ticket_sets_nothing(
    method: str, headers: dict[str, str], query: str | None
) -> None:
    client = client_for("managed_challenge")
    data = challenge_data(client.request("GET", "/page").body)
    if query is None:
        answer = ping(client, data, method=method, headers=headers)
    else:
        answer = client.request(method, AUDIT, query=query, headers=headers, html=False)
    assert answer.status == 204
    assert answer.header("set-cookie") is None


def test_a_cookie_for_another_ticket_does_not_count() -> None:
    client = client_for("managed_challenge")
    first = challenge_data(client.request("GET", "/one").body)
    second = challenge_data(client.request("GET", "/two").body)
    ping(client, first)
    assert solve(client, second).json()["reason"] == "interaction_required"


def test_https_cookies_are_secure() -> None:
    client = client_for("managed_challenge")
    data = challenge_data(client.request("GET", "/page", scheme="https").body)
    answer = ping(client, data, scheme="https")
    assert "; Secure" in (answer.header("set-cookie") or "")
