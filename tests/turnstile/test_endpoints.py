"""The widget's endpoints through the WSGI adapter: frame, solve, siteverify, api.js."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from humangate import Config
from humangate.errors import ConfigError
from humangate.turnstile import Sitekey
from tests.conftest import SECRET
from tests.support import WSGIClient
from tests.turnstile.support import (
    OTHER_SECRET,
    OTHER_SITEKEY,
    PREFIX,
    SITEKEY,
    WIDGET_SECRET,
    frame,
    gate,
    siteverify,
    solve_frame,
    widget_config,
    widget_token,
)

GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


@pytest.fixture
def client() -> WSGIClient:
    return WSGIClient(gate())


@pytest.mark.parametrize("as_json", [False, True])
def test_token_from_the_frame_verifies_once(client: WSGIClient, as_json: bool) -> None:
    value = widget_token(client, a="login", c="abc-123")
    result = siteverify(client, {"secret": WIDGET_SECRET, "response": value}, as_json=as_json)
    assert result["success"] is True
    assert (result["hostname"], result["action"], result["cdata"]) == (
        "testserver",
        "login",
        "abc-123",
    )
    again = siteverify(client, {"secret": WIDGET_SECRET, "response": value}, as_json=as_json)
    assert again == {"success": False, "error-codes": ["timeout-or-duplicate"]}


def test_get_is_refused_as_turnstile_does(client: WSGIClient) -> None:
    value = widget_token(client)
    query = urlencode({"secret": WIDGET_SECRET, "response": value})
    answer = client.request("GET", f"{PREFIX}siteverify", query=query, html=False)
    assert answer.status == 405
    assert answer.header("allow") == "POST"
    assert answer.json() == {"success": False, "error-codes": ["bad-request"]}
    # The GET did not spend the token.
    assert siteverify(client, {"secret": WIDGET_SECRET, "response": value})["success"]


def test_oversized_body_is_a_bad_request(client: WSGIClient) -> None:
    result = siteverify(client, {"secret": WIDGET_SECRET, "response": "x" * 20_000})
    assert result == {"success": False, "error-codes": ["bad-request"]}


def test_token_is_bound_to_its_sitekey(client: WSGIClient) -> None:
    value = widget_token(client)
    result = siteverify(client, {"secret": OTHER_SECRET, "response": value})
    assert result["error-codes"] == ["invalid-input-response"]
    value = widget_token(client, OTHER_SITEKEY)
    assert siteverify(client, {"secret": OTHER_SECRET, "response": value})["success"]


def test_remoteip_of_another_client_is_refused(client: WSGIClient) -> None:
    value = widget_token(client)
    result = siteverify(
        client, {"secret": WIDGET_SECRET, "response": value, "remoteip": "203.0.113.1"}
    )
    assert result["error-codes"] == ["invalid-input-response"]
    result = siteverify(
        client, {"secret": WIDGET_SECRET, "response": value, "remoteip": client.ip or ""}
    )
    assert result["success"]


# -- the frame -----------------------------------------------------------------------------


def test_frame_may_only_be_embedded_by_the_sitekeys_hosts(client: WSGIClient) -> None:
    page, data = frame(client)
    assert page.status == 200
    assert data["kind"] == "challenge" and data["visible"] is True
    assert data["origin"] == "http://testserver"
    policy = page.header("content-security-policy") or ""
    assert "frame-ancestors http://testserver:* https://testserver:*" in policy
    assert "'unsafe-inline'" not in policy


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"k": "0x4AAAAAAAunknownKey"}, "110100"),
        ({"o": "http://evil.example"}, "110200"),
        ({"o": "javascript:alert(1)"}, "110200"),
        ({"o": "http://testserver/path"}, "110200"),
        ({"a": "no spaces allowed"}, "110420"),
        ({"a": "a" * 33}, "110420"),
        ({"c": "c" * 256}, "110430"),
        ({"c": "<script>"}, "110430"),
    ],
)
def test_frame_errors_carry_the_documented_codes(
    client: WSGIClient, params: dict[str, str], code: str
) -> None:
    sitekey = params.pop("k", SITEKEY)
    page, data = frame(client, sitekey, **params)
    assert data == {**data, "kind": "error", "error": code}
    assert "challenge" not in data
    assert b"<script>" not in page.body.split(b"humangate-challenge")[0]


def test_subdomains_of_an_allowed_host_may_embed() -> None:
    client = WSGIClient(gate(widget_config(hostnames=["example.org"])))
    assert frame(client, origin="https://shop.example.org:8443")[1]["kind"] == "challenge"
    assert frame(client, origin="https://example.org.evil.test")[1]["error"] == "110200"


def test_invisible_mode_frame(client: WSGIClient) -> None:
    client = WSGIClient(gate(widget_config(mode="invisible")))
    _, data = frame(client)
    assert data["visible"] is False
    assert data["challenge"]["level"] == "non_interactive"


def test_managed_mode_can_escalate_to_the_button(client: WSGIClient) -> None:
    _, data = frame(client)
    assert data["challenge"]["level"] == "managed"
    assert data["challenge"]["escalation"] == "interaction"


@pytest.mark.parametrize(
    ("sitekey", "visible", "test"),
    [
        ("1x00000000000000000000AA", True, "pass"),
        ("2x00000000000000000000AB", True, "fail"),
        ("1x00000000000000000000BB", False, "pass"),
        ("2x00000000000000000000BB", False, "fail"),
        ("3x00000000000000000000FF", True, "interactive"),
    ],
)
def test_test_sitekeys_work_on_any_host(
    client: WSGIClient, sitekey: str, visible: bool, test: str
) -> None:
    _, data = frame(client, sitekey, origin="http://localhost:3000")
    assert (data["kind"], data["visible"], data["test"]) == ("test", visible, test)


def test_verified_bots_get_403_from_the_widget() -> None:
    client = WSGIClient(gate(), ip="66.249.66.1", user_agent=GOOGLEBOT_UA)
    page, data = frame(client)
    assert page.status == 403
    assert data["kind"] == "error"


def test_frame_language_follows_the_page(client: WSGIClient) -> None:
    page, _ = frame(client, l="ja")
    assert b'lang="ja"' in page.body
    page, _ = frame(client, l="ar")
    assert b'dir="rtl"' in page.body


# -- the frame's solve -----------------------------------------------------------------------


def test_solve_without_a_context_is_refused(client: WSGIClient) -> None:
    _, data = frame(client)
    answer = solve_frame(client, data, context="forged")
    assert answer.status == 403
    assert "token" not in answer.json()


def test_a_context_works_only_with_its_own_frames_ticket(client: WSGIClient) -> None:
    _, first = frame(client)
    _, second = frame(client)
    answer = solve_frame(client, first, context=second["challenge"]["context"])
    assert answer.status == 403
    assert "token" not in answer.json()


def test_automated_browser_gets_no_token(client: WSGIClient) -> None:
    _, data = frame(client)
    answer = solve_frame(client, data, webdriver=True)
    assert answer.status == 403
    assert answer.json()["reason"] == "automated"
    assert "token" not in answer.json()


def test_a_solve_from_another_client_gets_no_token(client: WSGIClient) -> None:
    _, data = frame(client)
    client.ip = "203.0.113.50"
    answer = solve_frame(client, data)
    assert answer.json()["reason"] == "other_client"


def test_a_frame_solves_only_once(client: WSGIClient) -> None:
    _, data = frame(client)
    assert solve_frame(client, data).status == 200
    assert solve_frame(client, data).json()["reason"] == "replayed"


def test_solve_refuses_get(client: WSGIClient) -> None:
    assert client.request("GET", f"{PREFIX}solve").status == 405


def test_without_pre_clearance_no_cookie_is_set(client: WSGIClient) -> None:
    _, data = frame(client)
    answer = solve_frame(client, data)
    assert answer.status == 200
    assert answer.header("set-cookie") is None


def test_api_js_is_served(client: WSGIClient) -> None:
    answer = client.request("GET", f"{PREFIX}api.js")
    assert answer.status == 200
    assert answer.header("content-type") == "text/javascript; charset=utf-8"
    assert b"turnstile" in answer.body


def test_unknown_widget_path_is_404(client: WSGIClient) -> None:
    assert client.request("GET", f"{PREFIX}nothing").status == 404


def test_sitekey_settings_are_validated() -> None:
    secret = "s" * 32
    for bad in (
        {"sitekey": "short"},
        {"sitekey": "1x00000000000000000000AA"},
        {"secrets": []},
        {"secrets": ["short"]},
        {"secrets": ["1x0000000000000000000000000000000AA"]},
        {"hostnames": ["not a host"]},
        {"mode": "sometimes"},
        {"clearance_level": "all"},
        {"clearance_level": "managed", "hostnames": []},
    ):
        fields = {"sitekey": SITEKEY, "secrets": [secret], "hostnames": ["example.org"], **bad}
        with pytest.raises(ConfigError):
            Sitekey(**fields)  # type: ignore[arg-type]
    with pytest.raises(ConfigError):
        widget_config(sitekey=OTHER_SITEKEY)  # the same sitekey twice


def test_sitekeys_from_toml_tables(tmp_path) -> None:
    path = tmp_path / "humangate.toml"
    path.write_text(
        f"""
secret_keys = ["{SECRET}"]
[[sitekeys]]
sitekey = "{SITEKEY}"
secrets = ["{WIDGET_SECRET}"]
hostnames = ["example.org"]
clearance_level = "managed"
"""
    )
    config = Config.from_toml(path)
    assert config.sitekeys[0].clearance_level == "managed"


def test_siteverify_events_name_the_sitekey_and_outcome(client: WSGIClient, caplog) -> None:
    caplog.set_level("INFO", logger="humangate.events")
    value = widget_token(client)
    siteverify(client, {"secret": WIDGET_SECRET, "response": value})
    siteverify(client, {"secret": WIDGET_SECRET, "response": value})
    records = [r.humangate for r in caplog.records if hasattr(r, "humangate")]
    verifies = [r for r in records if r["kind"] == "siteverify"]
    assert [(r["reason"], r["sitekey"]) for r in verifies] == [
        ("success", SITEKEY),
        ("timeout-or-duplicate", SITEKEY),
    ]
    assert any(r["kind"] == "widget_solved" and r["sitekey"] == SITEKEY for r in records)


def test_json_body_of_the_solve_must_be_json(client: WSGIClient) -> None:
    answer = client.request(
        "POST",
        f"{PREFIX}solve",
        body=b"{",
        headers={"content-type": "application/json"},
        html=False,
    )
    assert answer.status == 403
    assert json.loads(answer.body)["status"] == 403


def test_verified_bots_get_no_token_from_the_solve_either() -> None:
    browser = WSGIClient(gate())
    _, data = frame(browser)
    bot = WSGIClient(browser.app, ip="66.249.66.1", user_agent=GOOGLEBOT_UA)
    answer = solve_frame(bot, data)
    assert answer.status == 403
    assert "token" not in answer.json()
