"""The whole Private Access Token path in process: the challenge page's header, the
redemption endpoint, the solve that skips the managed interaction, and what it records."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

import pytest

from humangate import Config, PatIssuer, PatPolicy, Rule
from humangate.probes.oracle import interaction_evidence
from humangate.signals import passing_signals
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.pat.device import authorization, challenges, same_challenges
from tests.pat.issuer import TestIssuer
from tests.support import Result, WSGIClient, challenge_data, signed_solution, wrong_nonce

COOKIE = "humangate_clearance"
ORIGIN = "testserver"
VIP = Rule('http.request.uri.path eq "/vip" and not humangate.pat.valid', "block")


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [f"app:{environ['PATH_INFO']}".encode()]


def client_for(
    issuer: TestIssuer, action: str = "managed_challenge", **settings: Any
) -> WSGIClient:
    config = Config(
        secret_keys=[SECRET],
        store="memory://",
        difficulty=4,
        default_action=action,
        private_access_tokens=[PatIssuer(issuer.name, token_keys=[issuer.token_key])],
        **settings,
    )
    return WSGIClient(HumanGate(site, config))


def doubtful() -> dict[str, str]:
    """Page verdicts with one soft doubt: a managed challenge asks for the interaction."""
    signals = {
        k: v for k, v in passing_signals().items() if not k.startswith(("interaction", "pointer"))
    }
    signals["chrome_object"] = "fail"
    return signals


def redeem(client: WSGIClient, data: dict[str, Any], auth: str | None = None) -> Result:
    url = data["step_params"]["pat"]["url"]
    headers = {"authorization": auth} if auth is not None else {}
    return client.request(
        "GET", url, query=f"ticket={quote(data['ticket'])}", headers=headers, html=False
    )


def solve(
    client: WSGIClient, data: dict[str, Any], attestation: str | None, *, nonce: int | None = None
) -> Result:
    body: dict[str, Any] = {
        "ticket": data["ticket"],
        "nonce": nonce,
        "signals": doubtful(),
    }
    if attestation is not None:
        body["steps"] = {"pat": {"attestation": attestation}}
    return client.request(
        "POST",
        data["solve_url"],
        body=signed_solution(data, body),
        headers={"content-type": "application/json"},
        html=False,
    )


def attest(client: WSGIClient, issuer: TestIssuer) -> tuple[dict[str, Any], str]:
    """Challenge page -> 401 challenge -> token -> attestation, as a capable device."""
    page = client.request("GET", "/")
    data = challenge_data(page.body)
    first = redeem(client, data)
    assert first.status == 401
    answer = redeem(
        client, data, authorization(first.header("www-authenticate") or "", issuer, ORIGIN)
    )
    assert answer.status == 200, answer.body
    return data, answer.json()["attestation"]


def test_challenge_page_carries_one_private_token_challenge_per_issuer(
    issuer: TestIssuer, other_issuer: TestIssuer
) -> None:
    config = Config(
        secret_keys=[SECRET],
        store="memory://",
        difficulty=4,
        private_access_tokens=[
            PatIssuer(issuer.name, token_keys=[issuer.token_key]),
            PatIssuer(other_issuer.name, token_keys=[other_issuer.token_key]),
        ],
    )
    client = WSGIClient(HumanGate(site, config))
    page = client.request("GET", "/")
    assert page.status == 403
    found = challenges(page.header("www-authenticate") or "")
    assert [c.issuer_name for c, _ in found] == [issuer.name, other_issuer.name]
    for challenge, params in found:
        assert challenge.token_type == 2
        assert len(challenge.redemption_context) == 32
        assert challenge.origin_info == ORIGIN
        assert 0 < int(params["max-age"]) <= 300
    # The redemption endpoint announces the same challenges for the page's ticket.
    data = challenge_data(page.body)
    again = redeem(client, data)
    assert again.status == 401
    assert same_challenges(
        again.header("www-authenticate") or "", page.header("www-authenticate") or ""
    )
    assert data["steps"][0] == "pat"


def test_redemption_context_is_fresh_per_ticket(issuer: TestIssuer) -> None:
    client = client_for(issuer)
    contexts = {
        challenges(client.request("GET", "/").header("www-authenticate") or "")[0][
            0
        ].redemption_context
        for _ in range(3)
    }
    assert len(contexts) == 3


def test_a_valid_token_skips_the_managed_interaction(
    issuer: TestIssuer, caplog: pytest.LogCaptureFixture
) -> None:
    client = client_for(issuer, rules=[VIP])
    data, attestation = attest(client, issuer)
    with caplog.at_level(logging.INFO, logger="humangate.signals"):
        answer = solve(client, data, attestation)
    assert answer.status == 200, answer.body
    assert COOKIE in client.cookies
    assert "pat=valid" in caplog.text
    # The clearance records it; the rule reading humangate.pat.valid lets the visitor in.
    assert client.request("GET", "/vip").status == 200


def test_without_a_token_the_same_doubts_ask_for_the_interaction(issuer: TestIssuer) -> None:
    client = client_for(issuer, rules=[VIP])
    data = challenge_data(client.request("GET", "/").body)
    answer = solve(client, data, None)
    assert answer.status == 403 and answer.json()["reason"] == "interaction_required"
    body = {
        "ticket": data["ticket"],
        "nonce": None,
        "signals": doubtful(),
        "steps": {"interaction": interaction_evidence(data)},  # the person clicks
    }
    done = client.request(
        "POST", data["solve_url"], body=signed_solution(data, body),
        headers={"content-type": "application/json"}, html=False,
    )  # fmt: skip
    assert done.status == 200
    # Solved the normal way: the clearance holds no token, so the rule blocks.
    assert client.request("GET", "/page").status == 200
    assert client.request("GET", "/vip").status == 403


def test_the_proof_of_work_still_runs_by_default(issuer: TestIssuer) -> None:
    client = client_for(issuer)
    data, attestation = attest(client, issuer)
    answer = solve(client, data, attestation, nonce=wrong_nonce(data))
    assert answer.json()["reason"] == "wrong_solution"


def test_the_owner_may_waive_the_proof_of_work_for_a_valid_token(issuer: TestIssuer) -> None:
    client = client_for(issuer, pat_policy=PatPolicy(require_pow=False))
    data, attestation = attest(client, issuer)
    assert data["step_params"]["pat"]["pow_waived"] is True
    assert solve(client, data, attestation, nonce=wrong_nonce(data)).status == 200
    # ...but never without one.
    client.cookies.clear()
    bare = challenge_data(client.request("GET", "/").body)
    assert solve(client, bare, None, nonce=wrong_nonce(bare)).json()["reason"] == "wrong_solution"


def test_hard_automation_signals_still_fail_with_a_valid_token(issuer: TestIssuer) -> None:
    client = client_for(issuer)
    data, attestation = attest(client, issuer)
    body = {
        "ticket": data["ticket"],
        "nonce": None,
        "signals": {**doubtful(), "webdriver": "fail"},
        "steps": {"pat": {"attestation": attestation}},
    }
    answer = client.request(
        "POST", data["solve_url"], body=signed_solution(data, body),
        headers={"content-type": "application/json"}, html=False,
    )  # fmt: skip
    assert answer.json()["reason"] == "automated"


def test_interactive_stays_interactive_by_default(issuer: TestIssuer) -> None:
    client = client_for(issuer, action="challenge")
    data, attestation = attest(client, issuer)
    body = {
        "ticket": data["ticket"],
        "nonce": None,
        "signals": {
            k: v
            for k, v in passing_signals().items()
            if not k.startswith(("interaction", "pointer"))
        },
        "steps": {"pat": {"attestation": attestation}},
    }
    answer = client.request(
        "POST", data["solve_url"], body=signed_solution(data, body),
        headers={"content-type": "application/json"}, html=False,
    )  # fmt: skip
    assert answer.json()["reason"] == "interaction_required"


def test_interactive_skips_the_interaction_when_configured(issuer: TestIssuer) -> None:
    client = client_for(issuer, action="challenge", pat_policy=PatPolicy(interactive=True))
    clean = {
        k: v for k, v in passing_signals().items() if not k.startswith(("interaction", "pointer"))
    }

    def post(data: dict[str, Any], steps: dict[str, Any]) -> Result:
        body = {
            "ticket": data["ticket"],
            "nonce": None,
            "signals": clean,
            "steps": steps,
        }
        return client.request(
            "POST", data["solve_url"], body=signed_solution(data, body),
            headers={"content-type": "application/json"}, html=False,
        )  # fmt: skip

    # Without a token, even clean signals must do the interaction...
    bare = challenge_data(client.request("GET", "/").body)
    assert bare["escalation"] == "interaction"
    assert post(bare, {}).json()["reason"] == "interaction_required"
    # ...with one, they need not.
    data, attestation = attest(client, issuer)
    assert post(data, {"pat": {"attestation": attestation}}).status == 200


def test_js_and_json_challenges_carry_no_private_token_challenge(issuer: TestIssuer) -> None:
    client = client_for(issuer, action="js_challenge")
    page = client.request("GET", "/")
    assert page.header("www-authenticate") is None
    assert "pat" not in challenge_data(page.body)["steps"]
    api = client_for(issuer).request("GET", "/", html=False)
    assert api.status == 403 and api.header("www-authenticate") is None


def test_no_issuers_no_endpoint_and_no_step() -> None:
    config = Config(secret_keys=[SECRET], store="memory://", difficulty=4)
    client = WSGIClient(HumanGate(site, config))
    page = client.request("GET", "/")
    assert page.header("www-authenticate") is None
    assert "pat" not in challenge_data(page.body)["steps"]
    assert client.request("GET", "/.humangate/pat", html=False).status == 404


def test_the_step_script_is_served(issuer: TestIssuer) -> None:
    client = client_for(issuer)
    data = challenge_data(client.request("GET", "/").body)
    script = client.request("GET", data["step_scripts"]["pat"])
    assert script.status == 200 and b'registerStep("pat"' in script.body
