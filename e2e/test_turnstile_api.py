"""The explicit API's semantics in a browser, with Turnstile's test sitekeys.

The host page is on another origin (a second local server) than humangate, as for a
site that embeds a separately hosted gate; it has a strict
CSP that allows humangate's origin for scripts and frames only. The test sitekeys pass
in any browser, automated or not, so Playwright can drive every API call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from e2e.detect_support import plain_firefox
from e2e.harness import (
    ARTIFACTS,
    AppServer,
    Display,
    launch,
    plain_chromium,
    retire,
    server_command,
    wait_until,
)

PASS = "1x00000000000000000000AA"
FAIL = "2x00000000000000000000AB"
INVISIBLE = "1x00000000000000000000BB"
DUMMY = "XXXX.DUMMY.TOKEN.XXXX"
WAIT = 15_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("turnstile-api")
    app = "integrations.turnstile_plain.app:application"
    started = launch("wsgi", workdir, lambda port: server_command("wsgi", port, app))
    yield started
    retire([started], ARTIFACTS)


class HostPages:
    """Another origin (127.0.0.1 on its own port) serving the pages the tests write."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[str, str]] = {}
        self.requested: list[str] = []  # every path asked for, in order
        pages, requested = self.pages, self.requested

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                requested.append(self.path)
                html, csp = pages.get(self.path, ("not found", ""))
                self.send_response(200 if self.path in pages else 404)
                self.send_header("content-type", "text/html; charset=utf-8")
                self.send_header("content-security-policy", csp)
                self.end_headers()
                self.wfile.write(html.encode())

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"


@pytest.fixture(scope="module")
def hosts() -> Iterator[HostPages]:
    pages = HostPages()
    yield pages
    pages.server.shutdown()
    pages.server.server_close()


def open_host(
    browser: Browser,
    server: AppServer,
    hosts: HostPages,
    body: str,
    query: str = "?render=explicit",
) -> Page:
    """``body`` on another origin, with humangate's api.js from the server's origin."""
    api = server.url("/.humangate/turnstile/v0/api.js")
    script = f'<script nonce="n0nce" src="{api}{query}"></script>'
    html = f'<!DOCTYPE html><html lang="en"><title>Shop</title><body>{body}{script}</body></html>'
    csp = (
        f"default-src 'none'; script-src {server.base_url} 'nonce-n0nce'; "
        f"frame-src {server.base_url}; style-src 'none'"
    )
    path = f"/page-{len(hosts.pages)}"
    hosts.pages[path] = (html, csp)
    context = browser.new_context()
    page = context.new_page()
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda error: page.errors.append(str(error)))  # type: ignore[attr-defined]
    page.goto(hosts.url(path))
    return page


def setup(page: Page) -> None:
    page.evaluate("""() => {
      window.events = [];
      window.log = (name) => (...args) => { window.events.push([name, ...args]); return true; };
    }""")


def wait_js(page: Page, expression: str, timeout_ms: int = WAIT) -> None:
    """Poll ``expression`` in the page until true (wait_for_function evaluates strings,
    which the host page's CSP refuses, as a strict CSP should)."""
    deadline = time.monotonic() + timeout_ms / 1000
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def wait_event(page: Page, name: str) -> list[object]:
    wait_js(page, f"window.events.some(e => e[0] === {name!r})")
    return page.evaluate(f"window.events.filter(e => e[0] === {name!r})")


@pytest.fixture
def host(browser: Browser, server: AppServer, hosts: HostPages) -> Iterator[Page]:
    page = open_host(browser, server, hosts, '<form id="f"><div id="w"></div></form>')
    setup(page)
    yield page
    page.context.close()


def test_render_callback_response_field_and_get_response(host: Page) -> None:
    widget_id = host.evaluate(
        f"turnstile.render('#w', {{sitekey: '{PASS}', callback: log('callback')}})"
    )
    assert widget_id.startswith("cf-chl-widget-")
    assert wait_event(host, "callback") == [["callback", DUMMY]]
    assert host.evaluate(f"turnstile.getResponse({widget_id!r})") == DUMMY
    assert host.evaluate("turnstile.getResponse()") == DUMMY  # the first widget by default
    assert (
        host.evaluate("new FormData(document.getElementById('f')).get('cf-turnstile-response')")
        == DUMMY
    )
    assert host.evaluate(f"turnstile.isExpired({widget_id!r})") is False
    # A container holds one widget only.
    assert host.evaluate(f"turnstile.render('#w', {{sitekey: '{PASS}'}})") is None


def test_reset_drops_the_token_and_solves_again(host: Page) -> None:
    widget_id = host.evaluate(
        f"turnstile.render('#w', {{sitekey: '{PASS}', callback: log('callback')}})"
    )
    wait_event(host, "callback")
    host.evaluate(f"turnstile.reset({widget_id!r})")
    assert host.evaluate("turnstile.getResponse()") is None
    wait_js(host, "window.events.filter(e => e[0] === 'callback').length === 2")


def test_remove_takes_all_dom_and_calls_nothing(host: Page) -> None:
    widget_id = host.evaluate(
        f"turnstile.render('#w', {{sitekey: '{PASS}', callback: log('callback')}})"
    )
    host.evaluate(f"turnstile.remove({widget_id!r})")
    assert host.evaluate("document.querySelector('#w').children.length") == 0
    host.wait_for_timeout(1000)
    assert host.evaluate("window.events") == []
    assert host.evaluate(f"turnstile.getResponse({widget_id!r})") is None


def test_execution_execute_waits_for_execute(host: Page) -> None:
    host.evaluate(
        f"turnstile.render('#w', {{sitekey: '{PASS}',"
        f" execution: 'execute', callback: log('callback')}})"
    )
    host.wait_for_timeout(1500)
    assert host.evaluate("window.events") == []
    host.evaluate("turnstile.execute('#w')")
    assert wait_event(host, "callback") == [["callback", DUMMY]]


def test_failing_sitekey_reports_to_error_callback(host: Page) -> None:
    host.evaluate(
        f"turnstile.render('#w', {{sitekey: '{FAIL}',"
        f" retry: 'never', 'error-callback': log('error')}})"
    )
    assert wait_event(host, "error") == [["error", "600010"]]
    assert host.errors == []  # type: ignore[attr-defined]


def test_without_error_callback_an_exception_is_thrown(host: Page) -> None:
    host.evaluate(f"turnstile.render('#w', {{sitekey: '{FAIL}', retry: 'never'}})")
    wait_js(host, "true")
    host.wait_for_timeout(2000)
    assert any("600010" in error for error in host.errors)  # type: ignore[attr-defined]


def test_invalid_parameters_have_their_codes(host: Page) -> None:
    host.evaluate(
        f"turnstile.render('#w', {{sitekey: '{PASS}',"
        f" action: 'not valid', 'error-callback': log('error')}})"
    )
    assert wait_event(host, "error") == [["error", "110420"]]


def test_retry_auto_tries_again_after_retry_interval(host: Page) -> None:
    host.evaluate(
        f"turnstile.render('#w', {{sitekey: '{FAIL}',"
        f" 'retry-interval': 500, 'error-callback': log('error')}})"
    )
    wait_js(host, "window.events.filter(e => e[0] === 'error').length >= 2")


# The frame's visibility and the height the widget's container takes on the page.
SHOWN_NOTHING = (
    "getComputedStyle(document.querySelector('#w iframe')).visibility + ' ' +"
    " document.getElementById('w').getBoundingClientRect().height"
)


def test_invisible_sitekey_shows_nothing(host: Page) -> None:
    host.evaluate(f"turnstile.render('#w', {{sitekey: '{INVISIBLE}', callback: log('callback')}})")
    wait_event(host, "callback")
    # Not shown, and taking no room, yet laid out (the checks in the frame measure layout).
    assert host.evaluate(SHOWN_NOTHING) == "hidden 0"


PLAIN = {"chromium": plain_chromium, "firefox-esr": plain_firefox}


@pytest.mark.parametrize("browser", sorted(PLAIN))
def test_invisible_sitekey_in_plain_browsers(
    browser: str,
    server: AppServer,
    hosts: HostPages,
    xvfb: Display,
    artifacts: Path,
) -> None:
    """The invisible test sitekey on the other-origin, strict-CSP page, in Chromium and
    Firefox ESR run as a person starts them: the callback gets the token, the frame is
    not shown and takes no room. The page reports that to its own server (no automation
    to ask it)."""
    api = server.url("/.humangate/turnstile/v0/api.js")
    path = f"/plain-{browser}"
    body = (
        '<form><div id="w"></div></form>'
        f'<script nonce="n0nce" src="{api}?render=explicit"></script>'
        "<script nonce='n0nce'>turnstile.ready(function () {"
        f"  turnstile.render('#w', {{sitekey: '{INVISIBLE}', callback: function (token) {{"
        f"    var shown = {SHOWN_NOTHING};"
        "    var field = new FormData(document.forms[0]).get('cf-turnstile-response');"
        "    fetch('/report?token=' + encodeURIComponent(token) + '&field=' +"
        "      encodeURIComponent(field) + '&shown=' + encodeURIComponent(shown)); }});"
        "});</script>"
    )
    csp = (
        f"default-src 'none'; script-src {server.base_url} 'nonce-n0nce'; "
        f"frame-src {server.base_url}; connect-src 'self'; style-src 'none'"
    )
    hosts.pages[path] = (f'<!DOCTYPE html><html lang="en"><title>Shop</title><body>{body}', csp)
    report = f"/report?token={DUMMY}&field={DUMMY}&shown=hidden%200"
    before = len(hosts.requested)
    with PLAIN[browser](hosts.url(path), xvfb, artifacts / f"{browser}.log"):
        reported = wait_until(lambda: report in hosts.requested[before:], 30)
    assert reported, hosts.requested[before:]


def test_expiry_calls_expired_callback_and_refreshes_per_refresh_expired(
    browser: Browser, server: AppServer, hosts: HostPages
) -> None:
    page = open_host(browser, server, hosts, '<div id="w"></div><div id="v"></div>')
    try:
        page.clock.install()
        setup(page)
        page.evaluate(
            f"""() => {{
              turnstile.render('#w', {{sitekey: '{PASS}', 'refresh-expired': 'manual',
                callback: log('manual-token'), 'expired-callback': log('manual-expired')}});
              turnstile.render('#v', {{sitekey: '{PASS}', callback: log('auto-token')}});
            }}"""
        )
        wait_event(page, "manual-token")
        wait_event(page, "auto-token")
        page.clock.fast_forward("05:01")
        assert wait_event(page, "manual-expired") == [["manual-expired", DUMMY]]
        assert page.evaluate("turnstile.isExpired('#w')") is True
        assert page.evaluate("turnstile.getResponse('#w')") is None
        # refresh-expired auto: a new challenge, a new token.
        wait_js(page, "window.events.filter(e => e[0] === 'auto-token').length === 2")
    finally:
        page.context.close()


def test_implicit_rendering_with_data_attributes(
    browser: Browser, server: AppServer, hosts: HostPages
) -> None:
    body = (
        "<script nonce='n0nce'>window.events = []; window.onToken = t => events.push(t);</script>"
        f'<form><div class="cf-turnstile" data-sitekey="{PASS}" data-callback="onToken" '
        'data-response-field-name="captcha"></div></form>'
    )
    page = open_host(browser, server, hosts, body, query="")
    try:
        wait_js(page, "window.events.length === 1")
        assert page.evaluate("new FormData(document.forms[0]).get('captcha')") == DUMMY
    finally:
        page.context.close()


def test_onload_and_loading_the_script_twice(
    browser: Browser, server: AppServer, hosts: HostPages
) -> None:
    api = server.url("/.humangate/turnstile/v0/api.js")
    body = (
        "<script nonce='n0nce'>window.loads = 0; window.onTs = () => { loads += 1; };</script>"
        f'<div class="cf-turnstile" data-sitekey="{PASS}"></div>'
        f'<script nonce="n0nce" src="{api}?onload=onTs" async></script>'
    )
    page = open_host(browser, server, hosts, body, query="?onload=onTs")
    try:
        wait_js(page, "window.loads === 2")
        assert page.evaluate("document.querySelectorAll('iframe').length") == 1
    finally:
        page.context.close()


def test_compat_recaptcha(browser: Browser, server: AppServer, hosts: HostPages) -> None:
    body = f'<form><div class="g-recaptcha" data-sitekey="{PASS}"></div></form>'
    page = open_host(browser, server, hosts, body, query="?compat=recaptcha")
    try:
        wait_js(page, "grecaptcha.getResponse() !== ''")
        assert page.evaluate("grecaptcha.getResponse()") == DUMMY
        assert page.evaluate("new FormData(document.forms[0]).get('g-recaptcha-response')") == DUMMY
    finally:
        page.context.close()


@pytest.mark.parametrize("honest", [True, False])
def test_a_page_lying_about_its_origin_never_receives_the_token(
    browser: Browser, server: AppServer, hosts: HostPages, honest: bool
) -> None:
    # The page embeds the frame itself and declares an origin: its own (honest) or
    # humangate's (a lie, to receive what the frame posts there). Only the honest page
    # gets the token: postMessage delivers to the declared origin only.
    page = open_host(browser, server, hosts, "<div id='w'></div>", query="")
    try:
        own = page.evaluate("location.origin")
        declared = own if honest else server.base_url
        frame = server.url(f"/.humangate/turnstile/v0/frame?k={PASS}&w=w1&o={declared}")
        page.evaluate(
            """src => {
              window.received = [];
              addEventListener("message", e => received.push(e.data && e.data.type));
              const iframe = document.createElement("iframe");
              iframe.src = src;
              document.getElementById("w").appendChild(iframe);
            }""",
            frame,
        )
        if honest:
            wait_js(page, "window.received.includes('token')")
        else:
            page.wait_for_timeout(3000)
            assert page.evaluate("window.received") == []
    finally:
        page.context.close()


def test_interactive_sitekey_asks_for_the_button(host: Page) -> None:
    host.evaluate(
        "turnstile.render('#w', {sitekey: '3x00000000000000000000FF', callback: log('callback'),"
        " 'before-interactive-callback': log('before'),"
        " 'after-interactive-callback': log('after')})"
    )
    wait_event(host, "before")
    button = host.frame_locator("#w iframe").get_by_role("button", name="I am a person")
    button.click()
    assert wait_event(host, "callback") == [["callback", DUMMY]]
    assert wait_event(host, "after") == [["after"]]


def test_unknown_ids_and_bad_selectors_are_harmless(host: Page) -> None:
    assert host.evaluate("turnstile.getResponse('#nope')") is None
    assert host.evaluate("turnstile.isExpired('not a selector ][')") is False
    assert host.evaluate("turnstile.render('][', {sitekey: 'x'})") is None
    host.evaluate("turnstile.reset('cf-chl-widget-nothing'); turnstile.remove('##')")
    assert host.errors == []  # type: ignore[attr-defined]
