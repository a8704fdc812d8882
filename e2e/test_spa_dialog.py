"""The SPA helper's challenge dialog (also what a held form shows): styled, its button
row below the challenge frame, nothing overlapping; screenshotted for people to look at.

Served by the demo site, whose /spa page calls its interactive-challenge API through
humangate.fetch; the page loads spa.js by its content-hashed name."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest
from playwright.sync_api import Browser

from e2e.harness import ARTIFACTS
from humangate.demo import demo_app, demo_config
from humangate.testing import clearance_cookie
from humangate.wsgi import HumanGate
from tests.conftest import BROWSER_UA


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def demo() -> Iterator[tuple[str, HumanGate]]:
    gate = HumanGate(demo_app, demo_config(difficulty=4))
    server = make_server("127.0.0.1", 0, gate, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", gate
    finally:
        server.shutdown()
        server.server_close()


def test_dialog_is_styled_and_its_button_does_not_overlap(
    browser: Browser, demo: tuple[str, HumanGate]
) -> None:
    url, gate = demo
    context = browser.new_context(user_agent=BROWSER_UA, viewport={"width": 1000, "height": 760})
    try:
        name, value = clearance_cookie(gate.config, ip="127.0.0.1", user_agent=BROWSER_UA)
        context.add_cookies([{"name": name, "value": value, "url": url}])
        page = context.new_page()
        page.goto(url + "/spa")
        page.click("#call")
        dialog = page.locator("dialog[open]")
        dialog.wait_for(state="visible")
        frame = dialog.locator("iframe")
        button = dialog.get_by_role("button", name="Cancel")
        page.frame_locator("dialog iframe").locator("#humangate-widget").wait_for()
        box, frame_box, button_box = (x.bounding_box() for x in (dialog, frame, button))
        assert box is not None
        assert frame_box is not None
        assert button_box is not None
        # The button sits below the frame, inside the dialog: no overlap, not clipped.
        assert button_box["y"] >= frame_box["y"] + frame_box["height"] - 0.5
        assert button_box["y"] + button_box["height"] <= box["y"] + box["height"] + 0.5
        assert button_box["x"] + button_box["width"] <= box["x"] + box["width"] + 0.5
        assert frame_box["height"] > 300  # the challenge has room
        radius = dialog.evaluate("d => getComputedStyle(d).borderRadius")
        assert radius == "12px"
        shots = ARTIFACTS / "screenshots" / "pages"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "spa-dialog.png"))
        button.click()
        dialog.wait_for(state="detached")
    finally:
        context.close()
