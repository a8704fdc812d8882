"""The whole request flow through the WSGI adapter: challenge, solve, clearance, pass.

These are the security properties of the foundation; each test fails without the
mechanism it names.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from typing import Any

import pytest

from humangate import Config, Rule
from humangate.testing import clearance_cookie
from humangate.wsgi import HumanGate
from tests.conftest import BROWSER_UA, SECRET
from tests.support import Result, WSGIClient, challenge_data, solution, wrong_nonce

COOKIE = "humangate_clearance"


def _clearance_cookies(answer: Result) -> list[str]:
    """Set-Cookie lines for the clearance (a failed solve may set only the strikes one)."""
    return [v for k, v in answer.headers if k == "set-cookie" and v.startswith(f"{COOKIE}=")]


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [f"app:{environ['PATH_INFO']}?{environ.get('QUERY_STRING', '')}".encode()]


def gate(**overrides: Any) -> HumanGate:
    settings: dict[str, Any] = {"secret_keys": [SECRET], "store": "memory://", "difficulty": 8}
    settings.update(overrides)
    return HumanGate(site, Config(**settings))


@pytest.fixture
def client() -> WSGIClient:
    return WSGIClient(gate())


def pass_challenge(client: WSGIClient, path: str = "/page", query: str = "x=1") -> Result:
    page = client.request("GET", path, query=query)
    assert page.status == 403
    return client.solve(page)


# -- the challenge answer ---------------------------------------------------------------


def test_challenge_page_for_browsers(client: WSGIClient) -> None:
    page = client.request("GET", "/page")
    assert page.status == 403
    assert page.header("cf-mitigated") == "challenge"
    assert page.header("cache-control") == "no-store"
    assert page.header("content-type").startswith("text/html")
    ray = page.header("humangate-ray")
    assert ray is not None and len(ray) == 16 and int(ray, 16) >= 0
    assert ray.encode() in page.body
    csp = page.header("content-security-policy")
    nonce = csp.split("'nonce-")[1].split("'")[0]
    assert f'nonce="{nonce}"'.encode() in page.body
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert b"<noscript>" in page.body and b"Enable JavaScript and cookies" in page.body


def test_json_problem_for_api_clients(client: WSGIClient) -> None:
    answer = client.request(
        "GET", "/api/items", query="page=2", html=False, headers={"accept": "application/json"}
    )
    assert answer.status == 403
    assert answer.header("cf-mitigated") == "challenge"
    assert answer.header("content-type") == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 403
    assert problem["type"] == "urn:humangate:problem:challenge"
    assert problem["ray_id"] == answer.header("humangate-ray")
    assert problem["challenge_url"] == "/api/items?page=2"


def test_reflected_values_are_escaped(client: WSGIClient) -> None:
    page = client.request("GET", "/x", headers={"host": "<script>alert(1)</script>"})
    assert b"<script>alert(1)" not in page.body
    assert b"&lt;script&gt;" in page.body


def test_head_gets_headers_without_body(client: WSGIClient) -> None:
    answer = client.request("HEAD", "/page")
    assert answer.status == 403 and answer.body == b""


# -- solving ---------------------------------------------------------------------------


def test_solve_sets_cookie_and_returns_to_original_url(client: WSGIClient) -> None:
    solved = pass_challenge(client, "/page", "x=1&y=%20")
    assert solved.status == 200
    assert solved.json() == {"ok": True, "redirect": "/page?x=1&y=%20"}
    cookie = next(v for k, v in solved.headers if k == "set-cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http
    assert len(cookie) <= 4096
    reached = client.request("GET", "/page", query="x=1")
    assert reached.status == 200 and reached.body == b"app:/page?x=1"


def test_https_cookie_is_secure_with_host_prefix() -> None:
    client = WSGIClient(gate())
    page = client.request("GET", "/page", scheme="https")
    data = challenge_data(page.body)
    solved = client.request(
        "POST",
        data["solve_url"],
        body=solution(data),
        headers={"content-type": "application/json"},
        html=False,
        scheme="https",
    )
    cookie = next(v for k, v in solved.headers if k == "set-cookie")
    assert cookie.startswith(f"__Host-{COOKIE}=") and "Secure" in cookie
    assert client.request("GET", "/page", scheme="https").status == 200
    # The same cookie value under the plain name does not count on https.
    assert client.request("GET", "/page", scheme="http").status == 403


def test_replayed_ticket_is_refused(client: WSGIClient) -> None:
    page = client.request("GET", "/page")
    data = challenge_data(page.body)
    body = solution(data)
    first = client.request(
        "POST",
        data["solve_url"],
        body=body,
        headers={"content-type": "application/json"},
        html=False,
    )
    assert first.status == 200
    other = WSGIClient(client.app)
    second = other.request(
        "POST",
        data["solve_url"],
        body=body,
        headers={"content-type": "application/json"},
        html=False,
    )
    assert second.status == 403
    assert second.json()["reason"] == "replayed"
    assert not _clearance_cookies(second)


def test_solve_from_another_ip_is_refused(client: WSGIClient) -> None:
    page = client.request("GET", "/page")
    data = challenge_data(page.body)
    thief = WSGIClient(client.app, ip="198.51.100.8")  # same /24, but tickets bind exactly
    answer = thief.request(
        "POST",
        data["solve_url"],
        body=solution(data),
        headers={"content-type": "application/json"},
        html=False,
    )
    assert answer.status == 403
    assert answer.json()["reason"] == "other_client"
    assert "different network" in answer.json()["message"]


def test_solve_from_another_user_agent_is_refused(client: WSGIClient) -> None:
    page = client.request("GET", "/page")
    data = challenge_data(page.body)
    other = WSGIClient(client.app, user_agent="Mozilla/5.0 other")
    answer = other.request(
        "POST",
        data["solve_url"],
        body=solution(data),
        headers={"content-type": "application/json"},
        html=False,
    )
    assert answer.json()["reason"] == "other_client"


def test_wrong_nonce_is_refused(client: WSGIClient) -> None:
    page = client.request("GET", "/page")
    data = challenge_data(page.body)
    answer = client.request(
        "POST",
        data["solve_url"],
        body=solution(data, nonce=wrong_nonce(data)),
        headers={"content-type": "application/json"},
        html=False,
    )
    assert answer.status == 403 and answer.json()["reason"] == "wrong_solution"
    assert answer.json()["redirect"] == "/page"  # the page reloads into a fresh challenge


def test_expired_ticket_is_refused() -> None:
    now = [1_800_000_000.0]
    app = gate()
    app.gate.engine._clock = lambda: now[0]
    client = WSGIClient(app)
    page = client.request("GET", "/page")
    now[0] += 300 + 300 + 1  # ticket_ttl + clock skew
    answer = client.solve(page)
    assert answer.json()["reason"] == "expired"


def test_automation_markers_fail_the_solve() -> None:
    client = WSGIClient(gate())
    assert client.solve(client.request("GET", "/p"), webdriver=True).json()["reason"] == "automated"
    headless = WSGIClient(gate(), user_agent=BROWSER_UA.replace("Chrome/", "HeadlessChrome/"))
    assert headless.solve(headless.request("GET", "/p")).json()["reason"] == "automated"


def test_parallel_challenges_all_succeed(client: WSGIClient) -> None:
    pages = [client.request("GET", f"/tab{i}") for i in range(4)]
    results = [client.solve(page) for page in pages]
    assert [r.status for r in results] == [200, 200, 200, 200]
    assert [r.json()["redirect"] for r in results] == [f"/tab{i}" for i in range(4)]


# -- clearance --------------------------------------------------------------------------


def test_tampered_cookie_is_challenged_and_replaced(client: WSGIClient) -> None:
    pass_challenge(client)
    value = client.cookies[COOKIE]
    client.cookies[COOKIE] = value[:-3] + ("AAA" if not value.endswith("AAA") else "BBB")
    answer = client.request("GET", "/page")
    assert answer.status == 403
    assert f"{COOKIE}=; Path=/; Max-Age=0" in (answer.header("set-cookie") or "")


def test_cookie_replayed_from_another_network_is_challenged(client: WSGIClient) -> None:
    pass_challenge(client)
    same_net = WSGIClient(client.app, ip="198.51.100.200")
    same_net.cookies = dict(client.cookies)
    assert same_net.request("GET", "/page").status == 200  # /24 binding tolerates this
    other_net = WSGIClient(client.app, ip="203.0.113.7")
    other_net.cookies = dict(client.cookies)
    assert other_net.request("GET", "/page").status == 403


def test_cookie_with_another_user_agent_is_challenged(client: WSGIClient) -> None:
    pass_challenge(client)
    other = WSGIClient(client.app, user_agent="curl/8.0")
    other.cookies = dict(client.cookies)
    assert other.request("GET", "/page").status == 403


def test_expired_clearance_and_xhr_grace() -> None:
    now = [1_800_000_000.0]
    app = gate()
    app.gate.engine._clock = lambda: now[0]
    client = WSGIClient(app)
    page = client.request("GET", "/page")
    assert client.solve(page).status == 200
    now[0] += 1800 + 300 + 10  # past passage + skew
    assert client.request("GET", "/page").status == 403
    client.cookies = {COOKIE: client.cookies.get(COOKIE, "")} if client.cookies else {}


def test_xhr_gets_an_extra_hour() -> None:
    now = [1_800_000_000.0]
    app = gate()
    app.gate.engine._clock = lambda: now[0]
    client = WSGIClient(app)
    client.solve(client.request("GET", "/page"))
    saved = dict(client.cookies)
    now[0] += 1800 + 300 + 600
    assert client.request("GET", "/api", headers={"sec-fetch-mode": "cors"}).status == 200
    client.cookies = dict(saved)
    assert (
        client.request("GET", "/api", headers={"x-requested-with": "XMLHttpRequest"}).status == 200
    )
    client.cookies = dict(saved)
    assert client.request("GET", "/page", headers={"sec-fetch-mode": "navigate"}).status == 403


@pytest.mark.parametrize(
    ("held", "required", "passes"),
    [
        ("non_interactive", "js_challenge", True),
        ("non_interactive", "managed_challenge", False),
        ("non_interactive", "challenge", False),
        ("managed", "js_challenge", True),
        ("managed", "managed_challenge", True),
        ("managed", "challenge", False),
        ("interactive", "js_challenge", True),
        ("interactive", "managed_challenge", True),
        ("interactive", "challenge", True),
    ],
)
def test_level_table(held: str, required: str, passes: bool) -> None:
    config = Config(secret_keys=[SECRET], store="memory://", default_action=required)
    client = WSGIClient(HumanGate(site, config))
    name, value = clearance_cookie(
        config, ip=client.ip or "", user_agent=client.user_agent, level=held
    )
    client.cookies[name] = value
    assert (client.request("GET", "/page").status == 200) is passes


def test_solve_records_the_level_of_the_action() -> None:
    rules = [Rule('starts_with(http.request.uri.path, "/login")', "challenge")]
    client = WSGIClient(gate(default_action="js_challenge", rules=rules))
    pass_challenge(client, "/home")
    assert client.request("GET", "/home").status == 200
    assert client.request("GET", "/login").status == 403  # non-interactive is too low
    pass_challenge(client, "/login")
    assert client.request("GET", "/login").status == 200
    assert client.request("GET", "/home").status == 200  # higher replaced lower


def test_higher_clearance_is_not_downgraded_by_a_lower_solve() -> None:
    rules = [Rule('starts_with(http.request.uri.path, "/login")', "challenge")]
    client = WSGIClient(gate(default_action="js_challenge", rules=rules))
    pass_challenge(client, "/login")
    # Solving a pending lower-level ticket later keeps the higher level.
    low_page = WSGIClient(client.app).request("GET", "/home")
    data = challenge_data(low_page.body)
    client.request(
        "POST",
        data["solve_url"],
        body=solution(data),
        headers={"content-type": "application/json"},
        html=False,
    )
    assert client.request("GET", "/login").status == 200


# -- rules ------------------------------------------------------------------------------


def test_rules_first_match_wins_and_default_applies() -> None:
    rules = [
        Rule('http.request.uri.path eq "/healthz"', "skip"),
        Rule('starts_with(http.request.uri.path, "/admin")', "block"),
        Rule('http.request.method eq "POST"', "log"),
        Rule('http.request.uri.path wildcard "/public/*"', "allow"),
    ]
    client = WSGIClient(gate(rules=rules))
    assert client.request("GET", "/healthz").status == 200
    blocked = client.request("GET", "/admin/users")
    assert blocked.status == 403 and blocked.header("cf-mitigated") is None
    assert b"blocked" in blocked.body and blocked.header("humangate-ray").encode() in blocked.body
    assert client.request("GET", "/public/a.css").status == 200
    assert client.request("GET", "/other").status == 403  # default managed_challenge
    assert client.request("POST", "/public/form").status == 200  # log does not terminate


def test_block_json_for_api_clients() -> None:
    client = WSGIClient(gate(rules=[Rule("ip.src in {198.51.100.0/24}", "block")]))
    answer = client.request("GET", "/x", html=False)
    assert answer.status == 403
    assert answer.json()["type"] == "urn:humangate:problem:blocked"


def test_default_allow_passes_everything() -> None:
    client = WSGIClient(gate(default_action="allow"))
    assert client.request("GET", "/anything").status == 200


def test_spoofed_forwarded_for_is_ignored_without_trusted_proxy() -> None:
    rules = [Rule("ip.src in {192.0.2.0/24}", "allow")]
    client = WSGIClient(gate(rules=rules))
    assert client.request("GET", "/x", headers={"x-forwarded-for": "192.0.2.1"}).status == 403


def test_trusted_proxy_sets_the_client_ip() -> None:
    rules = [Rule("ip.src in {192.0.2.0/24}", "allow")]
    client = WSGIClient(gate(rules=rules, trusted_proxies=["10.0.0.0/8"]), ip="10.0.0.1")
    assert client.request("GET", "/x", headers={"x-forwarded-for": "192.0.2.1"}).status == 200


# -- bad input: never a 500, never a pass ----------------------------------------------


@pytest.mark.parametrize(
    "cookie",
    ["", "x", "A" * 5000, "\u00e9\u00e9", "AQ" * 40, "%00%ff", '"quoted"', "a=b=c"],
)
def test_garbage_cookies_are_challenged(client: WSGIClient, cookie: str) -> None:
    client.cookies[COOKIE] = cookie
    assert client.request("GET", "/page").status == 403


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"null",
        b"[]",
        b"{",
        b'{"ticket": 1, "nonce": 2}',
        b'{"ticket": "x", "nonce": true}',
        b'{"ticket": "x", "nonce": "7"}',
        b'{"ticket": "x", "nonce": 1, "signals": []}',
        b"\xff\xfe garbage",
        b"[" * 100000,
    ],
)
def test_garbage_solve_bodies_are_4xx(client: WSGIClient, body: bytes) -> None:
    answer = client.request(
        "POST",
        "/.humangate/solve",
        body=body,
        headers={"content-type": "application/json"},
        html=False,
    )
    assert 400 <= answer.status < 500
    assert not _clearance_cookies(answer)


def test_forged_ticket_is_refused(client: WSGIClient) -> None:
    body = json.dumps(
        {
            "ticket": "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "nonce": 1,
            "signals": {"webdriver": False},
        }
    )
    answer = client.request(
        "POST",
        "/.humangate/solve",
        body=body.encode(),
        headers={"content-type": "application/json"},
        html=False,
    )
    assert answer.status == 403 and answer.json()["reason"] == "invalid"


def test_solve_content_type_and_size_and_method(client: WSGIClient) -> None:
    form = client.request(
        "POST",
        "/.humangate/solve",
        body=b"a=b",
        headers={"content-type": "application/x-www-form-urlencoded"},
        html=False,
    )
    assert form.status == 415
    huge = client.request(
        "POST",
        "/.humangate/solve",
        body=b" " * 20000,
        headers={"content-type": "application/json"},
        html=False,
    )
    assert huge.status == 413
    get = client.request("GET", "/.humangate/solve")
    assert get.status == 405 and get.header("allow") == "POST"


def test_unknown_endpoint_is_404(client: WSGIClient) -> None:
    assert client.request("GET", "/.humangate/nope").status == 404
    assert client.request("GET", "/.humangate/static/../../etc/passwd").status == 404


def test_non_utf8_and_huge_paths_and_headers(client: WSGIClient) -> None:
    assert (
        client.request(
            "GET", "/\udcff\udcfe".encode("utf-8", "surrogateescape").decode("latin-1")
        ).status
        == 403
    )
    assert client.request("GET", "/" + "a" * 100_000).status == 403
    assert (
        client.request(
            "GET", "/x", headers={"user-agent": "x" * 100_000, "accept-language": "\xff" * 50}
        ).status
        == 403
    )


def test_missing_peer_address_is_handled() -> None:
    client = WSGIClient(gate(), ip=None)
    page = client.request("GET", "/page")
    assert page.status == 403
    assert client.solve(page).status == 200
    assert client.request("GET", "/page").status == 200


def test_static_assets_are_served_with_etag(client: WSGIClient) -> None:
    asset = client.request("GET", "/.humangate/static/challenge.js")
    assert asset.status == 200
    assert asset.header("content-type").startswith("text/javascript")
    etag = asset.header("etag")
    again = client.request(
        "GET", "/.humangate/static/challenge.js", headers={"if-none-match": etag}
    )
    assert again.status == 304
    assert client.request("POST", "/.humangate/static/challenge.js").status == 405


def test_time_is_read_from_the_clock() -> None:
    app = gate()
    assert abs(app.gate.engine._clock() - time.time()) < 5


def test_cors_preflight_is_never_challenged_but_the_request_is(client: WSGIClient) -> None:
    preflight = client.request(
        "OPTIONS",
        "/api/items",
        html=False,
        headers={"origin": "https://app.example", "access-control-request-method": "POST"},
    )
    assert preflight.status == 200
    assert client.request("OPTIONS", "/api/items", html=False).status == 403  # not a preflight
    assert client.request("POST", "/api/items", html=False).status == 403


def test_blocked_preflight_stays_blocked() -> None:
    client = WSGIClient(gate(rules=[Rule('http.request.method eq "OPTIONS"', "block")]))
    answer = client.request(
        "OPTIONS", "/x", html=False, headers={"access-control-request-method": "GET"}
    )
    assert answer.status == 403


def test_app_sees_the_clearance_in_environ(client: WSGIClient) -> None:
    seen: list[Any] = []

    def spy(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        seen.append(environ.get("humangate.clearance"))
        return site(environ, start_response)

    app = HumanGate(spy, client.app.config)
    visitor = WSGIClient(app)
    visitor.solve(visitor.request("GET", "/page"))
    visitor.request("GET", "/page")
    assert seen[-1] is not None
    assert seen[-1].level.label == "managed"


def test_site_favicon_is_not_challenged_so_the_challenge_page_can_show_it(
    client: WSGIClient,
) -> None:
    assert client.request("GET", "/favicon.ico").status == 200
    assert client.request("POST", "/favicon.ico").status == 403
    blocking = WSGIClient(gate(rules=[Rule('http.request.uri.path eq "/favicon.ico"', "block")]))
    assert blocking.request("GET", "/favicon.ico").status == 403
