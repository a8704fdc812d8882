"""Only a CORS preflight shaped as browsers send it passes a challenge action unsolved;
a forged one (with a body, without Origin) is challenged like any request."""

from __future__ import annotations

from typing import Any

import pytest

from humangate import Config
from humangate.preflight import is_cors_preflight
from humangate.request import Request
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import WSGIClient

PREFLIGHT = {"origin": "https://app.example", "access-control-request-method": "POST"}
seen: list[bytes] = []


def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    seen.append(environ["wsgi.input"].read(length) if length else b"")
    start_response("204 No Content", [("access-control-allow-origin", "https://app.example")])
    return []


@pytest.fixture
def client() -> WSGIClient:
    seen.clear()
    return WSGIClient(HumanGate(app, Config(secret_keys=[SECRET], store="memory://")))


def test_a_browser_preflight_reaches_the_app_unsolved(client: WSGIClient) -> None:
    answer = client.request("OPTIONS", "/api/items", html=False, headers=PREFLIGHT)
    assert answer.status == 204 and seen == [b""]


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        (PREFLIGHT, b"amount=1000"),  # a body no browser sends with a preflight
        ({**PREFLIGHT, "transfer-encoding": "chunked"}, b""),
        ({**PREFLIGHT, "content-length": "5"}, b""),
        ({"access-control-request-method": "POST"}, b""),  # no Origin
        ({**PREFLIGHT, "access-control-request-method": "PO ST\r"}, b""),  # not a method
        ({"origin": "https://app.example"}, b""),  # plain OPTIONS
    ],
    ids=["body", "chunked", "length", "no-origin", "bad-method", "not-preflight"],
)
def test_anything_else_is_challenged_and_never_reaches_the_app(
    client: WSGIClient, headers: dict[str, str], body: bytes
) -> None:
    answer = client.request("OPTIONS", "/api/items", html=False, headers=headers, body=body)
    assert answer.status == 403 and answer.header("cf-mitigated") == "challenge"
    assert seen == []


def test_recognition_alone() -> None:
    def request(**headers: str) -> Request:
        lines = tuple((k.replace("_", "-"), v) for k, v in headers.items())
        return Request("OPTIONS", "/", headers=lines)

    assert is_cors_preflight(
        request(origin="https://a.example", access_control_request_method="PUT")
    )
    assert is_cors_preflight(
        request(origin="null", access_control_request_method="GET", content_length="0")
    )
    assert not is_cors_preflight(Request("GET", "/", headers=(("origin", "x"),)))
