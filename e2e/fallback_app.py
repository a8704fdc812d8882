"""The detection example app behind a test-only middleware that takes the page's Workers away.

Outside humangate, like a site's own proxy or middleware would be. The first path segment
picks what the challenge page (any ``text/html`` answer) gets on top of humangate's own:

- ``/fallback/csp/...``: a second ``Content-Security-Policy: worker-src 'none'`` header.
  Browsers enforce every policy they are sent, so no Worker may start (CSP blocks it).
- ``/fallback/no-worker/...``: a first script, carrying the page's own CSP nonce, that
  deletes ``window.Worker``: an old browser without Web Workers, as far as the page can
  tell (what Playwright's ``add_init_script`` would do, without Playwright).
- anything else: untouched.

Run: ``uvicorn e2e.fallback_app:application``. The ``humangate.signals`` log lines
(``solve ... solver=... ms=...``) go to stdout (see e2e/detection_app.py).
"""

from __future__ import annotations

import re
from typing import Any

from e2e.detection_app import application as gated
from humangate.asgi import Message, Receive, Scope, Send

STRICTER_CSP = b"worker-src 'none'"
NO_WORKER = b"delete window.Worker;"
_NONCE = re.compile(rb"'nonce-([A-Za-z0-9+/=_-]+)'")


def _mode(path: str) -> str:
    parts = path.split("/")
    return parts[2] if len(parts) > 2 and parts[1] == "fallback" else ""


def _is_html(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(k.lower() == b"content-type" and v.startswith(b"text/html") for k, v in headers)


def _without_worker(body: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """``body`` with a first <script nonce=…> that deletes window.Worker."""
    policy = b"; ".join(v for k, v in headers if k.lower() == b"content-security-policy")
    nonce = _NONCE.search(policy)
    if nonce is None:
        return body
    script = b'<script nonce="' + nonce.group(1) + b'">' + NO_WORKER + b"</script>"
    return body.replace(b"<head>", b"<head>" + script, 1)


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    mode = _mode(scope.get("path", "")) if scope["type"] == "http" else ""
    if mode not in ("csp", "no-worker"):
        await gated(scope, receive, send)
        return
    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        headers = list(start.get("headers", []))
        body = b"".join(chunks)
        if _is_html(headers):
            if mode == "csp":
                headers.append((b"content-security-policy", STRICTER_CSP))
            else:
                body = _without_worker(body, headers)
                headers = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    await gated(scope, receive, capture)
