"""A tiny WSGI site used by ``humangate demo``: what a visitor reaches after the gate."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>humangate demo</title></head>
<body>
<h1>You are through the gate</h1>
<p>This page is the protected app. You reached <code>{path}</code>.</p>
<ul>
<li><a href="/">Home</a></li>
<li><a href="/account?tab=settings">A page with a query string</a></li>
<li><a href="/api/status">A JSON endpoint</a></li>
</ul>
</body></html>
"""


def demo_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    if path == "/api/status":
        start_response("200 OK", [("content-type", "application/json")])
        return [b'{"status":"ok"}']
    query = environ.get("QUERY_STRING", "")
    shown = html.escape(path + ("?" + query if query else ""))
    start_response("200 OK", [("content-type", "text/html; charset=utf-8")])
    return [PAGE.format(path=shown).encode()]
