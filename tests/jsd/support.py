"""A site with JavaScript Detections on, and a detection without a browser."""

from __future__ import annotations

import json
from typing import Any

from humangate import Config, Rule
from humangate.probes.oracle import solution_body
from humangate.signals import passing_signals
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import TEST_SECRETS, Result, WSGIClient

PAGE = b"<!DOCTYPE html><html><head><title>Shop</title></head><body><p>Hi</p></body></html>"
DOCUMENT = {"sec-fetch-dest": "document", "sec-fetch-mode": "navigate"}
FETCH = {"sec-fetch-site": "same-origin", "sec-fetch-mode": "cors", "sec-fetch-dest": "empty"}


def shop(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    headers = [("content-type", "text/html; charset=utf-8"), ("etag", '"v1"')]
    headers.append(("content-length", str(len(PAGE))))
    start_response("200 OK", headers)
    return [PAGE]


def make_site(app: Any = shop, **overrides: Any) -> HumanGate:
    settings: dict[str, Any] = {
        "secret_keys": [SECRET],
        "store": "memory://",
        "difficulty": 8,
        "default_action": "allow",
        "js_detections": True,
        "rules": [
            Rule(
                'not cf.bot_management.js_detection.passed and http.request.uri.path eq "/buy"',
                "managed_challenge",
                "detections",
            )
        ],
    }
    settings.update(overrides)
    return HumanGate(app, Config(**settings))


def ticket(client: WSGIClient, **options: Any) -> Result:
    return client.request("GET", "/.humangate/jsd/ticket", headers=FETCH, html=False, **options)


def detection_body(data: dict[str, Any], *, webdriver: bool = False, **options: Any) -> bytes:
    """What jsd.js posts for ``data`` (the ticket answer), from the server's own answers."""
    return solution_body(
        TEST_SECRETS,
        data,
        signals=passing_signals(webdriver=webdriver),
        purpose="jsd",
        **options,
    )


def post(client: WSGIClient, body: bytes, **options: Any) -> Result:
    headers = {**FETCH, "content-type": "application/json", **options.pop("headers", {})}
    return client.request(
        "POST", "/.humangate/jsd", body=body, headers=headers, html=False, **options
    )


def detect(client: WSGIClient, *, webdriver: bool = False) -> Result:
    """One whole detection, as the script runs it."""
    data = json.loads(ticket(client).body)
    return post(client, detection_body(data, webdriver=webdriver))
