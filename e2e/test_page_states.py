"""Every state of the challenge page, in English, Arabic and Japanese: what it shows,
screenshots at desktop and phone sizes in light and dark (artifacts for people to look
at), keyboard operation, the language switch and the 360 px layout."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from e2e.harness import ARTIFACTS
from e2e.pages_harness import (
    SCHEMES,
    STATES,
    VIEWPORTS,
    Gate,
    open_state,
    serve_gate,
    status_text,
    unexpected_errors,
    wait_true,
)
from humangate.i18n import catalog, direction

SHOTS = ARTIFACTS / "screenshots" / "pages"

# The element each state must show (beyond the page itself).
VISIBLE = {
    "working": "#humangate-progress",
    "interaction": "#humangate-interaction-button",
    "success": "#humangate-status",
    "failure": "#humangate-status",
    "troubleshooting": "#humangate-troubleshooting",
    "unsupported": "#humangate-unsupported",
    "noscript": "noscript",
    "cookies": "#humangate-troubleshooting",
    "block": "h1",
    "rate_limited": "h1",
    "custom": "#humangate-widget",
}


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("language", ["en", "ar", "ja"])
def test_state_renders_and_is_captured(
    browser: Browser, gate: Gate, custom_gate: Gate, state: str, language: str
) -> None:
    visit = open_state(browser, gate, state, language, custom_gate=custom_gate)
    page = visit.page
    try:
        root = "#humangate-widget" if state == "custom" else "html"
        assert page.get_attribute(root, "lang") == language
        assert page.get_attribute(root, "dir") == direction(language)
        if state != "noscript":
            assert page.locator(VISIBLE[state]).first.is_visible(), state
        else:
            assert catalog(language)["noscript"] in page.content()
        if state in ("working", "interaction", "success", "failure", "troubleshooting"):
            assert status_text(page)  # the live region always says what is going on
        SHOTS.mkdir(parents=True, exist_ok=True)
        for viewport, (width, height) in VIEWPORTS.items():
            page.set_viewport_size({"width": width, "height": height})
            for scheme in SCHEMES:
                page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
                name = f"{state}-{language}-{viewport}-{scheme}.png"
                page.screenshot(path=str(SHOTS / name), full_page=True)
            if viewport == "mobile":
                # Readable at 360 px: nothing wider than the screen, no sideways scrolling.
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 0, f"{state}/{language}: {overflow}px wider than 360"
        assert unexpected_errors(visit.errors) == []
    finally:
        visit.close()


def test_page_switches_to_navigator_language(browser: Browser, gate: Gate) -> None:
    # Accept-Language says English, navigator.language says Japanese: the seeds make
    # navigator.language win; the page re-renders without reloading.
    context = browser.new_context(locale="ja-JP", extra_http_headers={"Accept-Language": "en"})
    page = context.new_page()
    try:
        page.goto(gate.url("/switch"))
        wait_true(page, "() => document.documentElement.lang === 'ja'")
        assert page.inner_text("h1") == catalog("ja")["heading"]
        assert page.title() == catalog("ja")["title"]
        assert status_text(page) == catalog("ja")["working"]
        label = page.get_attribute("#humangate-progress", "aria-label")
        assert label == catalog("ja")["progress_label"]
    finally:
        context.close()


def test_forced_language_stays(browser: Browser) -> None:
    with serve_gate(language="fa") as forced:
        context = browser.new_context(locale="ja-JP")
        page = context.new_page()
        try:
            page.goto(forced.url("/forced"))
            page.wait_for_timeout(1000)  # time in which a switch would have happened
            assert page.get_attribute("html", "lang") == "fa"
            assert page.get_attribute("html", "dir") == "rtl"
            assert page.inner_text("h1") == catalog("fa")["heading"]
        finally:
            context.close()


def test_interaction_by_keyboard_only(browser: Browser, gate: Gate) -> None:
    visit = open_state(browser, gate, "interaction", "en")
    page = visit.page
    try:
        # The button takes focus when it appears; Enter alone completes the step.
        assert page.evaluate("document.activeElement.id") == "humangate-interaction-button"
        page.keyboard.press("Enter")
        page.locator("#humangate-interaction").wait_for(state="hidden")
    finally:
        visit.close()


def test_retry_button_by_keyboard(browser: Browser, gate: Gate) -> None:
    visit = open_state(browser, gate, "troubleshooting", "en")
    page = visit.page
    try:
        assert not page.locator("#humangate-progress").is_visible()  # nothing works on
        for _ in range(10):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.id") == "humangate-retry":
                break
        assert page.evaluate("document.activeElement.id") == "humangate-retry"
        with page.expect_navigation():
            page.keyboard.press("Enter")
    finally:
        visit.close()


def test_reduced_motion_turns_off_the_animation(browser: Browser, gate: Gate) -> None:
    context = browser.new_context(reduced_motion="reduce")
    page = context.new_page()
    try:
        page.goto(gate.url("/motion"))
        duration = page.evaluate(
            "getComputedStyle(document.getElementById('humangate-progress-bar')).transitionDuration"
        )
        assert duration == "0s"
    finally:
        context.close()
