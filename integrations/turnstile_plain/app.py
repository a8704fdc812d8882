"""Turnstile-style forms behind humangate, on plain WSGI, under a strict page CSP.

    HUMANGATE_DEV_MODE=1 gunicorn integrations.turnstile_plain.app:application

Pages (each a form whose backend verifies the token in process):

- ``/``            implicit rendering: ``<div class="cf-turnstile" data-sitekey=…>``
- ``/explicit``    ``?render=explicit&onload=…`` and ``turnstile.render()``
- ``/invisible``   an invisible sitekey, run with ``turnstile.execute()`` on submit
- ``/cloudflare``  Cloudflare's documented markup, only the script URL changed
- ``/test-keys``   the documented test sitekeys (``?theme=dark&language=ja``)
- ``/spa``         pre-clearance: the widget's solve also sets the clearance cookie, so
                   ``fetch("/api/data")`` passes the managed challenge on ``/api/``
"""

from __future__ import annotations

import html
import os
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode

from humangate import Config, Rule
from humangate.turnstile import Sitekey, verify
from humangate.wsgi import HumanGate
from integrations.settings import record_hit

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

API_JS = "/.humangate/turnstile/v0/api.js"
HOSTS = ["127.0.0.1", "localhost"]
# Example values: generate your own with `humangate sitekey create`.
SITEKEYS = {
    "managed": Sitekey(
        "0x4AAAAAAAhgDemoManaged",
        [os.environ.get("DEMO_MANAGED_SECRET", "0x4AAAAAAAdemo-managed-secret-change-me")],
        hostnames=HOSTS,
    ),
    "invisible": Sitekey(
        "0x4AAAAAAAhgDemoInvisible",
        [os.environ.get("DEMO_INVISIBLE_SECRET", "0x4AAAAAAAdemo-invisible-secret-change-me")],
        hostnames=HOSTS,
        mode="invisible",
    ),
    "preclear": Sitekey(
        "0x4AAAAAAAhgDemoPreclear",
        [os.environ.get("DEMO_PRECLEAR_SECRET", "0x4AAAAAAAdemo-preclear-secret-change-me")],
        hostnames=HOSTS,
        clearance_level="managed",
    ),
}


def _config() -> Config:
    # The secret and store from the HUMANGATE_* variables (Config.from_env).
    return Config.from_env(
        difficulty=int(os.environ.get("HUMANGATE_DIFFICULTY", "18")),
        default_action="allow",
        rules=[Rule('starts_with(http.request.uri.path, "/api/")', "managed_challenge")],
        sitekeys=list(SITEKEYS.values()),
    )


def _page(title: str, body: str, nonce: str) -> bytes:
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<style nonce="{nonce}">body{{font:16px system-ui;margin:2rem}}</style></head>'
        f"<body><main><h1>{title}</h1>{body}</main></body></html>"
    ).encode()


def _form(kind: str, widget: str, extra: str = "") -> str:
    return (
        f'<form id="form" method="POST" action="/submit/{kind}">'
        '<p><label>Email <input name="email" value="person@example.org"></label></p>'
        f"{widget}"
        '<p><button type="submit">Sign in</button></p></form>'
        f"{extra}"
    )


def _pages(nonce: str) -> dict[str, tuple[str, str]]:
    key = {kind: html.escape(sitekey.sitekey) for kind, sitekey in SITEKEYS.items()}
    script = f'<script nonce="{nonce}" src="{API_JS}" async defer></script>'
    return {
        "/": (
            "Implicit rendering",
            script
            + _form(
                "managed",
                f'<div class="cf-turnstile" data-sitekey="{key["managed"]}" data-action="login" '
                'data-cdata="session-1" data-theme="light"></div>',
            ),
        ),
        "/explicit": (
            "Explicit rendering",
            f'<script nonce="{nonce}">window.onloadTurnstileCallback = function () {{'
            f'  turnstile.render("#widget", {{ sitekey: "{key["managed"]}", action: "explicit",'
            '    callback: function (token) { document.body.dataset.token = "yes"; } });'
            "};</script>"
            f'<script nonce="{nonce}" src="{API_JS}?render=explicit&onload=onloadTurnstileCallback"'
            " async defer></script>" + _form("managed", '<div id="widget"></div>'),
        ),
        "/invisible": (
            "Invisible, run on submit",
            f'<script nonce="{nonce}" src="{API_JS}?render=explicit"></script>'
            + _form(
                "invisible",
                '<div id="widget"></div>',
                f'<script nonce="{nonce}">'
                'const form = document.getElementById("form");'
                "turnstile.ready(function () {"
                f'  turnstile.render("#widget", {{ sitekey: "{key["invisible"]}",'
                '  execution: "execute", callback: function () { form.submit(); } }); });'
                'form.addEventListener("submit", function (event) {'
                '  if (!turnstile.getResponse("#widget")) { event.preventDefault();'
                '    turnstile.execute("#widget"); } });'
                "</script>",
            ),
        ),
        "/cloudflare": (
            "Cloudflare's markup",
            # Verbatim from Cloudflare's client-side rendering guide, script URL changed.
            f'<script src="{API_JS}" async defer nonce="{nonce}"></script>'
            '<form action="/submit/managed" method="POST">'
            '<input type="text" name="email" value="person@example.org" />'
            f'<div class="cf-turnstile" data-sitekey="{key["managed"]}"></div>'
            '<button id="submit" type="submit" value="Submit">Submit</button></form>',
        ),
        "/spa": (
            "Pre-clearance",
            f'<script nonce="{nonce}" src="{API_JS}?render=explicit"></script>'
            '<div id="widget"></div><p id="result">waiting</p>'
            f'<script nonce="{nonce}">'
            "turnstile.ready(function () {"
            f'  turnstile.render("#widget", {{ sitekey: "{key["preclear"]}",'
            "  callback: function () {"
            '    fetch("/api/data", { headers: { accept: "application/json" } })'
            "      .then(function (r) { return r.text().then(function (t) {"
            '        document.getElementById("result").textContent = r.status + " " + t; }); });'
            "  } }); });</script>",
        ),
    }


AUTO_SUBMIT = """
(function () {
  var form = document.querySelector("form");
  if (!form) return;
  if (location.pathname === "/invisible") {
    turnstile.ready(function () { setTimeout(function () { form.requestSubmit(); }, 300); });
    return;
  }
  var timer = setInterval(function () {
    var field = form.querySelector('[name="cf-turnstile-response"]');
    // Cloudflare's markup names its button "submit", which hides form.submit().
    if (field && field.value) { clearInterval(timer); HTMLFormElement.prototype.submit.call(form); }
  }, 200);
})();
"""


def _test_keys_page(query: str, nonce: str) -> tuple[str, str]:
    """Every documented test sitekey at once, in the theme and language asked for."""
    params = parse_qs(query)
    theme = params.get("theme", ["auto"])[0]
    language = params.get("language", ["auto"])[0]
    widgets = "".join(
        f'<h2>{html.escape(label)}</h2><div class="cf-turnstile" data-sitekey="{key}" '
        f'data-theme="{html.escape(theme)}" data-language="{html.escape(language)}" '
        'data-retry="never" data-error-callback="ignoreError"></div>'
        for key, label in TEST_KEYS.items()
    )
    script = (
        f'<script nonce="{nonce}">window.ignoreError = function () {{ return true; }};</script>'
        f'<script nonce="{nonce}" src="{API_JS}"></script>'
    )
    return "Test sitekeys", script + widgets


TEST_KEYS = {
    "1x00000000000000000000AA": "Always passes",
    "2x00000000000000000000AB": "Always fails",
    "1x00000000000000000000BB": "Always passes, invisible",
    "3x00000000000000000000FF": "Asks for the interaction",
}


def _csp(nonce: str) -> str:
    # Strict: only humangate's origin (here: this origin) may script and frame the page.
    return (
        f"default-src 'none'; script-src 'self' 'nonce-{nonce}'; style-src 'nonce-{nonce}'; "
        "frame-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'"
    )


def _submit(environ: WSGIEnvironment, kind: str) -> tuple[str, bytes]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    form = parse_qs(environ["wsgi.input"].read(min(length, 64 * 1024)).decode("utf-8", "replace"))
    token = form.get("cf-turnstile-response", [""])[0]
    result = verify(
        token,
        secret=SITEKEYS[kind].secrets[0],
        remoteip=environ.get("REMOTE_ADDR"),
        idempotency_key=secrets.token_hex(8),
    )
    if result.success:
        record_hit(f"/verified/{kind}?" + urlencode({"action": result.action or ""}))
        return "200 OK", f"Welcome! (verified for {result.hostname})".encode()
    record_hit(f"/refused/{kind}?" + urlencode({"codes": ",".join(result.error_codes)}))
    return "403 Forbidden", b"The check did not pass: " + ",".join(result.error_codes).encode()


def site(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    if path == "/healthz":
        record_hit(path)
        start_response("200 OK", [("content-type", "text/plain")])
        return [b"ok"]
    if path == "/api/data":
        record_hit(path)
        start_response("200 OK", [("content-type", "application/json")])
        return [b'{"data": "only for cleared visitors"}']
    if path.startswith("/submit/") and environ.get("REQUEST_METHOD") == "POST":
        kind = path.removeprefix("/submit/")
        if kind in SITEKEYS:
            status, body = _submit(environ, kind)
            start_response(status, [("content-type", "text/plain; charset=utf-8")])
            return [body]
    nonce = secrets.token_urlsafe(16)
    page = _pages(nonce).get(path)
    if path == "/test-keys":
        page = _test_keys_page(environ.get("QUERY_STRING", ""), nonce)
    if page is None:
        start_response("404 Not Found", [("content-type", "text/plain")])
        return [b"not found"]
    if "auto=1" in environ.get("QUERY_STRING", "").split("&"):
        # For the browser tests: submit as soon as the widget has a token, as a person
        # clicking "Sign in" would (the invisible widget runs when the form is submitted).
        page = (page[0], page[1] + f'<script nonce="{nonce}">{AUTO_SUBMIT}</script>')
    headers = [
        ("content-type", "text/html; charset=utf-8"),
        ("content-security-policy", _csp(nonce)),
    ]
    start_response("200 OK", headers)
    return [_page(page[0], page[1], nonce)]


application = HumanGate(site, _config())
