"""Serving the gate in-process and driving the challenge page into each visible state.

Shared by e2e/test_page_states.py (screenshots, behaviour) and e2e/test_pages_a11y.py
(axe-core). The gate runs in a thread (wsgiref) with rules that reach every page: a
block, a rate limit and an interactive challenge. States that depend on the solve
outcome are reached by answering the solve request from Playwright, and states that
depend on the browser (no Worker, cookies off) by changing what the page sees before
its scripts run. Everything else is the real page, with its real CSP.
"""

from __future__ import annotations

import contextlib
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from playwright.sync_api import Browser, BrowserContext, Page, Route

from humangate import Config, Rule
from humangate.config import RateLimit
from humangate.i18n import catalog
from humangate.wsgi import HumanGate

SECRET = "e2e-pages-secret-0123456789abcdef-0123456789abcdef"
LANGUAGES = {"en": "en-US", "ar": "ar-EG", "ja": "ja-JP"}
VIEWPORTS = {"desktop": (1280, 800), "mobile": (360, 740)}
SCHEMES = ("light", "dark")
# A difficulty the page cannot finish while we look at it; states that need a finished
# proof-of-work get an easy one written into the page (the solve is answered by us).
HARD = 30
EASY = '"difficulty":4'

CUSTOM_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
  <title>Security check · example.com</title>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width,initial-scale=1">
  <style nonce="::NONCE::">
    body { font-family: system-ui, sans-serif; background: #eef2f6; color: #1a1a2e;
           margin: 0; padding: 24px 16px; }
    .card { background: #fff; max-width: 520px; margin: 40px auto; padding: 28px;
            border-radius: 12px; box-shadow: 0 4px 24px rgba(0,0,0,.08); }
    .meta { color: #4a5563; font-size: .85rem; }
    @media (prefers-color-scheme: dark) {
      body { background: #11151a; color: #e9edf1; } .card { background: #1f252c; }
      .meta { color: #b0bac5; }
    }
  </style>
</head>
<body>
  <main class="card">
    <h1>example.com</h1>
    ::CF_WIDGET_BOX::
    <p class="meta">IP ::CLIENT_IP:: · Ray ::RAY_ID:: · ::GEO::</p>
  </main>
</body>
</html>
"""


def _site(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("content-type", "text/html; charset=utf-8")])
    return [b"<!DOCTYPE html><title>app</title><p>the app</p>"]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@dataclass
class Gate:
    base_url: str

    def url(self, path: str) -> str:
        return self.base_url + path


@contextlib.contextmanager
def serve_gate(**overrides: Any) -> Iterator[Gate]:
    """A gate on a free local port: /blocked blocks, /limited rate-limits after one
    request, /interactive is an interactive challenge, everything else managed."""
    settings: dict[str, Any] = {
        "secret_keys": [SECRET],
        "store": "memory://",
        "difficulty": HARD,
        "rules": [
            Rule('http.request.uri.path eq "/blocked"', "block"),
            Rule('http.request.uri.path eq "/limited"', "skip"),
            Rule('http.request.uri.path eq "/interactive"', "challenge"),
        ],
        "rate_limits": [
            RateLimit('http.request.uri.path eq "/limited"', requests_per_period=1, period=60)
        ],
    }
    settings.update(overrides)
    app = HumanGate(_site, Config(**settings))
    server = make_server("127.0.0.1", 0, app, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Gate(f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        server.server_close()


# -- states ----------------------------------------------------------------------------------


@dataclass
class Visit:
    """One page brought into one state; ``held`` are requests parked until teardown."""

    page: Page
    context: BrowserContext
    errors: list[str]
    held: list[Route]

    def close(self) -> None:
        for route in self.held:
            with contextlib.suppress(Exception):
                route.abort()
        self.context.close()


def _easy_document(route: Route) -> None:
    response = route.fetch()
    body = re.sub(r'"difficulty":\d+', EASY, response.text())
    route.fulfill(response=response, body=body)


def _solve_answer(data: str) -> Callable[[Route], None]:
    def answer(route: Route) -> None:
        route.fulfill(status=403, content_type="application/json", body=data)

    return answer


def status_text(page: Page) -> str:
    return str(page.locator("#humangate-status").inner_text())


def wait_true(page: Page, expression: str, arg: object = None, timeout: float = 10.0) -> None:
    """Poll ``expression`` (a JS function of ``arg``) until it returns true.

    Not ``page.wait_for_function``: that evaluates its predicate with eval(), which the
    page's CSP (rightly) forbids. ``page.evaluate`` goes through the DevTools protocol.
    """
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)


def _wait_status(page: Page, language: str, key: str) -> None:
    wait_true(
        page,
        "text => document.getElementById('humangate-status').textContent === text",
        catalog(language)[key],
    )


def open_state(
    browser: Browser,
    gate: Gate,
    state: str,
    language: str,
    *,
    bypass_csp: bool = False,
    custom_gate: Gate | None = None,
) -> Visit:
    """A new context in ``language`` with its page showing ``state``."""
    context = browser.new_context(
        locale=LANGUAGES[language],
        java_script_enabled=state != "noscript",
        bypass_csp=bypass_csp,
        viewport={"width": 1280, "height": 800},
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    visit = Visit(page, context, errors, [])
    target = "/protected/page?x=1"
    if state == "unsupported":
        # An engine without ES2020's BigInt (no Worker alone is not unsupported: the
        # page then solves on its main thread).
        page.add_init_script("delete window.BigInt;")
    elif state == "cookies":
        page.add_init_script(
            "Object.defineProperty(Navigator.prototype, 'cookieEnabled', {get: () => false});"
        )
    elif state == "troubleshooting":
        # Two failures already on record: the next one shows the help and stops retrying.
        page.add_init_script(
            "sessionStorage.setItem('humangate:failures:' + location.pathname, '2');"
        )
    if state in ("success", "failure", "troubleshooting"):
        page.route(re.compile(r".*/protected/page\?x=1$"), _easy_document)
    if state == "success":
        ok = '{"ok": true, "redirect": "/protected/done"}'
        page.route("**/.humangate/solve", lambda route: route.fulfill(body=ok))
        # A 204 answer to a navigation leaves the current document in place, so the
        # success text stays on screen to be looked at.
        page.route("**/protected/done", lambda route: route.fulfill(status=204))
    elif state in ("failure", "troubleshooting"):
        failed = '{"ok": false, "reason": "wrong_solution", "message": "x"}'
        page.route("**/.humangate/solve", _solve_answer(failed))
    elif state == "interaction":
        target = "/interactive"
        page.route(re.compile(r".*/interactive$"), _easy_document)

    if state == "block":
        page.goto(gate.url("/blocked"))
    elif state == "rate_limited":
        # One request per fixed 60 s window (aligned to the clock) is allowed: the second
        # is refused unless the two straddle a window boundary, so ask a third time then.
        for _ in range(3):
            response = page.goto(gate.url("/limited"))
            if response is not None and response.status == 429:
                break
        else:
            raise AssertionError("/limited was never rate-limited")
    elif state == "custom":
        assert custom_gate is not None
        page.goto(custom_gate.url(target))
        _wait_status(page, language, "working")
    else:
        page.goto(gate.url(target))
        _settle(page, state, language)
    return visit


def _settle(page: Page, state: str, language: str) -> None:
    if state == "working":
        _wait_status(page, language, "working")
        wait_true(
            page,
            "() => Number(document.getElementById('humangate-progress')"
            ".getAttribute('aria-valuenow')) > 0",
        )
    elif state == "interaction":
        page.locator("#humangate-interaction-button").wait_for(state="visible")
    elif state == "success":
        _wait_status(page, language, "success")
    elif state == "failure":
        _wait_status(page, language, "failure_wrong_solution")
    elif state == "troubleshooting":
        page.locator("#humangate-troubleshooting").wait_for(state="visible")
        _wait_status(page, language, "failed")
    elif state == "unsupported":
        page.locator("#humangate-unsupported").wait_for(state="visible")
    elif state == "cookies":
        _wait_status(page, language, "cookies_disabled")
    elif state == "noscript":
        page.locator("main").wait_for()


STATES = (
    "working",
    "interaction",
    "success",
    "failure",
    "troubleshooting",
    "unsupported",
    "noscript",
    "cookies",
    "block",
    "rate_limited",
    "custom",
)

# The document answers 403/429 by design; Chromium logs one line for it. Parked and
# aborted requests (success state) log one more. Nothing else may appear.
EXPECTED_CONSOLE = re.compile(r"status of (403|429)|net::ERR_FAILED|ERR_ABORTED")


def unexpected_errors(errors: list[str]) -> list[str]:
    return [error for error in errors if not EXPECTED_CONSOLE.search(error)]
