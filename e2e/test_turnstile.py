"""The Turnstile-compatible widget in real browsers, read from the server side.

Chromium and Firefox ESR run headed under Xvfb as plain processes (no automation), load
integrations/turnstile_plain's pages, and the page submits its form once the widget has a
token; the example backend verifies it in process (two gunicorn workers sharing SQLite)
and records ``/verified/<kind>`` only when siteverify succeeded. A Playwright-driven
headless Chromium gets no valid token in managed mode.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from e2e.detect_support import plain_firefox
from e2e.harness import (
    ARTIFACTS,
    REPO,
    AppServer,
    Display,
    launch,
    plain_chromium,
    retire,
    server_command,
    wait_until,
)

APP = "integrations.turnstile_plain.app:application"
VISIT_TIMEOUT = 40.0
OPENERS = {"chromium": plain_chromium, "firefox-esr": plain_firefox}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("turnstile")
    started = launch(
        "wsgi",
        workdir,
        lambda port: server_command("wsgi", port, APP, workers=2),
        difficulty=14,
    )
    yield started
    retire([started], ARTIFACTS)


def visit(browser: str, server: AppServer, xvfb: Display, target: str, log: Path, hit: str) -> bool:
    """Whether ``hit`` reaches the app during this visit (the server is shared by the
    module's tests: a hit an earlier visit recorded does not count)."""
    before = len(server.hits())
    with OPENERS[browser](server.url(target), xvfb, log):
        return wait_until(lambda: hit in server.hits()[before:], VISIT_TIMEOUT, interval=0.2)


@pytest.mark.parametrize("browser", sorted(OPENERS))
@pytest.mark.parametrize(
    ("page", "hit"),
    [
        ("/", "/verified/managed?action=login"),
        ("/explicit", "/verified/managed?action=explicit"),
    ],
)
def test_real_browser_form_with_the_widget_verifies(
    browser: str, page: str, hit: str, server: AppServer, xvfb: Display, artifacts: Path
) -> None:
    assert visit(browser, server, xvfb, f"{page}?auto=1", artifacts / f"{browser}.log", hit)
    assert not [h for h in server.hits() if h.startswith("/refused/")]
    assert not server.server_errors()


@pytest.mark.parametrize("browser", sorted(OPENERS))
@pytest.mark.parametrize(
    ("page", "hit"),
    [
        ("/invisible", "/verified/invisible?action="),
        ("/cloudflare", "/verified/managed?action="),
    ],
)
def test_invisible_execute_and_cloudflares_markup(
    browser: str, page: str, hit: str, server: AppServer, xvfb: Display, artifacts: Path
) -> None:
    log = artifacts / f"{browser}.log"
    assert visit(browser, server, xvfb, f"{page}?auto=1", log, hit)
    assert not server.server_errors()


@pytest.mark.parametrize("browser", sorted(OPENERS))
def test_pre_clearance_lets_fetch_pass_a_managed_route(
    browser: str, server: AppServer, xvfb: Display, artifacts: Path
) -> None:
    before = server.statuses("/api/data")
    assert visit(browser, server, xvfb, "/spa", artifacts / f"{browser}.log", "/api/data")
    # The fetch was never challenged: the widget's solve had set the clearance already.
    assert server.statuses("/api/data")[len(before) :] == [200]


def test_automated_headless_browser_gets_no_token_in_managed_mode(
    server: AppServer, browser: Browser
) -> None:
    earlier = len(server.hits())
    page = browser.new_page()
    try:
        page.goto(server.url("/"))
        frame = page.frame_locator("iframe").locator("#humangate-widget[data-state=error]")
        frame.wait_for(timeout=VISIT_TIMEOUT * 1000)
        assert page.eval_on_selector('[name="cf-turnstile-response"]', "f => f.value") == ""
        page.eval_on_selector("form", "f => f.submit()")
        refused = "/refused/managed?codes=missing-input-response"
        assert server.wait_for_hit(refused, 10)
    finally:
        page.close()
    assert not [h for h in server.hits()[earlier:] if h.startswith("/verified/")]


# -- accessibility and looks ------------------------------------------------------------------

AXE = REPO / "js" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
SETTLED = {  # test sitekey -> the state its frame ends in
    "1x00000000000000000000AA": "success",
    "2x00000000000000000000AB": "error",
    "1x00000000000000000000BB": "success",
    "3x00000000000000000000FF": "interactive",
}


def _open_test_keys(browser: Browser, server: AppServer, theme: str, language: str) -> Page:
    # axe goes in as an inline script, which the frames' CSP refuses (as it should).
    context = browser.new_context(bypass_csp=True, color_scheme=theme)
    page = context.new_page()
    page.goto(server.url(f"/test-keys?theme={theme}&language={language}"))
    for index, state in enumerate(SETTLED.values()):
        widget = (
            page.frame_locator("iframe")
            .nth(index)
            .locator(f"#humangate-widget[data-state={state}]")
        )
        widget.wait_for(state="attached", timeout=VISIT_TIMEOUT * 1000)
    return page


@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("language", ["en", "ar", "ja"])
def test_axe_finds_no_violations_in_the_widget(
    browser: Browser, server: AppServer, theme: str, language: str
) -> None:
    page = _open_test_keys(browser, server, theme, language)
    try:
        source = AXE.read_text(encoding="utf-8")
        for frame in page.frames:
            frame.add_script_tag(content=source)
        for frame in page.frames[1:]:
            assert frame.evaluate("document.documentElement.lang") == language
        # One run from the page, as the widget is seen in context: axe descends into
        # every frame it was injected into.
        results = page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", AXE_TAGS
        )
        found = [
            f"{item['id']}: {item['help']} at {[n['target'] for n in item['nodes'][:3]]}"
            for item in results["violations"]
        ]
        in_frames = [n for item in results["passes"] for n in item["nodes"] if len(n["target"]) > 1]
        assert in_frames, "axe did not look inside the widget frames"
        assert found == [], "\n".join(found)
        page.screenshot(
            path=str(ARTIFACTS / f"turnstile-widgets-{theme}-{language}.png"), full_page=True
        )
    finally:
        page.context.close()
