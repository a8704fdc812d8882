"""Automation must not get through: Playwright (headless and headed) and plain HTTP clients.

These are the specification for the gate's automation detection (navigator.webdriver,
HeadlessChrome): a browser driven by Playwright may run the challenge page, but the app
must never see its request. Observation is server-side, through the app's hits file.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from e2e.conftest import ServeApp
from e2e.harness import CHROMIUM, CHROMIUM_FLAGS, AppServer, Display

TARGET = "/protected/page?x=1"
SOLVE = "/.humangate/solve"
# Long enough for a real browser to solve difficulty 16 several times over (it takes
# about a second), so "not reached" means refused, not "still working".
REFUSAL_WINDOW = 15.0


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


def _launch(playwright: Playwright, *, headless: bool) -> Browser:
    # Playwright's bundled browsers are not installed (no internet): use the system one.
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=headless, args=list(CHROMIUM_FLAGS)
    )


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize("headless", [True, False], ids=["headless", "headed"])
def test_playwright_chromium_is_refused(
    kind: str,
    headless: bool,
    serve_app: ServeApp,
    playwright: Playwright,
    xvfb: Display,  # headed Playwright needs the X display
    artifacts: Path,
) -> None:
    server = serve_app(kind, difficulty=16)
    browser = _launch(playwright, headless=headless)
    try:
        page = browser.new_page()
        page.goto(server.url(TARGET), wait_until="commit")
        reached = server.wait_for_hit(TARGET, timeout=REFUSAL_WINDOW)
        page.screenshot(path=str(artifacts / "final.png"))
        state = page.evaluate("() => [navigator.webdriver, navigator.userAgent, location.href]")
    finally:
        browser.close()
    (artifacts / "browser-state.json").write_text(json.dumps(state))
    assert not reached, (
        f"Playwright ({'headless' if headless else 'headed'}, navigator.webdriver="
        f"{state[0]}, UA={state[1]!r}) reached the app at {TARGET}"
    )
    _assert_refused_not_crashed(server)


def _assert_refused_not_crashed(server: AppServer) -> None:
    """ "Not reached" must mean the gate decided: challenged, and never issued a clearance.

    Without this a gate that answers 500 would pass the test above.
    """
    assert server.server_errors() == [], f"server errors: {server.server_errors()}"
    assert server.statuses(TARGET)[:1] == [403], "the first visit was not challenged"
    assert 200 not in server.statuses(SOLVE, "POST"), "the gate issued a clearance"


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_httpx_gets_a_json_challenge(kind: str, serve_app: ServeApp) -> None:
    server = serve_app(kind, difficulty=16)
    for accept in (None, "application/json"):
        headers = {"accept": accept} if accept else {}
        response = httpx.get(server.url(TARGET), headers=headers, timeout=5)
        _assert_json_challenge(response.status_code, response.headers, response.content)
    assert server.hits() == []


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_curl_gets_a_json_challenge(kind: str, serve_app: ServeApp) -> None:
    curl = shutil.which("curl")
    assert curl, "curl is part of the test environment"
    server = serve_app(kind, difficulty=16)
    # -i: headers then body in one stream; default Accept is */*, i.e. not asking for HTML.
    result = subprocess.run(
        [curl, "-s", "-i", "--max-time", "5", server.url(TARGET)],
        capture_output=True,
        check=True,
    )
    status, headers, body = _parse_http(result.stdout)
    _assert_json_challenge(status, headers, body)
    assert server.hits() == []


def _assert_json_challenge(status: int, headers: httpx.Headers, body: bytes) -> None:
    assert status == 403
    assert headers.get("cf-mitigated") == "challenge"
    content_type = headers.get("content-type", "")
    assert content_type.startswith(("application/problem+json", "application/json")), content_type
    problem = json.loads(body)
    assert problem["status"] == 403
    assert problem.get("ray_id") or headers.get("humangate-ray")


def _parse_http(raw: bytes) -> tuple[int, httpx.Headers, bytes]:
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    pairs = [line.split(":", 1) for line in lines if ":" in line]
    headers = httpx.Headers([(name.strip(), value.strip()) for name, value in pairs])
    return int(status_line.split()[1]), headers, body
