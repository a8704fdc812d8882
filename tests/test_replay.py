"""Challenged form POSTs are held sealed and replayed to the app once, after the solve.

The holding page submits the sealed form back to the form's own address (so the browser's
address bar shows it afterwards); the gate knows that submission by its hint cookie and
its two reserved fields."""

from __future__ import annotations

import html
import io
import re
from typing import Any
from urllib.parse import unquote, urlencode

import httpx
import pytest

from humangate import Config, Rule
from humangate.asgi import HumanGate as ASGIGate
from humangate.asgi import Receive, Scope, Send
from humangate.wsgi import HumanGate as WSGIGate
from tests.conftest import BROWSER_UA, SECRET
from tests.support import Result, WSGIClient, challenge_data, solution

FORM = b"name=Ada+Lovelace&message=hello%21"
MULTIPART_TYPE = "multipart/form-data; boundary=XyZ"
MULTIPART = (
    b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nkept\r\n'
    b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
    b"Content-Type: text/plain\r\n\r\n\x00\x01binary\xff\r\n--XyZ--\r\n"
)
FIELD = re.compile(rb'name="(humangate-envelope|humangate-body)" value="([^"]*)"')
ACTION = re.compile(rb'<form id="humangate-replay" method="post" action="([^"]*)"')
CHALLENGE = re.compile(rb'data-challenge="([^"]*)"')
SEALED = {"humangate-envelope", "humangate-body"}
# What a browser sends with a form submitted from the site's own page.
SAME_ORIGIN = {"origin": "http://testserver", "sec-fetch-site": "same-origin"}
FORM_HEADERS = {**SAME_ORIGIN, "content-type": "application/x-www-form-urlencoded"}


def settings(**overrides: Any) -> Config:
    values: dict[str, Any] = {"secret_keys": [SECRET], "store": "memory://", "difficulty": 8}
    values.update(overrides)
    return Config(**values)


def held_fields(page: bytes) -> dict[str, str]:
    return {k.decode(): html.unescape(v.decode()) for k, v in FIELD.findall(page)}


def held_action(page: bytes) -> str:
    match = ACTION.search(page)
    assert match is not None, "the holding page has no replay form"
    return html.unescape(match.group(1).decode())


def challenge_url(page: bytes) -> str:
    match = CHALLENGE.search(page)
    assert match is not None, "the holding page names no challenge"
    return html.unescape(match.group(1).decode())


# -- WSGI ---------------------------------------------------------------------------------

calls: list[tuple[str, str, str, str, bytes]] = []


def echo_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    calls.append(
        (
            environ["REQUEST_METHOD"],
            environ["PATH_INFO"],
            environ.get("QUERY_STRING", ""),
            environ.get("CONTENT_TYPE", ""),
            body,
        )
    )
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app got " + body]


@pytest.fixture(autouse=True)
def _clear_calls() -> None:
    calls.clear()


def solve_in_place(client: WSGIClient, held: Result) -> None:
    """What spa.js does on the holding page: the challenge, in an iframe."""
    path, _, query = challenge_url(held.body).partition("?")
    page = client.request("GET", path, query=query)
    assert page.status == 403 and page.header("cf-mitigated") == "challenge"
    assert client.solve(page).status == 200


def replay(
    client: WSGIClient,
    held: Result,
    fields: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    target: str | None = None,
    **options: Any,
) -> Result:
    """What the holding page's form does: POST the sealed fields to its action (the
    original form's address), with the hint cookie the page set."""
    path, _, query = (target or held_action(held.body)).partition("?")
    body = urlencode(held_fields(held.body) if fields is None else fields).encode()
    # PATH_INFO is the decoded path, its bytes as latin-1 (PEP 3333), as a server gives it.
    path = unquote(path, encoding="latin-1")
    return client.request(
        "POST", path, query=query, body=body, headers=headers or FORM_HEADERS, **options
    )


def refused_replay(answer: Result) -> bool:
    """The replay-refused answer: a page for a browser (JSON for API clients)."""
    return answer.status == 403 and b"This form was not sent again" in answer.body


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/x-www-form-urlencoded", FORM), (MULTIPART_TYPE, MULTIPART)],
    ids=["urlencoded", "multipart"],
)
def test_wsgi_form_post_is_replayed_once(content_type: str, body: bytes) -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    held = client.request(
        "POST",
        "/contact",
        query="step=2",
        body=body,
        headers={**SAME_ORIGIN, "content-type": content_type},
    )
    assert held.status == 403 and held.header("cf-mitigated") == "challenge"
    assert "frame-src 'self'" in (held.header("content-security-policy") or "")
    assert body not in held.body, "the body must be sealed, not echoed"
    assert calls == []
    assert set(held_fields(held.body)) == SEALED
    # Sent back to the form's own address, so that is what the address bar shows after.
    assert held_action(held.body) == "/contact?step=2"

    solve_in_place(client, held)
    first = replay(client, held)
    assert first.status == 200 and first.body == b"app got " + body
    assert calls == [("POST", "/contact", "step=2", content_type, body)]

    again = replay(client, held)
    assert refused_replay(again)
    assert len(calls) == 1, "a held request reaches the app once only"
    api = replay(client, held, html=False)
    assert api.json()["type"] == "urn:humangate:problem:replay-refused"
    assert len(calls) == 1


def test_wsgi_replay_needs_the_clearance_first() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    held = client.request("POST", "/contact", body=FORM, headers=FORM_HEADERS)
    refused = replay(client, held)
    assert refused.status == 403 and calls == []
    solve_in_place(client, held)  # not spent by the refusal: it still works afterwards
    assert replay(client, held).status == 200


def test_wsgi_replay_from_another_client_is_refused() -> None:
    app = WSGIGate(echo_wsgi, settings())
    client = WSGIClient(app, ip="198.51.100.7")
    held = client.request("POST", "/contact", body=FORM, headers=FORM_HEADERS)
    solve_in_place(client, held)
    # Same /24, so the clearance still holds; the held body is bound to the exact address.
    refused = replay(client, held, ip="198.51.100.8")
    assert refused_replay(refused) and calls == []
    other_browser = WSGIClient(app, user_agent=BROWSER_UA + " Other")
    other_browser.cookies = dict(client.cookies)
    assert refused_replay(replay(other_browser, held))
    assert calls == []


def test_wsgi_tampered_body_is_refused() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    held = client.request("POST", "/contact", body=FORM, headers=FORM_HEADERS)
    solve_in_place(client, held)
    fields = held_fields(held.body)
    sealed = fields["humangate-body"]
    fields["humangate-body"] = sealed[:-2] + ("A" if sealed[-2] != "A" else "B") + "A"
    assert refused_replay(replay(client, held, fields)) and calls == []


def test_wsgi_oversized_form_must_be_retried() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings(replay_max_body=1024)))
    big = b"text=" + b"x" * 2000
    answer = client.request("POST", "/contact", body=big, headers=FORM_HEADERS)
    assert answer.status == 403 and answer.header("cf-mitigated") == "challenge"
    assert b"submit the form again" in answer.body.lower()
    assert b'name="humangate-envelope"' not in answer.body
    api = client.request(
        "POST",
        "/contact",
        body=big,
        headers=FORM_HEADERS,
        html=False,
    )
    # An API client's form POST is not a navigation: it gets the JSON challenge, unread.
    assert api.json()["type"] == "urn:humangate:problem:challenge"
    assert calls == []


class _WatchedInput(io.BytesIO):
    reads = 0

    def read(self, size: int | None = -1) -> bytes:
        type(self).reads += 1
        return super().read(size)


def test_wsgi_reads_no_app_body_unless_a_form_post_is_challenged() -> None:
    app = WSGIGate(echo_wsgi, settings(rules=[Rule('http.request.uri.path eq "/open"', "allow")]))
    for path, content_type in (("/api", "application/json"), ("/open", "text/plain")):
        _WatchedInput.reads = 0
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "REMOTE_ADDR": "198.51.100.7",
            "HTTP_ACCEPT": "text/html",
            "HTTP_USER_AGENT": BROWSER_UA,
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": "4",
            "wsgi.input": _WatchedInput(b"data"),
            "wsgi.url_scheme": "http",
        }
        list(app(environ, lambda status, headers, exc_info=None: None))
        expected = 1 if path == "/open" else 0  # only the app itself read it
        assert _WatchedInput.reads == expected, path


def test_the_hint_cookie_names_the_form_path_only() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    held = client.request("POST", "/contact", query="step=2", body=FORM, headers=FORM_HEADERS)
    (hint,) = [v for k, v in held.headers if k == "set-cookie" and v.startswith("humangate-")]
    name, _, attributes = hint.partition(";")
    assert re.fullmatch(r"humangate-replay-[0-9a-f]{24}=1", name)
    assert [attribute.strip() for attribute in attributes.split(";")] == [
        "Path=/contact",
        f"Max-Age={settings().ticket_ttl + 3600}",
        "HttpOnly",
        "SameSite=Strict",
    ]
    https = client.request(
        "POST",
        "/contact",
        body=FORM,
        headers={**FORM_HEADERS, "origin": "https://testserver"},
        scheme="https",
    )
    assert any(v.endswith("; Secure") for k, v in https.headers if k == "set-cookie")


@pytest.mark.parametrize(
    "target",
    ["/other", "/contact", "/contact?step=3", "/contact/", "/.humangate/replay"],
)
def test_wsgi_held_form_sent_to_another_address_is_refused(target: str) -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    held = client.request("POST", "/contact", query="step=2", body=FORM, headers=FORM_HEADERS)
    solve_in_place(client, held)
    moved = replay(client, held, target=target)
    assert moved.status in (403, 404) and calls == [], target
    # Not spent: at the address it was sealed for it still goes through, once.
    assert replay(client, held).status == 200
    assert calls == [("POST", "/contact", "step=2", "application/x-www-form-urlencoded", FORM)]


def test_wsgi_query_is_sent_back_as_the_browser_sent_it() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    query = "q=%C3%A9t%C3%A9&x=%22%3E%3Cb%3E"
    path = "/café".encode().decode("latin-1")  # PATH_INFO: the UTF-8 bytes as latin-1
    held = client.request("POST", path, query=query, body=FORM, headers=FORM_HEADERS)
    assert held_action(held.body) == f"/caf%C3%A9?{query}"
    assert b"<b>" not in held.body
    solve_in_place(client, held)
    assert replay(client, held).status == 200
    assert calls[0][2] == query


seen_environ: list[dict[str, Any]] = []


def recording_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    seen_environ.append(dict(environ))
    return echo_wsgi(environ, start_response)


def test_wsgi_a_fresh_form_past_the_hint_reaches_the_app_unchanged() -> None:
    seen_environ.clear()
    app = WSGIGate(recording_wsgi, settings())
    client = WSGIClient(app)
    held = client.request("POST", "/contact", body=FORM, headers=FORM_HEADERS)
    solve_in_place(client, held)
    assert any(name.startswith("humangate-replay-") for name in client.cookies)
    fresh = b"name=Grace+Hopper&message=again"
    sent = client.request("POST", "/contact", body=fresh, headers=FORM_HEADERS)
    assert sent.status == 200 and sent.body == b"app got " + fresh
    environ = seen_environ[-1]
    assert environ["HTTP_ORIGIN"] == "http://testserver"
    assert environ["HTTP_SEC_FETCH_SITE"] == "same-origin"
    assert "HTTP_X_HUMANGATE_REPLAYED" not in environ
    # A visitor without the clearance but with the hint: the fresh form is held again.
    stranger = WSGIClient(app)
    stranger.cookies = {k: v for k, v in client.cookies.items() if k.startswith("humangate-r")}
    again = stranger.request("POST", "/contact", body=fresh, headers=FORM_HEADERS)
    assert again.status == 403 and set(held_fields(again.body)) == SEALED
    solve_in_place(stranger, again)
    assert replay(stranger, again).body == b"app got " + fresh


def test_wsgi_reads_no_other_body_past_the_hint() -> None:
    """Only a urlencoded body small enough to be a holding page's form is read first."""
    app = WSGIGate(echo_wsgi, settings())
    client = WSGIClient(app)
    held = client.request("POST", "/contact", body=FORM, headers=FORM_HEADERS)
    solve_in_place(client, held)
    cookie = "; ".join(f"{k}={v}" for k, v in client.cookies.items())
    limit = app.gate.engine._parts.replays.form_limit
    for content_type, size in (
        (MULTIPART_TYPE, 10),
        ("application/json", 10),
        ("application/x-www-form-urlencoded", limit + 1),
    ):
        _WatchedInput.reads = 0
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": "/contact",
            "REMOTE_ADDR": "198.51.100.7",
            "HTTP_ACCEPT": "text/html",
            "HTTP_HOST": "testserver",
            "HTTP_USER_AGENT": BROWSER_UA,
            "HTTP_COOKIE": cookie,
            "HTTP_SEC_FETCH_SITE": "same-origin",
            "CONTENT_TYPE": content_type,
            "CONTENT_LENGTH": str(size),
            "wsgi.input": _WatchedInput(b"x" * size),
            "wsgi.url_scheme": "http",
        }
        list(app(environ, lambda status, headers, exc_info=None: None))
        assert _WatchedInput.reads == 1, content_type  # the app's own read only


# -- ASGI ---------------------------------------------------------------------------------

PEER = ("198.51.100.7", 50000)


async def echo_asgi(scope: Scope, receive: Receive, send: Send) -> None:
    assert scope["type"] == "http"
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = dict(scope["headers"])
    calls.append(
        (
            scope["method"],
            scope["path"],
            scope["query_string"].decode(),
            headers.get(b"content-type", b"").decode(),
            body,
        )
    )
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"app got " + body})


def asgi_client(app: ASGIGate, peer: tuple[str, int] = PEER) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=peer),
        base_url="http://testserver",
        headers={"user-agent": BROWSER_UA, "accept": "text/html", **SAME_ORIGIN},
    )


async def asgi_solve(client: httpx.AsyncClient, held: httpx.Response) -> None:
    page = await client.get(challenge_url(held.content))
    data = challenge_data(page.content)
    solved = await client.post(
        data["solve_url"], content=solution(data), headers={"content-type": "application/json"}
    )
    assert solved.status_code == 200


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/x-www-form-urlencoded", FORM), (MULTIPART_TYPE, MULTIPART)],
    ids=["urlencoded", "multipart"],
)
async def test_asgi_form_post_is_replayed_once(content_type: str, body: bytes) -> None:
    app = ASGIGate(echo_asgi, settings())
    async with asgi_client(app) as client:
        held = await client.post(
            "/contact?step=2", content=body, headers={**SAME_ORIGIN, "content-type": content_type}
        )
        assert held.status_code == 403 and calls == []
        fields = held_fields(held.content)
        action = held_action(held.content)
        assert action == "/contact?step=2"
        await asgi_solve(client, held)
        # httpx keeps cookies by their Path: the hint goes with the POST to /contact.
        first = await client.post(action, data=fields)
        assert first.status_code == 200 and first.content == b"app got " + body
        assert calls == [("POST", "/contact", "step=2", content_type, body)]
        again = await client.post(action, data=fields)
        assert again.status_code == 403 and len(calls) == 1


async def test_asgi_replay_from_another_client_is_refused() -> None:
    app = ASGIGate(echo_asgi, settings())
    async with asgi_client(app) as client:
        held = await client.post("/contact", content=FORM, headers=FORM_HEADERS)
        await asgi_solve(client, held)
        cookies = dict(client.cookies)
    async with asgi_client(app, ("198.51.100.8", 1)) as other:
        other.cookies.update(cookies)
        refused = await other.post(held_action(held.content), data=held_fields(held.content))
        assert refused.status_code == 403 and calls == []


async def test_asgi_oversized_form_must_be_retried() -> None:
    app = ASGIGate(echo_asgi, settings(replay_max_body=1024))
    async with asgi_client(app) as client:
        answer = await client.post(
            "/contact",
            content=b"t=" + b"x" * 4000,
            headers=FORM_HEADERS,
        )
        assert answer.status_code == 403 and b'name="humangate-envelope"' not in answer.content
        assert b"submit the form again" in answer.content.lower()
        assert calls == []


async def test_asgi_a_fresh_form_past_the_hint_reaches_the_app_unchanged() -> None:
    app = ASGIGate(echo_asgi, settings())
    async with asgi_client(app) as client:
        held = await client.post("/contact", content=FORM, headers=FORM_HEADERS)
        await asgi_solve(client, held)
        fresh = b"name=Grace&message=again"
        sent = await client.post("/contact", content=fresh, headers=FORM_HEADERS)
        assert sent.status_code == 200 and sent.content == b"app got " + fresh
        assert calls == [("POST", "/contact", "", "application/x-www-form-urlencoded", fresh)]
        # The held form is still sent afterwards, once.
        first = await client.post(held_action(held.content), data=held_fields(held.content))
        assert first.content == b"app got " + FORM
        moved = await client.post("/contact?x=1", data=held_fields(held.content))
        assert moved.status_code in (200, 403) and len(calls) == 2


# -- the in-place challenge endpoints (used by spa.js and the holding page) ---------------


def test_explicit_challenge_returns_to_done_and_allows_same_origin_frames() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    page = client.request("GET", "/.humangate/challenge", query="level=bogus")
    assert page.status == 403 and page.header("cf-mitigated") == "challenge"
    assert "frame-ancestors 'self'" in (page.header("content-security-policy") or "")
    data = challenge_data(page.body)
    assert data["level"] == "managed"  # an unknown level falls back to managed
    solved = client.solve(page)
    assert solved.json()["redirect"] == "/.humangate/done"
    done = client.request("GET", "/.humangate/done")
    assert done.status == 200 and b"Verified" in done.body
    # Already cleared at that level: straight to the done page, no new challenge.
    again = client.request("GET", "/.humangate/challenge", query="level=managed")
    assert again.status == 200 and b"Verified" in again.body
    assert calls == []


def test_there_is_no_replay_endpoint_under_the_prefix() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    for method in ("GET", "POST"):
        answer = client.request(
            method, "/.humangate/replay", body=b"humangate-envelope=x&humangate-body=y"
        )
        assert answer.status == 404 and calls == []
