"""The app the forgery/replay matrix attacks: one gate config, served by gunicorn (WSGI)
and by uvicorn (ASGI). The app echoes what reached it, so a test can tell the gate's
answer from the app's."""

from __future__ import annotations

from typing import Any

from humangate import Config, Difficulty, IPAccessRule, Rule
from humangate.asgi import HumanGate as ASGIGate
from humangate.asgi import Receive, Scope, Send
from humangate.wsgi import HumanGate as WSGIGate
from tests.conftest import SECRET

ALLOWLISTED = "198.51.100.1"

CONFIG = Config(
    secret_keys=[SECRET],
    store="memory://",  # one worker per server
    difficulty=Difficulty(js_challenge=4, managed_challenge=6, challenge=4, ceiling=12),
    rules=[
        Rule('starts_with(lower(http.request.uri.path), "/admin/")', "block"),
        Rule('http.request.uri.path eq "/expensive"', "managed_challenge", difficulty=10),
    ],
    ip_access_rules=[IPAccessRule(ALLOWLISTED, "whitelist")],
    trusted_proxies=1,
    trusted_proxy_peers=["10.0.0.0/8"],  # the matrix connects from 127.0.0.1: no proxy
    replay_max_body=4096,
)


def _echo(method: str, path: str, replayed: str | None, body: bytes) -> bytes:
    return f"app {method} {path} replayed={replayed} body=".encode() + body


def _wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length else b""
    replayed = environ.get("HTTP_X_HUMANGATE_REPLAYED")
    start_response("200 OK", [("content-type", "text/plain")])
    return [_echo(environ["REQUEST_METHOD"], environ["PATH_INFO"], replayed, body)]


async def _asgi(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    headers = {bytes(k).decode("latin-1"): bytes(v).decode("latin-1") for k, v in scope["headers"]}
    echo = _echo(scope["method"], scope["path"], headers.get("x-humangate-replayed"), body)
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": echo})


wsgi_app = WSGIGate(_wsgi, CONFIG)
asgi_app = ASGIGate(_asgi, CONFIG)
