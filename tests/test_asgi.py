"""ASGI adapter: same flow as WSGI, plus lifespan pass-through and websocket gating."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Sequence
from typing import Any

import httpx
import pytest

from humangate import Config, Rule
from humangate.asgi import HumanGate, Receive, Scope, Send, _header_value, _index_headers
from humangate.stores.memory import MemoryStore
from humangate.testing import clearance_cookie
from tests.conftest import BROWSER_UA, SECRET
from tests.support import call_asgi, challenge_data, solution

PEER = ("198.51.100.7", 50000)
seen_scopes: list[str] = []


async def site(scope: Scope, receive: Receive, send: Send) -> None:
    seen_scopes.append(scope["type"])
    if scope["type"] == "lifespan":
        message = await receive()
        assert message["type"] == "lifespan.startup"
        await send({"type": "lifespan.startup.complete"})
        return
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 1000})
        return
    body = f"app:{scope['path']}".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain")],
        }
    )
    await send({"type": "http.response.body", "body": body})


def make_gate(**overrides: Any) -> HumanGate:
    settings: dict[str, Any] = {"secret_keys": [SECRET], "store": "memory://", "difficulty": 8}
    settings.update(overrides)
    return HumanGate(site, Config(**settings))


def client_for(app: HumanGate, peer: tuple[str, int] = PEER) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=peer)
    return httpx.AsyncClient(
        transport=transport,
        base_url="http://testserver",
        headers={"user-agent": BROWSER_UA, "accept": "text/html"},
    )


async def test_challenge_solve_and_pass() -> None:
    async with client_for(make_gate()) as client:
        page = await client.get("/page", params={"q": "1"})
        assert page.status_code == 403
        assert page.headers["cf-mitigated"] == "challenge"
        data = challenge_data(page.content)
        solved = await client.post(
            data["solve_url"], content=solution(data), headers={"content-type": "application/json"}
        )
        assert solved.status_code == 200
        assert solved.json()["redirect"] == "/page?q=1"
        reached = await client.get("/page")
        assert reached.status_code == 200 and reached.text == "app:/page"


async def test_json_problem_for_api_clients() -> None:
    async with client_for(make_gate()) as client:
        answer = await client.get("/api", headers={"accept": "application/json"})
        assert answer.status_code == 403
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["ray_id"] == answer.headers["humangate-ray"]


async def test_bad_cookie_replaced_on_forwarded_response() -> None:
    app = make_gate(rules=[Rule('http.request.uri.path eq "/open"', "allow")])
    async with client_for(app) as client:
        client.cookies.set("humangate_clearance", "forged")
        answer = await client.get("/open")
        assert answer.status_code == 200
        assert "humangate_clearance=; Path=/; Max-Age=0" in answer.headers["set-cookie"]


async def test_other_network_cookie_is_challenged() -> None:
    app = make_gate()
    name, value = clearance_cookie(app.config, ip=PEER[0], user_agent=BROWSER_UA)
    async with client_for(app) as client:
        client.cookies.set(name, value)
        assert (await client.get("/x")).status_code == 200
    async with client_for(app, ("203.0.113.9", 1)) as client:
        client.cookies.set(name, value)
        assert (await client.get("/x")).status_code == 403


async def test_solve_body_read_from_receive_in_chunks() -> None:
    app = make_gate()
    async with client_for(app) as client:
        page = await client.get("/page")
        data = challenge_data(page.content)
        body = solution(data)

        async def chunks() -> Any:
            for i in range(0, len(body), 7):
                yield body[i : i + 7]

        solved = await client.post(
            data["solve_url"], content=chunks(), headers={"content-type": "application/json"}
        )
        assert solved.status_code == 200


async def test_no_client_in_scope_is_handled() -> None:
    app = make_gate()
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "method": "GET",
        "path": "/x",
        "headers": [(b"accept", b"text/html")],
        "client": None,
    }
    await app(scope, receive, send)
    assert sent[0]["status"] == 403


async def test_lifespan_is_passed_through() -> None:
    app = make_gate()
    messages = [{"type": "lifespan.startup"}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan"}, receive, send)
    assert sent == [{"type": "lifespan.startup.complete"}]


async def _websocket(app: HumanGate, cookie: str | None) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    headers = [(b"user-agent", BROWSER_UA.encode()), (b"host", b"testserver")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {"type": "websocket", "path": "/ws", "headers": headers, "client": PEER, "scheme": "ws"}
    await app(scope, receive, send)
    return sent


async def test_uncleared_websocket_is_closed_with_policy_violation() -> None:
    sent = await _websocket(make_gate(), None)
    assert sent == [{"type": "websocket.close", "code": 1008, "reason": ""}]


async def test_cleared_websocket_connects() -> None:
    app = make_gate()
    name, value = clearance_cookie(app.config, ip=PEER[0], user_agent=BROWSER_UA)
    sent = await _websocket(app, f"{name}={value}")
    assert sent[0] == {"type": "websocket.accept"}


@pytest.mark.parametrize("raw_path", [b"/%ff%fe", b"/" + b"a" * 50000])
async def test_odd_paths(raw_path: bytes) -> None:
    async with client_for(make_gate()) as client:
        answer = await client.get(raw_path.decode())
        assert answer.status_code == 403


async def test_app_sees_the_clearance_in_a_copied_scope() -> None:
    seen: list[Any] = []

    async def spy(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope.get("humangate.clearance"))
        await site(scope, receive, send)

    config = Config(secret_keys=[SECRET], store="memory://", default_action="js_challenge")
    app = HumanGate(spy, config)
    name, value = clearance_cookie(config, ip=PEER[0], user_agent=BROWSER_UA, level="interactive")
    async with client_for(app) as client:
        client.cookies.set(name, value)
        assert (await client.get("/x")).status_code == 200
    assert seen[-1].level.label == "interactive"


def test_header_lookup_joins_repeated_lines_and_ignores_case() -> None:
    index = _index_headers(
        [(b"X-Forwarded-For", b"192.0.2.1"), (b"accept", b"*/*"), (b"x-forwarded-for", b"10.0.0.1")]
    )
    assert _header_value(index, "x-forwarded-for") == "192.0.2.1, 10.0.0.1"  # as Request.header
    assert _header_value(index, "cookie") is None


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        pytest.param([], {}, id="none"),
        pytest.param(
            [(b"host", b"a"), (b"cookie", b"c=1")], {b"host": b"a", b"cookie": b"c=1"}, id="usual"
        ),
        pytest.param([(b"Cookie", b"c=1")], {b"cookie": b"c=1"}, id="upper-case name"),
        pytest.param(
            [(b"cookie", b"a=1"), (b"COOKIE", b"b=2")], {b"cookie": b"a=1, b=2"}, id="repeated"
        ),
        pytest.param([[b"accept", b"*/*"]], {b"accept": b"*/*"}, id="lists, not tuples"),
    ],
)
def test_index_headers(pairs: list[Any], expected: dict[bytes, bytes]) -> None:
    assert _index_headers(iter(pairs)) == expected


def test_header_lookup_copes_with_bytearray_names() -> None:
    """Outside the spec, but a server handing over bytearrays must not cause a 500."""
    index = _index_headers([(bytearray(b"User-Agent"), bytearray(b"x/1"))])
    assert _header_value(index, "user-agent") == "x/1"


@pytest.mark.parametrize(
    ("accept", "expected"),
    [(b"text/html", "text/html; charset=utf-8"), (b"*/*", "application/problem+json")],
)
async def test_a_request_given_as_bytearrays_is_read_in_full(accept: bytes, expected: str) -> None:
    """Outside the spec, as above, but on the full path: the Request is built from the
    bytearrays' text (its Accept header chooses the answer, its query is kept)."""
    app = make_gate()
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/page",
        "query_string": bytearray(b"q=1"),
        "headers": [
            (bytearray(b"User-Agent"), bytearray(BROWSER_UA.encode())),
            (bytearray(b"Accept"), bytearray(accept)),
        ],
        "client": PEER,
        "scheme": "http",
    }
    start, body = await call_asgi(app, scope)
    assert start["status"] == 403
    assert dict(start["headers"])[b"content-type"].decode() == expected
    if accept == b"*/*":
        assert json.loads(body["body"])["challenge_url"] == "/page?q=1"


async def test_clearance_in_a_second_cookie_line_still_passes() -> None:
    """HTTP/2 may split Cookie into several lines; the settled path only reads them
    joined, so a clearance it cannot find must still reach the full path and pass."""
    config = Config(secret_keys=[SECRET], store="memory://")
    app = HumanGate(site, config)
    name, value = clearance_cookie(config, ip=PEER[0], user_agent=BROWSER_UA)
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/page",
        "headers": [
            (b"user-agent", BROWSER_UA.encode()),
            (b"cookie", b"theme=dark"),
            (b"cookie", f"{name}={value}".encode()),
        ],
        "client": PEER,
        "scheme": "http",
    }
    sent = await call_asgi(app, scope)
    assert sent[0]["status"] == 200


class _HeldStore(MemoryStore):
    """A store whose analytics reads block (as a slow SQLite or Redis would) until
    ``release`` is set, or give up after ``wait`` seconds."""

    def __init__(self, wait: float) -> None:
        super().__init__()
        self.release = threading.Event()
        self.reading = threading.Event()
        self.released_in_time: bool | None = None
        self._wait = wait

    def hget_many(self, keys: Sequence[str]) -> list[dict[str, int]]:
        self.reading.set()
        self.released_in_time = self.release.wait(self._wait)
        return super().hget_many(keys)


async def test_a_slow_metrics_scrape_does_not_block_other_requests() -> None:
    """The scrape's store reads run off the event loop: while one is held, another
    request is answered. Were the read on the loop, nothing else could run until it
    gave up, and ``released_in_time`` would be False."""
    token = "metrics-token-0123456789abcdef"
    app = make_gate(metrics_token=token)
    store = _HeldStore(wait=10)
    app.gate.engine._analytics._opened = store  # the analytics' own store handle
    async with client_for(app) as client:
        scrape = asyncio.ensure_future(
            client.get("/.humangate/metrics", headers={"authorization": f"Bearer {token}"})
        )
        while not store.reading.is_set():  # the scrape is now inside the store read
            await asyncio.sleep(0.01)
        page = await client.get("/page")  # a challenge, answered meanwhile
        assert page.status_code == 403
        assert not scrape.done()
        store.release.set()
        metrics = await scrape
    assert metrics.status_code == 200
    assert store.released_in_time is True
