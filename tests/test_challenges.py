"""The three challenge types over real requests: what each does with signals.

js_challenge fails hard signals and re-challenges; managed asks for an interaction on
soft doubts only; the interactive one always needs a trusted activation. Outcomes are
recorded in the clearance and readable by rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from humangate import Config, Rule
from humangate.probes.oracle import interaction_evidence, solution_body
from humangate.signals import passing_signals
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import TEST_SECRETS, Result, WSGIClient, challenge_data

COOKIE = "humangate_clearance"


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [f"app:{environ['PATH_INFO']}".encode()]


def client_for(action: str, **settings: Any) -> WSGIClient:
    config = Config(
        secret_keys=[SECRET], store="memory://", difficulty=4, default_action=action, **settings
    )
    return WSGIClient(HumanGate(site, config))


def post(
    client: WSGIClient,
    data: dict[str, Any],
    signals: dict[str, str],
    steps: dict[str, Any] | None = None,
    **extra: Any,
) -> Result:
    body = solution_body(TEST_SECRETS, data, signals=signals, steps=steps, extra=extra)
    return client.request(
        "POST",
        data["solve_url"],
        body=body,
        headers={"content-type": "application/json"},
        html=False,
    )


def page_signals(**overrides: str) -> dict[str, str]:
    """A clean browser's page verdicts, with ``overrides``."""
    signals = passing_signals()
    signals.update(overrides)
    return signals


def click(data: dict[str, Any], how: str = "mouse", **changes: Any) -> dict[str, Any]:
    """The ``steps`` entry of a person's click on the ticket's button (``changes`` to
    the click event itself, e.g. ``trusted=False`` for element.click())."""
    evidence = interaction_evidence(data, how)
    events: list[dict[str, Any]] = evidence["events"]  # type: ignore[assignment]
    evidence["events"] = [{**e, **changes} if e["type"] == "click" else e for e in events]
    return {"interaction": evidence}


@pytest.mark.parametrize(
    ("action", "steps", "escalation"),
    [
        ("js_challenge", ["probe", "pow", "signals", "cdp"], None),
        ("managed_challenge", ["probe", "pow", "signals", "cdp"], "interaction"),
        ("challenge", ["probe", "pow", "signals", "cdp", "interaction"], None),
    ],
)
def test_each_type_is_composed_of_steps(
    action: str, steps: list[str], escalation: str | None
) -> None:
    data = challenge_data(client_for(action).request("GET", "/").body)
    assert data["steps"] == steps and data["escalation"] == escalation
    # Comparison material is hashed: no header value is reflected into the page.
    assert len(data["ua_hash"]) == 32 and len(data["lang_hash"]) == 32
    assert data["step_scripts"] == {}  # built-ins ship inside challenge.js


@pytest.mark.parametrize("action", ["js_challenge", "managed_challenge", "challenge"])
@pytest.mark.parametrize(
    "hard", ["webdriver", "cdp_worker", "headless_worker_ua", "native_to_string", "ua_match"]
)
def test_a_hard_signal_fails_every_type_and_a_new_challenge_follows(action: str, hard: str) -> None:
    client = client_for(action)
    data = challenge_data(client.request("GET", "/").body)
    steps = click(data) if "interaction" in data["step_params"] else {}
    answer = post(client, data, page_signals(**{hard: "fail"}), steps=steps)
    assert answer.status == 403 and answer.json()["reason"] == "automated"
    assert COOKIE not in client.cookies
    # Failing is not a loop of redirects: the next visit gets a fresh challenge page.
    again = client.request("GET", "/")
    assert again.status == 403 and challenge_data(again.body)["ticket"] != data["ticket"]


def test_a_client_that_omits_signals_is_automated() -> None:
    # curl/requests with a proof-of-work solver but no browser to produce verdicts.
    client = client_for("js_challenge")
    data = challenge_data(client.request("GET", "/").body)
    assert post(client, data, {}).json()["reason"] == "automated"
    assert post(client, data, {"webdriver": "pass"}).json()["reason"] == "automated"


def test_headless_user_agent_header_fails_even_with_clean_page_verdicts() -> None:
    client = client_for("js_challenge")
    client.user_agent = client.user_agent.replace("Chrome/", "HeadlessChrome/")
    data = challenge_data(client.request("GET", "/").body)
    assert post(client, data, page_signals()).json()["reason"] == "automated"


def test_js_challenge_passes_soft_doubts_with_a_lower_score() -> None:
    client = client_for(
        "js_challenge",
        rules=[
            Rule('http.request.uri.path eq "/low" and cf.bot_management.score lt 90', "block"),
            Rule(
                'http.request.uri.path eq "/js" and not cf.bot_management.js_detection.passed',
                "block",
            ),
        ],
    )
    data = challenge_data(client.request("GET", "/").body)
    answer = post(client, data, page_signals(lang_match="fail"))
    assert answer.status == 200 and COOKIE in client.cookies
    assert client.request("GET", "/").status == 200
    assert client.request("GET", "/js").status == 200  # js_detection.passed is true
    assert client.request("GET", "/low").status == 403  # score 79 < 90: the rule sees it


def test_rules_without_clearance_see_no_js_detection() -> None:
    client = client_for(
        "allow",
        rules=[Rule("not cf.bot_management.js_detection.passed", "block")],
    )
    assert client.request("GET", "/").status == 403


def test_managed_passes_a_clean_browser_without_interaction() -> None:
    client = client_for("managed_challenge")
    data = challenge_data(client.request("GET", "/").body)
    assert post(client, data, page_signals()).status == 200


def test_managed_escalates_soft_doubts_to_an_interaction_on_the_same_ticket() -> None:
    client = client_for("managed_challenge")
    data = challenge_data(client.request("GET", "/").body)
    doubtful = page_signals(chrome_object="fail")
    first = post(client, data, doubtful)
    assert first.status == 403 and first.json()["reason"] == "interaction_required"
    assert COOKIE not in client.cookies
    # The page shows the button and re-posts the same, still unspent, ticket.
    second = post(client, data, doubtful, steps=click(data))
    assert second.status == 200 and COOKIE in client.cookies


def test_managed_escalation_needs_a_trusted_click() -> None:
    client = client_for("managed_challenge")
    data = challenge_data(client.request("GET", "/").body)
    untrusted = click(data, trusted=False)
    doubtful = page_signals(chrome_object="fail")
    assert post(client, data, doubtful, steps=untrusted).json()["reason"] == "automated"


def test_interactive_always_needs_the_interaction() -> None:
    client = client_for("challenge")
    data = challenge_data(client.request("GET", "/").body)
    assert post(client, data, page_signals()).json()["reason"] == "interaction_required"
    synthetic = click(data, trusted=False)  # element.click()
    assert post(client, data, page_signals(), steps=synthetic).json()["reason"] == "automated"
    assert post(client, data, page_signals(), steps=click(data)).status == 200


def test_cdp_like_pointer_is_soft_in_the_interactive_type() -> None:
    # screenX == clientX can be a kiosk window at (0, 0): it costs score, not passage.
    client = client_for("challenge", rules=[Rule("cf.bot_management.score lt 90", "block")])
    data = challenge_data(client.request("GET", "/").body)
    answer = post(client, data, page_signals(), steps=click(data, same_screen=True))
    assert answer.status == 200
    assert client.request("GET", "/").status == 403  # 79: the owner's rule may act on it


def test_plugin_script_endpoint_serves_only_registered_steps() -> None:
    client = client_for("js_challenge")
    assert client.request("GET", "/.humangate/static/challenges/nope.js").status == 404
    # Built-ins have no separate script.
    assert client.request("GET", "/.humangate/static/challenges/pow.js").status == 404
