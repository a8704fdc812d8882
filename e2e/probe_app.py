"""An ASGI app for many challenge runs in one browser process.

``/loop/<label>/<n>?left=<k>`` (once past the gate) records the hit, expires the
clearance cookie and sends the browser on to run ``n+1`` with a meta refresh, until
``left`` reaches zero. So one plain browser process meets a fresh challenge (a fresh
ticket and probe program) on every run, with no automation driving it. The per-solve
signal log goes to stdout as in detection_app.py.
"""

from __future__ import annotations

import html
import logging
import re
import sys
from typing import Any

from humangate.asgi import HumanGate, Receive, Scope, Send
from integrations.settings import config_from_environment, record_hit

_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
_signals = logging.getLogger("humangate.signals")
_signals.addHandler(_handler)
_signals.setLevel(logging.INFO)

_LOOP = re.compile(r"^/loop/(?P<label>[\w-]+)/(?P<n>\d+)$")


async def site(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    path = scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    record_hit(path + ("?" + query if query else ""))
    headers: list[Any] = [(b"content-type", b"text/html; charset=utf-8")]
    body = "<!DOCTYPE html><title>ok</title><p>ok</p>"
    match = _LOOP.match(path)
    left = int(query.removeprefix("left=")) if query.startswith("left=") else 0
    if match and left > 0:
        target = f"/loop/{match['label']}/{int(match['n']) + 1}?left={left - 1}"
        body = (
            "<!DOCTYPE html><title>next</title>"
            f'<meta http-equiv="refresh" content="0;url={html.escape(target)}"><p>next</p>'
        )
        # A fresh challenge next time: forget the clearance this run earned.
        headers.append((b"set-cookie", b"humangate_clearance=; Max-Age=0; Path=/"))
    data = body.encode()
    headers.append((b"content-length", str(len(data)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": data})


application = HumanGate(site, config_from_environment())
