"""ASGI adapter: HTTP through the gate, lifespan passed through, websockets gated.

    from humangate import Config
    from humangate.asgi import HumanGate
    app = HumanGate(app, Config(secret_keys=["..."]))

A websocket handshake that the rules challenge or block is refused with a close
(code 1008, policy violation) before it is accepted; browsers see the handshake fail.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, MutableMapping
from functools import partial
from typing import Any
from urllib.parse import unquote

from humangate.adapters.driver import CLEARANCE_KEY, GATE_KEY, ACount, AsyncDriver
from humangate.adapters.gate import GateCore
from humangate.config import Config
from humangate.engine import Forward
from humangate.engine.replay import REPLACED_HEADERS, Replay
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.jsd.response import Emit, ResponseInjection

__all__ = [
    "CLEARANCE_KEY",
    "GATE_KEY",
    "POLICY_VIOLATION",
    "ASGIApp",
    "HumanGate",
    "Message",
    "Receive",
    "Scope",
    "Send",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
_Native = tuple[Scope, Receive, Send]  # what the driver gets per request

POLICY_VIOLATION = 1008


class HumanGate:
    """Wraps an ASGI app; answers challenges itself and calls the app otherwise."""

    def __init__(self, app: ASGIApp, config: Config | None = None) -> None:
        self.app = app
        self.gate = GateCore(config)
        self._drive: AsyncDriver[_Native, None] = AsyncDriver(self.gate, self)
        # Decided once: the pass path then calls the app itself, with no extra frame.
        self._call_app: ASGIApp = (
            self._call_app_injecting if self.gate.engine.detections.enabled else app
        )

    @property
    def config(self) -> Config:
        return self.gate.config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)  # lifespan and anything newer
            return
        if scope["type"] == "http" and self.gate.engine.settles:
            # Most requests carry a clearance that settles them: straight to the app.
            # (Only then are the headers indexed; a Request translates every one.)
            client = scope.get("client")
            headers = _index_headers(scope.get("headers", ()))
            cookies = headers.get(b"cookie")
            settled = self.gate.engine.settle(
                scope.get("scheme", "http"),
                scope.get("root_path", "") + scope.get("path", "/"),
                str(client[0]) if client else None,
                cookies=None if cookies is None else cookies.decode("latin-1"),
                user_agent=headers.get(b"user-agent", b"").decode("latin-1"),
                headers=headers,
                header=_header_value,
            )
            if settled is not None:
                # The app can read what the gate knows about this visitor; copy the
                # scope rather than mutate the server's (ASGI spec, "Middleware").
                cleared = {**scope, CLEARANCE_KEY: settled.clearance, GATE_KEY: self.gate}
                await self._call_app(cleared, receive, send)
                return
        await self._drive((scope, receive, send))

    # -- the host's side of the driver (see humangate.adapters.driver) -----------------

    def request(self, native: _Native) -> Request:
        scope = native[0]
        path = scope.get("root_path", "") + scope.get("path", "/")
        raw_path = scope.get("raw_path")
        websocket = scope["type"] == "websocket"
        client = scope.get("client")
        return Request(
            method=scope.get("method", "GET").upper(),
            path=path or "/",
            query=scope.get("query_string", b"").decode("latin-1"),
            # decode() as the bytes (or, outside the spec, bytearrays) they are: copying
            # each through bytes() first was a third of building a challenged Request.
            headers=tuple(
                [
                    (name.decode("latin-1").lower(), value.decode("latin-1"))
                    for name, value in scope.get("headers", ())
                ]
            ),
            peer=str(client[0]) if client else None,
            scheme=scope.get("scheme", "ws" if websocket else "http"),
            raw_path=bytes(raw_path).decode("latin-1") if raw_path else "",
            websocket=websocket,
        )

    async def read_body(self, native: _Native, limit: int) -> bytes:
        return await _read_body(native[1], limit)

    async def respond(self, native: _Native, response: Response) -> None:
        scope, _, send = native
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": POLICY_VIOLATION, "reason": ""})
            return
        await _respond(response, send)

    async def forward(self, native: _Native, forward: Forward, count: ACount | None) -> None:
        scope, receive, send = native
        # The app can read what the gate knows about this visitor (level, bot score).
        # Copy the scope rather than mutate the server's (ASGI spec, "Middleware").
        scope = {**scope, CLEARANCE_KEY: forward.clearance, GATE_KEY: self.gate}
        if forward.replay is not None:
            scope, receive = _replayed(scope, receive, forward.replay)
        if scope["type"] == "websocket":
            await self.app(scope, receive, send)
            return
        if not forward.headers and count is None:
            await self._call_app(scope, receive, send)
            return
        extra = [
            (name.encode("latin-1"), value.encode("latin-1")) for name, value in forward.headers
        ]

        async def send_with_extra(message: Message) -> None:
            starting = message["type"] == "http.response.start"
            if starting:
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)
            if starting and count is not None:  # rate limits counting by http.response.code
                await count(int(message.get("status", 0)))

        await self._call_app(scope, receive, send_with_extra)

    async def _call_app_injecting(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The app, its HTML pages getting the detection script."""
        request = partial(self.request, (scope, receive, send))
        injection = ResponseInjection(partial(self.gate.engine.detections.injector, request))
        send_injecting, finish = _injecting(send, injection)
        await self.app(scope, receive, send_injecting)
        await finish()


def _injecting(
    send: Send, injection: ResponseInjection
) -> tuple[Send, Callable[[], Awaitable[None]]]:
    """``send`` with each message translated into an event of the injection
    (humangate.jsd.response); and what to run once the app returned (an app that sent
    no body: the held start still goes)."""
    held: Message = {}  # the start message held back, sent with the injection's headers

    async def emit(out: Emit, more: bool) -> None:
        if out.start is not None:
            headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in out.start]
            await send({**held, "headers": headers})
        await send({"type": "http.response.body", "body": out.body, "more_body": more})

    async def finish() -> None:
        if injection.holding:
            await emit(injection.end(), False)

    async def send_injecting(message: Message) -> None:
        nonlocal held
        kind = message["type"]
        offered = kind == "http.response.start" and not message.get("trailers")
        if offered and injection.start(int(message["status"]), _text_headers(message)):
            held = message
            return
        if not injection.holding:
            await send(message)
            return
        if kind != "http.response.body":  # an extension message: stop holding back
            await emit(injection.interrupt("message"), True)
            await send(message)
            return
        more = bool(message.get("more_body", False))
        out = injection.body(bytes(message.get("body", b"")), more=more)
        if out is not None:
            await emit(out, more)

    return send_injecting, finish


def _text_headers(message: Message) -> list[tuple[str, str]]:
    return [
        (bytes(name).decode("latin-1"), bytes(value).decode("latin-1"))
        for name, value in message.get("headers", ())
    ]


def _header_value(index: dict[bytes, bytes], name: str) -> str | None:
    """A header's value by lower-case name from headers indexed by _index_headers."""
    found = index.get(name.encode("latin-1"))
    return None if found is None else found.decode("latin-1")


def _index_headers(headers: Iterable[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """Raw header pairs by lower-cased name, repeated lines joined with ", ". Per request:
    one plain loop over the server's bytes (measured cheaper than dict() plus checks)."""
    index: dict[bytes, bytes] = {}
    try:
        for raw_key, value in headers:
            key = raw_key.lower()
            if key in index:
                index[key] += b", " + value
            else:
                index[key] = value
    except TypeError:  # a bytearray or memoryview name (outside the spec): copy to bytes
        return _index_headers([(bytes(key), bytes(value)) for key, value in headers])
    return index


async def _read_body(receive: Receive, limit: int) -> bytes:
    """At most ``limit + 1`` bytes (one more than allowed, so 'too large' is detectable)."""
    chunks: list[bytes] = []
    size = 0
    while size <= limit:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = bytes(message.get("body", b""))
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)[: limit + 1]


_REPLACED_LINES = frozenset(
    {b"content-type", b"content-length", *(name.encode() for name in REPLACED_HEADERS)}
)


def _replayed(scope: Scope, receive: Receive, replay: Replay) -> tuple[Scope, Receive]:
    """This request (the holding page's submission) turned back into the held form POST;
    or, for a body read to check it was none, the request itself with that body."""
    root = scope.get("root_path", "")
    path = unquote(replay.path)
    headers = [
        (name, value)
        for name, value in scope.get("headers", ())
        if bytes(name).lower() not in _REPLACED_LINES
    ]
    headers += [(n.encode("latin-1"), v.encode("latin-1")) for n, v in replay.headers]
    headers += [
        (b"content-type", replay.content_type.encode("latin-1")),
        (b"content-length", str(len(replay.body)).encode()),
    ]
    replayed = {
        **scope,
        "method": replay.method,
        "path": path[len(root) :] if root and path.startswith(root) else path,
        "raw_path": replay.path.encode("latin-1"),
        "query_string": replay.query.encode("latin-1"),
        "headers": headers,
    }
    sent = False

    async def receive_held() -> Message:
        nonlocal sent
        if sent:
            return await receive()  # only http.disconnect is left to come
        sent = True
        return {"type": "http.request", "body": replay.body, "more_body": False}

    return replayed, receive_held


async def _respond(response: Response, send: Send) -> None:
    headers = [
        (name.encode("latin-1"), value.encode("latin-1")) for name, value in response.headers
    ]
    headers.append((b"content-length", str(len(response.body)).encode()))
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})
