"""A plain ASGI app behind humangate: ``uvicorn integrations.asgi_plain.app:application``."""

from __future__ import annotations

import html
from typing import Any

from humangate.asgi import HumanGate, Receive, Scope, Send
from integrations.settings import config_from_environment, record_hit


async def site(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] == "websocket":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.send", "text": "hello"})
        await send({"type": "websocket.close", "code": 1000})
        return
    path = scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    record_hit(path + ("?" + query if query else ""))
    if path in ("/hello", "/healthz"):
        await _reply(send, b"hello", "text/plain")
        return
    body = f"<!DOCTYPE html><title>Example</title><h1>Welcome</h1><p>{html.escape(path)}</p>"
    await _reply(send, body.encode(), "text/html; charset=utf-8")


async def _reply(send: Send, body: bytes, content_type: str) -> None:
    headers: list[Any] = [
        (b"content-type", content_type.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


application = HumanGate(site, config_from_environment())
