"""A plain WSGI app behind humangate: ``gunicorn integrations.wsgi_plain.app:application``."""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import TYPE_CHECKING

from humangate.wsgi import HumanGate
from integrations.settings import config_from_environment, record_hit

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment


def site(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    query = environ.get("QUERY_STRING", "")
    record_hit(path + ("?" + query if query else ""))
    if path in ("/hello", "/healthz"):
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"hello"]
    body = f"<!DOCTYPE html><title>Example</title><h1>Welcome</h1><p>{html.escape(path)}</p>"
    start_response("200 OK", [("content-type", "text/html; charset=utf-8")])
    return [body.encode()]


application = HumanGate(site, config_from_environment())
