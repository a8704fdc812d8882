"""JavaScript Detections under the Django middleware, WSGI and ASGI (humangate.jsd)."""

from __future__ import annotations

import gzip
import re

from csp.constants import NONCE, SELF
from django.test import AsyncClient, Client, override_settings

from tests.conftest import SECRET

SETTINGS = {
    "secret_keys": [SECRET],
    "store": "memory://",
    "difficulty": 8,
    "default_action": "allow",
    "js_detections": True,
}
DOCUMENT = {"accept": "text/html", "sec-fetch-dest": "document", "sec-fetch-mode": "navigate"}
TAG = re.compile(rb'<script src="/\.humangate/static/jsd\.[0-9a-f]{12}\.js" defer[^>]*></script>')
CSP_MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "humangate.contrib.django.middleware.HumanGateMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.middleware.common.CommonMiddleware",
]
jsd_on = override_settings(HUMANGATE=SETTINGS)


def one_tag(body: bytes) -> bytes:
    found = TAG.findall(body)
    assert len(found) == 1, body[:300]
    return found[0]


@jsd_on
def test_page_gets_the_tag_without_etag_and_with_its_length() -> None:
    response = Client(headers=DOCUMENT).get("/jsd/page")
    body = response.content
    tag = one_tag(body)
    assert body.index(tag) == body.index(b"</head>") - len(tag)
    assert "ETag" not in response.headers
    assert int(response.headers["Content-Length"]) == len(body)
    assert "héllo".encode() in body


@jsd_on
def test_xhr_and_head_are_left_alone() -> None:
    client = Client()
    xhr = client.get("/jsd/page", headers={"sec-fetch-mode": "cors", "sec-fetch-dest": "empty"})
    assert not TAG.search(xhr.content)
    assert xhr.headers["ETag"] == '"v1"'
    head = client.head("/jsd/page", headers=DOCUMENT)
    assert head.headers["ETag"] == '"v1"'


@jsd_on
def test_streaming_response_is_injected_while_streaming() -> None:
    response = Client(headers=DOCUMENT).get("/jsd/stream")
    body = b"".join(response.streaming_content)  # type: ignore[arg-type]
    tag = one_tag(body)
    assert body.replace(tag, b"") == (
        b"<!DOCTYPE html><html><head><title>s</title></head><body>"
        + b"x" * 5000
        + b"</body></html>"
    )


@jsd_on
def test_compressed_body_passes_through_untouched() -> None:
    response = Client(headers=DOCUMENT).get("/jsd/gzip")
    assert gzip.decompress(response.content).startswith(b"<!DOCTYPE html>")
    assert not TAG.search(gzip.decompress(response.content))


@jsd_on
async def test_async_stream_under_asgi() -> None:
    response = await AsyncClient(headers=DOCUMENT).get("/jsd/async-stream")
    chunks = [chunk async for chunk in response.streaming_content]  # type: ignore[union-attr]
    body = b"".join(chunks)
    one_tag(body)
    assert body.endswith(b"async</body></html>")


@jsd_on
async def test_plain_page_under_asgi() -> None:
    response = await AsyncClient(headers=DOCUMENT).get("/jsd/page")
    one_tag(response.content)
    assert "ETag" not in response.headers


@override_settings(
    HUMANGATE=SETTINGS,
    MIDDLEWARE=CSP_MIDDLEWARE,
    CONTENT_SECURITY_POLICY={
        "DIRECTIVES": {"default-src": [SELF], "script-src": [NONCE, "'strict-dynamic'"]}
    },
)
def test_django_csp_nonce_is_reused() -> None:
    response = Client(headers=DOCUMENT).get("/jsd/csp")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce is not None
    tag = one_tag(response.content)
    assert f'nonce="{nonce.group(1)}"'.encode() in tag
    assert b'data-workers="0"' in tag  # 'strict-dynamic': no Workers by URL


@override_settings(
    HUMANGATE=SETTINGS,
    MIDDLEWARE=[
        "csp.middleware.CSPMiddleware",  # outside the gate: the policy comes later
        "humangate.contrib.django.middleware.HumanGateMiddleware",
        "django.middleware.common.CommonMiddleware",
    ],
    CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": [SELF], "script-src": [NONCE]}},
)
def test_django_csp_request_nonce_when_the_policy_comes_later() -> None:
    response = Client(headers=DOCUMENT).get("/jsd/page")
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"])
    assert nonce is not None, response.headers["Content-Security-Policy"]
    assert f'nonce="{nonce.group(1)}"'.encode() in one_tag(response.content)
