"""The detection endpoints and the rule field, adversaries included (humangate.engine.jsd)."""

from __future__ import annotations

import json

import pytest

from humangate import RateLimit
from humangate.crypto.clearance import ClearanceCodec
from humangate.crypto.tokens import KeyRing
from humangate.levels import Level
from humangate.testing import clearance_cookie
from tests.conftest import SECRET
from tests.jsd.support import detect, detection_body, make_site, post, ticket
from tests.support import WSGIClient, challenge_data, solution

COOKIE = "humangate_clearance"


def opened(client: WSGIClient) -> object:
    codec = ClearanceCodec(KeyRing([SECRET], purposes=("clearance",)), 1800, 30, 3600)
    return codec.authentic(client.cookies[COOKIE])


def test_first_request_has_no_result_and_the_rule_challenges() -> None:
    client = WSGIClient(make_site())
    assert client.request("GET", "/buy").status == 403


def test_a_passing_detection_sets_the_field_without_a_level() -> None:
    client = WSGIClient(make_site())
    answer = detect(client)
    assert answer.status == 200, answer.body
    assert answer.json() == {"ok": True, "next": 780}
    held = opened(client)
    assert held.level is Level.NONE and held.js_passed is True  # type: ignore[attr-defined]
    assert client.request("GET", "/buy").status == 200
    # A detection never raises a level: a challenge action still challenges.
    strict = WSGIClient(make_site(default_action="js_challenge"))
    detect(strict)
    assert strict.request("GET", "/anything").status == 403


def test_a_fresh_result_answers_fresh_instead_of_a_ticket() -> None:
    client = WSGIClient(make_site())
    detect(client)
    again = ticket(client).json()
    assert again["fresh"] is True and 700 < again["next"] <= 900


def test_the_result_lasts_fifteen_minutes(monkeypatch: pytest.MonkeyPatch) -> None:
    site = make_site()
    client = WSGIClient(site)
    detect(client)
    engine = site.gate.engine
    start = engine._clock()
    engine._clock = lambda: start + 14 * 60
    assert client.request("GET", "/buy").status == 200
    engine._clock = lambda: start + 16 * 60
    assert client.request("GET", "/buy").status == 403


def test_webdriver_fails_the_detection() -> None:
    client = WSGIClient(make_site())
    answer = detect(client, webdriver=True)
    assert answer.status == 200  # it ran; the result is what rules read
    assert opened(client).js_passed is False  # type: ignore[attr-defined]
    assert client.request("GET", "/buy").status == 403


def test_a_failed_detection_keeps_the_level_and_its_lifetime() -> None:
    site = make_site()
    client = WSGIClient(site)
    client.cookies[COOKIE] = clearance_cookie(
        site.config, level="managed", ip="198.51.100.7", user_agent=client.user_agent
    )[1]
    before = opened(client)
    detect(client, webdriver=True)
    after = opened(client)
    assert after.level is Level.MANAGED  # type: ignore[attr-defined]
    assert after.expires_at == before.expires_at  # type: ignore[attr-defined]
    assert after.id == before.id  # type: ignore[attr-defined]
    assert after.js_passed is False  # type: ignore[attr-defined]


def test_a_passing_detection_keeps_the_level() -> None:
    site = make_site(default_action="managed_challenge")
    client = WSGIClient(site)
    client.cookies[COOKIE] = clearance_cookie(
        site.config, level="managed", ip="198.51.100.7", user_agent=client.user_agent
    )[1]
    detect(client)
    assert opened(client).level is Level.MANAGED  # type: ignore[attr-defined]
    assert client.request("GET", "/page").status == 200


# -- adversaries ---------------------------------------------------------------------


def test_a_replayed_detection_is_refused() -> None:
    client = WSGIClient(make_site())
    data = ticket(client).json()
    body = detection_body(data)
    assert post(client, body).status == 200
    replay = post(client, body)
    assert replay.status == 403
    assert replay.json()["type"].endswith("replayed")


def test_a_forged_ticket_is_refused() -> None:
    client = WSGIClient(make_site())
    data = ticket(client).json()
    body = json.loads(detection_body(data))
    body["ticket"] = body["ticket"][:-4] + "AAAA"
    answer = post(client, json.dumps(body).encode())
    assert answer.status == 403
    assert COOKIE not in client.cookies


def test_a_challenge_ticket_is_not_a_detection_ticket() -> None:
    client = WSGIClient(make_site(default_action="managed_challenge"))
    page = client.request("GET", "/x")
    answer = post(client, solution(challenge_data(page.body)))
    assert answer.status == 403
    assert answer.json()["type"].endswith("invalid")


def test_a_post_from_another_network_is_refused() -> None:
    client = WSGIClient(make_site())
    data = ticket(client).json()
    answer = post(client, detection_body(data), ip="203.0.113.9")
    assert answer.status == 403
    assert answer.json()["type"].endswith("other-client")


def test_a_post_from_another_user_agent_is_refused() -> None:
    client = WSGIClient(make_site())
    data = ticket(client).json()
    client.user_agent = client.user_agent.replace("Chrome/", "Chrome/9")
    assert post(client, detection_body(data)).status == 403


def test_another_clients_clearance_is_refused_not_replaced() -> None:
    site = make_site()
    client = WSGIClient(site)
    foreign = clearance_cookie(
        site.config, level="interactive", ip="203.0.113.9", user_agent="curl/8"
    )[1]
    client.cookies[COOKIE] = foreign
    answer = detect(client)
    assert answer.status == 403
    assert answer.json()["type"].endswith("other-client")
    assert client.cookies[COOKIE] == foreign


def test_wrong_proof_of_work_records_nothing() -> None:
    client = WSGIClient(make_site())
    data = ticket(client).json()
    answer = post(client, detection_body(data, nonce=1))
    # 1 may solve 12 bits by chance: only then is it a pass.
    assert answer.status in (200, 403)
    if answer.status == 403:
        assert COOKIE not in client.cookies


def test_a_forged_pass_without_the_probe_answers_fails() -> None:
    client = WSGIClient(make_site())
    data = ticket(client).json()
    body = json.loads(detection_body(data))
    body["steps"]["probe"]["d"] = dict.fromkeys(body["steps"]["probe"]["d"], "0" * 32)
    answer = post(client, json.dumps(body).encode())
    assert answer.status in (200, 403)
    assert client.request("GET", "/buy").status == 403


def test_bad_bodies_get_a_clear_4xx() -> None:
    client = WSGIClient(make_site())
    assert post(client, b"{").status == 400
    assert post(client, b"[]").status == 400
    assert post(client, b"x" * (16 * 1024 + 10)).status == 413
    assert post(client, b"{}", headers={"content-type": "text/plain"}).status == 415
    cross = post(client, b"{}", headers={"sec-fetch-site": "cross-site"})
    assert cross.status in (400, 403)
    assert client.request("GET", "/.humangate/jsd").status == 405
    assert client.request("POST", "/.humangate/jsd/ticket").status == 405


def test_cross_site_posts_are_refused() -> None:
    client = WSGIClient(make_site())
    data = ticket(client).json()
    answer = post(client, detection_body(data), headers={"sec-fetch-site": "cross-site"})
    assert answer.status == 403


def test_the_api_script_is_served() -> None:
    client = WSGIClient(make_site())
    answer = client.request("GET", "/.humangate/jsd/api.js", query="onload=go", html=False)
    assert answer.status == 200
    assert answer.header("content-type").startswith("text/javascript")
    assert b"executeOnce" in answer.body


def test_the_field_is_in_every_phase() -> None:
    limit = RateLimit(
        expression="not cf.bot_management.js_detection.passed",
        characteristics=["ip.src"],
        period=60,
        requests_per_period=1,
        action="block",
    )
    client = WSGIClient(make_site(rate_limits=[limit], rules=[]))
    assert client.request("GET", "/a").status == 200
    assert client.request("GET", "/a").status == 429  # counted: no result yet
    detect(client)
    assert client.request("GET", "/a").status == 200  # not counted any more
