"""The interaction button in a real Chromium: placed per ticket, judged by the server.

Pointer, keyboard and a page script's synthetic click on the interactive challenge's
button, on the challenge page and in the Turnstile-compatible widget's frame (both of
its sizes). Playwright drives the input (trusted events through the browser's input
pipeline), which the page's automation signals rightly refuse as a whole; so what is
checked here is the server's judgement of the *interaction evidence* the real browser
posted, against the layout the ticket gave it. Plain browsers with real key presses
pass the whole interactive challenge in e2e/test_challenge_types.py and
e2e/test_probe_browsers.py.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser, Frame, Page, Route

from e2e.harness import ARTIFACTS
from e2e.pages_harness import Gate, serve_gate
from humangate.challenges.interaction import (
    HARD,
    PADS,
    ButtonLayout,
    judge,
    parse_evidence,
    widget_surface,
)
from humangate.turnstile import Sitekey

SOLVE = "**/.humangate/solve"
WIDGET_SOLVE = "**/.humangate/turnstile/v0/solve"
SITEKEY = "e2eInteractionKey01"
Act = Callable[[], None]


@pytest.fixture(scope="module")
def easy_gate() -> Iterator[Gate]:
    """/interactive is an interactive challenge at a difficulty solved in a blink; the
    widget's sitekey is managed (asked for the button when the solve says so)."""
    sitekey = Sitekey(SITEKEY, secrets=["e2e-interaction-secret-0123456789"])
    with serve_gate(difficulty=8, sitekeys=[sitekey]) as running:
        yield running


@contextmanager
def button_page(browser: Browser, gate: Gate, locale: str = "en-US") -> Iterator[Page]:
    """A fresh browser context on the interactive challenge, its button shown."""
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 800})
    context.set_default_timeout(15_000)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(gate.url("/interactive"))
        page.locator("#humangate-interaction-button").wait_for(state="visible")
        yield page
        assert errors == [], errors
    finally:
        context.close()


@contextmanager
def widget_frame(
    browser: Browser, gate: Gate, size: str, language: str = "en"
) -> Iterator[tuple[Page, Frame]]:
    """The widget's frame inside a host page, asked for the button: its first solve is
    answered "interaction_required" (a person's doubts would do the same)."""
    context = browser.new_context(viewport={"width": 420, "height": 240})
    context.set_default_timeout(15_000)
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    asked: list[bool] = []

    def first_solve(route: Route) -> None:
        if asked:
            route.continue_()
            return
        asked.append(True)
        route.fulfill(json={"ok": False, "reason": "interaction_required"}, status=403)

    page.route(WIDGET_SOLVE, first_solve)
    query = {"k": SITEKEY, "o": gate.base_url, "w": "cf-chl-widget-e2e", "s": size, "l": language}
    frame_url = gate.url(f"/.humangate/turnstile/v0/frame?{urlencode(query)}")
    # A host page on the gate's origin: the frame is what a site embeds (its CSP allows
    # any ancestor when the sitekey names no host).
    width, height = (150, 140) if size == "compact" else (300, 65)
    host = (
        f'<!DOCTYPE html><html lang="{language}"><title>Host</title><body>'
        f'<iframe title="Widget" src="{frame_url}" width="{width}" height="{height}"></iframe>'
        "</body></html>"
    )
    page.route(gate.url("/host"), lambda route: route.fulfill(content_type="text/html", body=host))
    try:
        page.goto(gate.url("/host"))
        frame = next(f for f in page.frames if "/turnstile/v0/frame" in f.url)
        frame.locator("#humangate-interaction-button").wait_for(state="visible")
        yield page, frame
        assert errors == [], errors
    finally:
        context.close()


def _boxes(scope: Page | Frame) -> tuple[dict[str, float], dict[str, float]]:
    pad = scope.locator("#humangate-interaction-pad").bounding_box()
    button = scope.locator("#humangate-interaction-button").bounding_box()
    assert pad is not None
    assert button is not None
    return dict(pad), dict(button)


def _layout(scope: Page | Frame, *path: str) -> ButtonLayout:
    data = json.loads(scope.locator("#humangate-challenge").text_content() or "{}")
    for key in path:
        data = data[key]
    params = data["step_params"]["interaction"]
    pad = next(p for p in PADS.values() if (p.height, p.width) == (params["pad"], params["pad_w"]))
    return ButtonLayout(params["left"], params["top"], params["width"], params["height"], pad)


def _judged(page: Page, url: str, layout: ButtonLayout, act: Act) -> dict[str, str]:
    """The server's verdicts on the evidence the page posted when ``act`` ran."""
    with page.expect_request(url) as request:
        act()
    body: dict[str, Any] = request.value.post_data_json
    evidence = parse_evidence(body["steps"]["interaction"])
    assert evidence is not None, body["steps"]
    return {name: verdict.value for name, verdict in judge(evidence, layout).items()}


def _mouse_click(page: Page, button: dict[str, float], seed: int) -> Act:
    spot = random.Random(seed)
    x = button["x"] + spot.uniform(2, button["width"] - 2)
    y = button["y"] + spot.uniform(2, button["height"] - 2)

    def click() -> None:
        page.mouse.move(x - 40, y + 30)
        page.mouse.move(x, y, steps=5)
        page.mouse.down()
        page.wait_for_timeout(90)
        page.mouse.up()

    return click


def test_the_button_moves_from_ticket_to_ticket(browser: Browser, easy_gate: Gate) -> None:
    seen = set()
    for _ in range(3):
        with button_page(browser, easy_gate) as page:
            pad, button = _boxes(page)
            seen.add((round(button["x"] - pad["x"]), round(button["y"] - pad["y"])))
            assert button["height"] >= 44  # a comfortable target
    assert len(seen) >= 2, seen


def test_a_pointer_click_anywhere_on_the_button_passes(browser: Browser, easy_gate: Gate) -> None:
    with button_page(browser, easy_gate) as page:
        _, button = _boxes(page)
        verdicts = _judged(page, SOLVE, _layout(page), _mouse_click(page, button, 7))
        assert all(verdicts[name] == "pass" for name in HARD), verdicts
        assert verdicts["interaction_source"] == "pass"  # a pointer caused it


@pytest.mark.parametrize("key", ["Enter", "Space"])
def test_the_keyboard_passes(browser: Browser, easy_gate: Gate, key: str) -> None:
    with button_page(browser, easy_gate) as page:
        page.wait_for_timeout(150)  # a person reads the prompt first
        act = lambda: page.keyboard.press(key, delay=60)  # noqa: E731
        verdicts = _judged(page, SOLVE, _layout(page), act)
        assert all(verdicts[name] == "pass" for name in HARD), (key, verdicts)
        assert verdicts["interaction_source"] == "pass"  # the key caused it


def test_a_page_scripts_click_is_refused(browser: Browser, easy_gate: Gate) -> None:
    with button_page(browser, easy_gate) as page:
        script = "() => document.getElementById('humangate-interaction-button').click()"
        verdicts = _judged(page, SOLVE, _layout(page), lambda: page.evaluate(script))
        assert verdicts["interaction"] == "fail", verdicts


def test_a_click_beside_the_button_is_not_on_it(browser: Browser, easy_gate: Gate) -> None:
    """A clicker aiming where an earlier ticket's button was: the pad takes the click,
    the button does not, and nothing is posted until the button itself is activated."""
    with button_page(browser, easy_gate) as page:
        pad, button = _boxes(page)
        beside_x = (
            button["x"] - 6 if button["x"] - pad["x"] > 8 else button["x"] + button["width"] + 6
        )
        page.mouse.click(beside_x, button["y"] + button["height"] / 2)
        page.wait_for_timeout(300)
        assert page.locator("#humangate-interaction-button").is_visible()


@pytest.mark.parametrize("size", ["normal", "compact"])
def test_the_widget_places_its_button_inside_its_frame(
    browser: Browser, easy_gate: Gate, size: str
) -> None:
    with widget_frame(browser, easy_gate, size) as (page, frame):
        layout = _layout(frame, "challenge")
        pad, button = _boxes(frame)
        widget = frame.locator("#humangate-widget").bounding_box()
        assert widget is not None
        # The pad is the server's fixed box, inside the widget's own 300x65 (150x140).
        assert (round(pad["width"]), round(pad["height"])) == (layout.pad.width, layout.pad.height)
        for box in (pad, button):
            assert widget["x"] <= box["x"]
            assert box["x"] + box["width"] <= widget["x"] + widget["width"]
            assert widget["y"] <= box["y"]
            assert box["y"] + box["height"] <= widget["y"] + widget["height"]
        page.screenshot(path=str(ARTIFACTS / f"interaction-widget-{size}.png"))
        verdicts = _judged(page, WIDGET_SOLVE, layout, _mouse_click(page, button, 11))
        assert all(verdicts[name] == "pass" for name in HARD), verdicts
        assert verdicts["interaction_source"] == "pass"


def test_the_widget_button_works_from_the_keyboard(browser: Browser, easy_gate: Gate) -> None:
    """The frame does not take the focus (it sits in someone's form): a keyboard user
    tabs to the button and presses Space."""
    with widget_frame(browser, easy_gate, "normal") as (page, frame):
        layout = _layout(frame, "challenge")
        frame.locator("#humangate-interaction-button").focus()
        page.wait_for_timeout(150)
        verdicts = _judged(page, WIDGET_SOLVE, layout, lambda: page.keyboard.press("Space"))
        assert all(verdicts[name] == "pass" for name in HARD), verdicts


@pytest.mark.parametrize(
    ("size", "language"),
    [("normal", "fr"), ("compact", "fr"), ("compact", "pl"), ("compact", "de"), ("normal", "ar")],
)
def test_long_labels_fit_the_widget_button(
    browser: Browser, easy_gate: Gate, size: str, language: str
) -> None:
    """The longest label ("Je suis une personne") on the narrowest button the server
    may place: it wraps inside the button, never past it."""
    pad = PADS[widget_surface(size)]
    with widget_frame(browser, easy_gate, size, language) as (page, frame):
        button = frame.locator("#humangate-interaction-button")
        # The layout is random per ticket: put the button at its smallest, as the page's
        # own script would for the ticket that drew the lower end of both ranges.
        button.evaluate(
            "(b, [w, h]) => { b.style.width = `${w / 10}%`; b.style.height = `${h}px`; }",
            [pad.button_width[0], pad.button_height[0]],
        )
        fits = button.evaluate(
            "b => b.scrollHeight <= b.clientHeight && b.scrollWidth <= b.clientWidth"
        )
        page.screenshot(path=str(ARTIFACTS / f"interaction-widget-{size}-{language}.png"))
        assert fits, button.text_content()
