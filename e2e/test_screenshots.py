"""Screenshots of the challenge page for people to look at (artifacts, not pixel tests).

Desktop and phone widths, light and dark colour schemes. The difficulty is high so the
page is caught mid-work rather than after it has solved and moved on.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from e2e.conftest import ServeApp
from e2e.harness import ARTIFACTS

TARGET = "/protected/page?x=1"
VIEWPORTS = {"desktop": (1280, 800), "phone": (360, 740)}


@pytest.mark.browser
def test_challenge_page_screenshots(serve_app: ServeApp, browser: Browser) -> None:
    server = serve_app("asgi", difficulty=30)
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    for name, (width, height) in VIEWPORTS.items():
        for scheme in ("light", "dark"):
            context = browser.new_context(
                viewport={"width": width, "height": height}, color_scheme=scheme
            )
            page = context.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            response = page.goto(server.url(TARGET))
            assert response is not None
            assert response.status == 403
            page.wait_for_timeout(1500)  # let the progress indicator start moving
            page.screenshot(path=str(folder / f"challenge-{name}-{scheme}.png"), full_page=True)
            context.close()
    # The site's favicon is never challenged (the page shows it); nothing else got through.
    assert [hit for hit in server.hits() if hit != "/favicon.ico"] == []
    # A 403 document makes Chromium log one "Failed to load resource" line; nothing else.
    unexpected = [e for e in errors if "status of 403" not in e]
    assert unexpected == [], unexpected
