"""Challenged form POSTs are held sealed and replayed to the app once, after the solve."""

from __future__ import annotations

import html
import io
import re
from typing import Any
from urllib.parse import urlencode

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
FIELD = re.compile(rb'name="(envelope|body)" value="([^"]*)"')
CHALLENGE = re.compile(rb'data-challenge="([^"]*)"')
# What a browser sends with a form submitted from the site's own page.
SAME_ORIGIN = {"origin": "http://testserver", "sec-fetch-site": "same-origin"}
FORM_HEADERS = {**SAME_ORIGIN, "content-type": "application/x-www-form-urlencoded"}


def settings(**overrides: Any) -> Config:
    values: dict[str, Any] = {"secret_keys": [SECRET], "store": "memory://", "difficulty": 8}
    values.update(overrides)
    return Config(**values)


def held_fields(page: bytes) -> dict[str, str]:
    return {k.decode(): html.unescape(v.decode()) for k, v in FIELD.findall(page)}


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
    fields: dict[str, str],
    headers: dict[str, str] | None = None,
    **options: Any,
) -> Result:
    body = urlencode(fields).encode()
    return client.request(
        "POST", "/.humangate/replay", body=body, headers=headers or FORM_HEADERS, **options
    )


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
    fields = held_fields(held.body)
    assert set(fields) == {"envelope", "body"}

    solve_in_place(client, held)
    first = replay(client, fields)
    assert first.status == 200 and first.body == b"app got " + body
    assert calls == [("POST", "/contact", "step=2", content_type, body)]

    again = replay(client, fields)
    assert again.status == 403 and again.json()["type"] == "urn:humangate:problem:replay-refused"
    assert len(calls) == 1, "a held request reaches the app once only"


def test_wsgi_replay_needs_the_clearance_first() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    held = client.request("POST", "/contact", body=FORM, headers=FORM_HEADERS)
    refused = replay(client, held_fields(held.body))
    assert refused.status == 403 and calls == []
    solve_in_place(client, held)  # not spent by the refusal: it still works afterwards
    assert replay(client, held_fields(held.body)).status == 200


def test_wsgi_replay_from_another_client_is_refused() -> None:
    app = WSGIGate(echo_wsgi, settings())
    client = WSGIClient(app, ip="198.51.100.7")
    held = client.request("POST", "/contact", body=FORM, headers=FORM_HEADERS)
    solve_in_place(client, held)
    # Same /24, so the clearance still holds; the held body is bound to the exact address.
    refused = replay(client, held_fields(held.body), ip="198.51.100.8")
    assert refused.status == 403 and calls == []
    other_browser = WSGIClient(app, user_agent=BROWSER_UA + " Other")
    other_browser.cookies = dict(client.cookies)
    assert replay(other_browser, held_fields(held.body)).status == 403
    assert calls == []


def test_wsgi_tampered_body_is_refused() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    held = client.request("POST", "/contact", body=FORM, headers=FORM_HEADERS)
    solve_in_place(client, held)
    fields = held_fields(held.body)
    fields["body"] = fields["body"][:-2] + ("A" if fields["body"][-2] != "A" else "B") + "A"
    assert replay(client, fields).status == 403 and calls == []


def test_wsgi_oversized_form_must_be_retried() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings(replay_max_body=1024)))
    big = b"text=" + b"x" * 2000
    answer = client.request("POST", "/contact", body=big, headers=FORM_HEADERS)
    assert answer.status == 403 and answer.header("cf-mitigated") == "challenge"
    assert b"submit the form again" in answer.body.lower()
    assert b'name="envelope"' not in answer.body
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
        await asgi_solve(client, held)
        first = await client.post("/.humangate/replay", data=fields)
        assert first.status_code == 200 and first.content == b"app got " + body
        assert calls == [("POST", "/contact", "step=2", content_type, body)]
        again = await client.post("/.humangate/replay", data=fields)
        assert again.status_code == 403 and len(calls) == 1


async def test_asgi_replay_from_another_client_is_refused() -> None:
    app = ASGIGate(echo_asgi, settings())
    async with asgi_client(app) as client:
        held = await client.post("/contact", content=FORM, headers=FORM_HEADERS)
        await asgi_solve(client, held)
        cookies = dict(client.cookies)
    async with asgi_client(app, ("198.51.100.8", 1)) as other:
        other.cookies.update(cookies)
        refused = await other.post("/.humangate/replay", data=held_fields(held.content))
        assert refused.status_code == 403 and calls == []


async def test_asgi_oversized_form_must_be_retried() -> None:
    app = ASGIGate(echo_asgi, settings(replay_max_body=1024))
    async with asgi_client(app) as client:
        answer = await client.post(
            "/contact",
            content=b"t=" + b"x" * 4000,
            headers=FORM_HEADERS,
        )
        assert answer.status_code == 403 and b'name="envelope"' not in answer.content
        assert b"submit the form again" in answer.content.lower()
        assert calls == []


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


def test_replay_endpoint_takes_only_post() -> None:
    client = WSGIClient(WSGIGate(echo_wsgi, settings()))
    assert client.request("GET", "/.humangate/replay").status == 405
    garbage = client.request(
        "POST",
        "/.humangate/replay",
        body=b"envelope=x&body=y",
        headers=FORM_HEADERS,
    )
    assert garbage.status == 403 and calls == []
