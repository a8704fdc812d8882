"""Injection through the WSGI and ASGI adapters: streaming, compressed, ranged, HEAD."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from typing import Any

from humangate.asgi import HumanGate as AsgiGate
from humangate.testing import clearance_cookie
from tests.jsd.support import DOCUMENT, PAGE, make_site, shop
from tests.support import WSGIClient, call_asgi

TAG = re.compile(rb'<script src="/\.humangate/static/jsd\.[0-9a-f]{12}\.js" defer></script>')


def without_tag(body: bytes) -> bytes:
    assert len(TAG.findall(body)) == 1, body
    return TAG.sub(b"", body)


def test_wsgi_page_gets_one_tag_before_head_end() -> None:
    answer = WSGIClient(make_site()).request("GET", "/", headers=DOCUMENT)
    assert answer.status == 200
    assert without_tag(answer.body) == PAGE
    assert TAG.search(answer.body).end() == answer.body.index(b"</head>")  # type: ignore[union-attr]
    assert answer.header("etag") is None
    assert answer.header("content-length") == str(len(answer.body))


def test_wsgi_settled_visitors_get_it_too() -> None:
    site = make_site(default_action="managed_challenge", rules=[])
    client = WSGIClient(site)
    name, value = clearance_cookie(site.config, ip=client.ip, user_agent=client.user_agent)
    client.cookies[name] = value
    assert site.gate.engine.settles
    answer = client.request("GET", "/", headers=DOCUMENT)
    assert without_tag(answer.body) == PAGE


def test_wsgi_off_by_default() -> None:
    answer = WSGIClient(make_site(js_detections=False)).request("GET", "/", headers=DOCUMENT)
    assert answer.body == PAGE
    assert answer.header("etag") == '"v1"'


def test_wsgi_xhr_and_head_are_left_alone() -> None:
    client = WSGIClient(make_site())
    xhr = client.request("GET", "/", headers={"sec-fetch-mode": "cors", "sec-fetch-dest": "empty"})
    assert xhr.body == PAGE and xhr.header("etag") == '"v1"'
    head = client.request("HEAD", "/", headers=DOCUMENT)
    assert head.header("etag") == '"v1"'
    assert head.header("content-length") == str(len(PAGE))


def streaming(environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
    start_response("200 OK", [("content-type", "text/html")])  # lazily, on first next()
    yield b"<!DOCTYPE html><html><he"
    yield b"ad><title>s</title></he"
    yield b"ad><body>"
    for _ in range(100):
        yield b"x" * 1000
    yield b"</body></html>"


def test_wsgi_streaming_generator() -> None:
    answer = WSGIClient(make_site(streaming)).request("GET", "/", headers=DOCUMENT)
    assert without_tag(answer.body) == b"".join(streaming({}, lambda *a: None))
    assert answer.header("content-length") is None


def compressed(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = gzip.compress(PAGE)
    start_response(
        "200 OK",
        [("content-type", "text/html"), ("content-encoding", "gzip"), ("etag", '"z"')],
    )
    return [body]


def test_wsgi_compressed_passes_through() -> None:
    answer = WSGIClient(make_site(compressed)).request("GET", "/", headers=DOCUMENT)
    assert gzip.decompress(answer.body) == PAGE
    assert answer.header("etag") == '"z"'


def ranged(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response(
        "206 Partial Content",
        [("content-type", "text/html"), ("content-range", f"bytes 0-9/{len(PAGE)}")],
    )
    return [PAGE[:10]]


def test_wsgi_ranged_passes_through() -> None:
    answer = WSGIClient(make_site(ranged)).request("GET", "/", headers=DOCUMENT)
    assert answer.status == 206 and answer.body == PAGE[:10]


def writer(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    write = start_response("200 OK", [("content-type", "text/html")])
    write(b"<html><head>")  # the legacy write(): nothing can be held back
    return [b"</head></html>"]


def test_wsgi_legacy_write_is_never_corrupted() -> None:
    written: list[bytes] = []
    started: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started.append(status)
        return written.append

    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": "/",
        "REMOTE_ADDR": "198.51.100.7",
        "HTTP_USER_AGENT": "Mozilla/5.0 Chrome/130.0.0.0",
        "HTTP_SEC_FETCH_DEST": "document",
        "HTTP_SEC_FETCH_MODE": "navigate",
        "wsgi.url_scheme": "http",
    }
    body = b"".join(make_site(writer)(environ, start_response))
    # write() cannot be held back: the page goes out exactly as the app wrote it.
    assert started == ["200 OK"]
    assert b"".join(written) + body == b"<html><head></head></html>"


def test_wsgi_charset_and_csp() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(
            "200 OK",
            [
                ("content-type", "text/html; charset=utf-16"),
                ("content-security-policy", "script-src 'nonce-abc'"),
            ],
        )
        return [PAGE.decode().encode("utf-16")]

    answer = WSGIClient(make_site(app)).request("GET", "/", headers=DOCUMENT)
    assert answer.body == PAGE.decode().encode("utf-16")


def test_wsgi_csp_nonce() -> None:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        csp = "script-src 'nonce-abc' 'strict-dynamic'; object-src 'none'"
        start_response("200 OK", [("content-type", "text/html"), ("content-security-policy", csp)])
        return [PAGE]

    answer = WSGIClient(make_site(app)).request("GET", "/", headers=DOCUMENT)
    assert b'defer nonce="abc" data-workers="0"></script></head>' in answer.body


def test_wsgi_paths_and_expression_limit_injection() -> None:
    client = WSGIClient(make_site(js_detections_paths=["/shop/*"]))
    assert client.request("GET", "/", headers=DOCUMENT).body == PAGE
    without_tag(client.request("GET", "/shop/cart", headers=DOCUMENT).body)
    expr = WSGIClient(make_site(js_detections_expression='http.request.uri.path ne "/admin"'))
    assert expr.request("GET", "/admin", headers=DOCUMENT).body == PAGE
    without_tag(expr.request("GET", "/home", headers=DOCUMENT).body)


# -- ASGI ---------------------------------------------------------------------------


def asgi_site(chunks: list[bytes], headers: list[tuple[bytes, bytes]] | None = None) -> AsgiGate:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": headers or [(b"content-type", b"text/html"), (b"etag", b'"e"')],
            }
        )
        for index, chunk in enumerate(chunks):
            more = index < len(chunks) - 1
            await send({"type": "http.response.body", "body": chunk, "more_body": more})

    wsgi = make_site()
    return AsgiGate(app, wsgi.config)


def scope(method: str = "GET", dest: bytes = b"document") -> dict[str, Any]:
    return {
        "type": "http",
        "method": method,
        "path": "/",
        "headers": [
            (b"host", b"testserver"),
            (b"user-agent", b"Mozilla/5.0 Chrome/130.0.0.0"),
            (b"sec-fetch-dest", dest),
            (b"sec-fetch-mode", b"navigate" if dest == b"document" else b"cors"),
        ],
        "client": ("198.51.100.7", 5000),
        "scheme": "http",
        "query_string": b"",
    }


def body_of(messages: list[dict[str, Any]]) -> bytes:
    return b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")


def headers_of(messages: list[dict[str, Any]]) -> dict[bytes, bytes]:
    return dict(messages[0]["headers"])


async def test_asgi_streaming_more_body() -> None:
    chunks = [b"<!DOCTYPE html><html><he", b"ad></hea", b"d><body>", b"y" * 70000, b"</body>"]
    messages = await call_asgi(asgi_site(chunks), scope())
    assert without_tag(body_of(messages)) == b"".join(chunks)
    assert b"etag" not in headers_of(messages)
    assert messages[-1].get("more_body") is False


async def test_asgi_gives_up_past_the_limit_unchanged() -> None:
    chunks = [b"<!DOCTYPE html><html><head>", b"<meta name=a>" * 6000, b"</head><body></body>"]
    messages = await call_asgi(asgi_site(chunks), scope())
    assert body_of(messages) == b"".join(chunks)
    assert headers_of(messages)[b"etag"] == b'"e"'


async def test_asgi_compressed_and_fetch_pass_through() -> None:
    gz = [(b"content-type", b"text/html"), (b"content-encoding", b"gzip")]
    zipped = gzip.compress(PAGE)
    messages = await call_asgi(asgi_site([zipped], gz), scope())
    assert body_of(messages) == zipped
    messages = await call_asgi(asgi_site([PAGE]), scope(dest=b"empty"))
    assert body_of(messages) == PAGE


async def test_asgi_head_passes_through() -> None:
    messages = await call_asgi(asgi_site([PAGE]), scope("HEAD"))
    assert headers_of(messages)[b"etag"] == b'"e"'


def test_shop_app_is_what_support_says() -> None:
    captured: list[str] = []
    assert shop({}, lambda status, headers: captured.append(status)) == [PAGE]


async def test_asgi_app_that_sends_no_body_still_answers() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", b"text/html")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})

    gate = AsgiGate(app, make_site().config)
    messages = await call_asgi(gate, scope())
    assert messages[0]["type"] == "http.response.start"
    assert body_of(messages) == b""
