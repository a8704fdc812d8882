"""Paths that reach a view meet that view's rule, in Werkzeug's (Flask), Starlette's and
Django's routing. Each request path is what a client sends on the wire; the test hands
the app what a server makes of it (percent-decoded PATH_INFO / scope["path"], the raw
bytes as raw_path), as gunicorn and uvicorn do.

The property: a path is blocked by the rule for the view it reaches, or reaches no view
(404, or a redirect whose target is blocked in turn). ``/Managed/x`` reaches no view in
these routers (they are case-sensitive); an app that routes regardless of case writes
``lower(http.request.uri.path)`` in its rule (see the last test).
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse
from django.test import override_settings
from django.urls import path as django_path
from flask import Flask
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route, Router

from humangate import Config
from humangate.asgi import HumanGate as ASGIGate
from humangate.contrib.django.conf import get_config
from humangate.wsgi import HumanGate as WSGIGate
from tests.conftest import BROWSER_UA, SECRET
from tests.support import call_asgi

SETTINGS: dict[str, Any] = {
    "secret_keys": [SECRET],
    "store": "memory://",
    "default_action": "allow",
    "rules": [
        {"expression": 'starts_with(http.request.uri.path, "/managed/")', "action": "block"},
        {"expression": 'starts_with(http.request.uri.path, "/files/")', "action": "block"},
    ],
}
# What a client may send for the two protected views (raw, as on the wire).
VARIANTS = [
    "/managed/x",
    "//managed/x",
    "/managed//x",
    "/./managed/x",
    "/%2e/managed/x",
    "/%6danaged/x",
    "/other/../managed/x",
    "/other/%2e%2e/managed/x",
    "/managed/x/.",
    "\\managed\\x",
    "/files/a/../../managed/x",
    "/files/deep/file",
    "/files/..%2F..%2Fpublic",  # "/public" to a normalising rule; files/<path> to the app
    "/files//../public",
    "/Managed/x",
]
Send = Callable[[str], tuple[int, str, str]]  # raw path -> status, body, location


def blocked_or_unreached(send: Send, raw: str) -> None:
    for _ in range(3):  # follow a redirect or two, as a client would
        status, body, location = send(raw)
        if status not in (301, 302, 307, 308):
            break
        assert location.startswith("/") and not location.startswith("//")
        raw = location
    assert not body.startswith(("managed", "files")), f"{raw} reached {body!r} unchecked"
    assert status in (403, 404) or (status, body) == (200, "public"), (raw, status, body)


# -- Werkzeug (Flask) under the WSGI gate --------------------------------------------


def flask_send() -> Send:
    app = Flask(__name__)
    app.add_url_rule("/managed/<name>", "managed", lambda name: f"managed {name}")
    app.add_url_rule("/files/<path:rest>", "files", lambda rest: f"files {rest}")
    app.add_url_rule("/public", "public", lambda: "public")
    gate = WSGIGate(app.wsgi_app, Config.from_mapping(SETTINGS))
    return lambda raw: wsgi_send(gate, raw)


def wsgi_send(app: Any, raw: str) -> tuple[int, str, str]:
    environ = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote(raw, encoding="latin-1"),  # PEP 3333, as gunicorn does
        "RAW_URI": raw,
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_USER_AGENT": BROWSER_UA,
        "HTTP_ACCEPT": "text/html",
        "REMOTE_ADDR": "198.51.100.7",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(),
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> Any:
        seen["status"], seen["headers"] = int(status.split(maxsplit=1)[0]), headers
        return lambda data: None

    body = b"".join(app(environ, start_response)).decode("latin-1")
    location = {k.lower(): v for k, v in seen["headers"]}.get("location", "")
    return seen["status"], body, urlsplit(location).path if "://" in location else location


# -- Starlette under the ASGI gate -------------------------------------------------------


def starlette_send(**overrides: Any) -> Send:
    async def managed(request: StarletteRequest) -> PlainTextResponse:
        return PlainTextResponse(f"managed {request.path_params['name']}")

    async def files(request: StarletteRequest) -> PlainTextResponse:
        return PlainTextResponse(f"files {request.path_params['rest']}")

    router = Router(
        [Route("/managed/{name}", managed), Route("/files/{rest:path}", files)],
        redirect_slashes=False,
    )
    gate = ASGIGate(router, Config.from_mapping({**SETTINGS, **overrides}))

    def send(raw: str) -> tuple[int, str, str]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": unquote(raw),  # as uvicorn does
            "raw_path": raw.encode("latin-1"),
            "query_string": b"",
            "root_path": "",
            "headers": [
                (b"host", b"testserver"),
                (b"user-agent", BROWSER_UA.encode()),
                (b"accept", b"text/html"),
            ],
            "client": ("198.51.100.7", 5000),
            "server": ("testserver", 80),
        }
        messages = asyncio.run(call_asgi(gate, scope))
        start = messages[0]
        headers = {bytes(k).decode().lower(): bytes(v).decode() for k, v in start["headers"]}
        body = b"".join(m.get("body", b"") for m in messages[1:]).decode("latin-1")
        return start["status"], body, headers.get("location", "")

    return send


# -- Django under its middleware ---------------------------------------------------------


def django_managed(request: HttpRequest, name: str) -> HttpResponse:
    return HttpResponse(f"managed {name}")


def django_files(request: HttpRequest, rest: str) -> HttpResponse:
    return HttpResponse(f"files {rest}")


urlpatterns = [
    django_path("managed/<str:name>", django_managed),
    django_path("files/<path:rest>", django_files),
]


def django_send() -> Send:
    handler = WSGIHandler()
    return lambda raw: wsgi_send(handler, raw)


@pytest.fixture
def django_routing() -> Iterable[None]:
    with override_settings(ROOT_URLCONF=__name__, HUMANGATE=SETTINGS):
        get_config.cache_clear()
        yield
    get_config.cache_clear()


@pytest.mark.parametrize("raw", VARIANTS)
def test_werkzeug_routes_meet_their_rule(raw: str) -> None:
    blocked_or_unreached(flask_send(), raw)


@pytest.mark.parametrize("raw", VARIANTS)
def test_starlette_routes_meet_their_rule(raw: str) -> None:
    blocked_or_unreached(starlette_send(), raw)


@pytest.mark.parametrize("raw", VARIANTS)
def test_django_routes_meet_their_rule(raw: str, django_routing: None) -> None:
    blocked_or_unreached(django_send(), raw)


def test_with_normalising_off_rules_see_the_path_as_sent_and_nothing_moves() -> None:
    off = starlette_send(uri_normalization="off")
    assert off("/files/a/../../public")[0] == 403  # the raw path still starts /files/
    assert off("//managed/x")[0] == 404  # no redirect; Starlette routes nothing there
    assert starlette_send()("//managed/x")[0] == 308


def test_case_insensitive_apps_write_lower_in_their_rules() -> None:
    def any_case(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        route = environ["PATH_INFO"].lower()
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"managed" if route.startswith("/managed/") else b"other"]

    plain = WSGIGate(any_case, Config.from_mapping(SETTINGS))
    status, body, _ = wsgi_send(plain, "/Managed/x")
    assert (status, body) == (200, "managed"), "case is kept: the plain rule does not match"
    lowered = {
        "expression": 'starts_with(lower(http.request.uri.path), "/managed/")',
        "action": "block",
    }
    careful = WSGIGate(any_case, Config.from_mapping({**SETTINGS, "rules": [lowered]}))
    assert wsgi_send(careful, "/Managed/x")[0] == 403
