"""axe-core (the npm package in js/node_modules) finds no accessibility violation on any
state of the challenge, block and rate-limit pages, in English, Arabic and Japanese, in
light and dark colour schemes, at desktop and phone widths."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from e2e.harness import REPO
from e2e.pages_harness import STATES, Gate, open_state

AXE = REPO / "js" / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.1 A and AA plus axe's best practices (landmarks, heading order, ...).
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


@cache
def _axe_source() -> str:
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `npm ci --prefix js`")
    return AXE.read_text(encoding="utf-8")


def _violations(page: Page) -> list[str]:
    results: dict[str, Any] = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        f"{item['id']} ({item['impact']}): {item['help']} at "
        + ", ".join(str(node["target"]) for node in item["nodes"][:3])
        for item in results["violations"]
    ]


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("language", ["en", "ar", "ja"])
def test_no_axe_violations(
    browser: Browser, gate: Gate, custom_gate: Gate, state: str, language: str
) -> None:
    # axe is injected as an inline script, which the page's CSP refuses (as it should):
    # this context bypasses CSP; test_page_states.py covers the page under its real CSP.
    visit = open_state(browser, gate, state, language, bypass_csp=True, custom_gate=custom_gate)
    page = visit.page
    try:
        if state == "noscript":
            # JavaScript is off in this context, so axe cannot run in it: audit the same
            # document (as served) in a scripted context with scripts of the page removed.
            html = page.content()
            visit.close()
            visit = open_state(browser, gate, "block", language, bypass_csp=True)
            page = visit.page
            page.set_content(_without_scripts(html))
        page.add_script_tag(content=_axe_source())
        found: list[str] = []
        for width, height in ((1280, 800), (360, 740)):
            page.set_viewport_size({"width": width, "height": height})
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                found += [f"[{width}px {scheme}] {v}" for v in _violations(page)]
        assert found == [], "\n".join(found)
    finally:
        visit.close()


def _without_scripts(html: str) -> str:
    """The no-JavaScript rendering: noscript content shown, scripts gone."""
    html = re.sub(r"<script\b.*?</script>", "", html, flags=re.DOTALL)
    return html.replace("<noscript>", "").replace("</noscript>", "")


def test_axe_reports_a_planted_violation(browser: Browser) -> None:
    # Guards the guard: an image without alt text and an unlabeled button must be found,
    # or "0 violations" above would mean nothing.
    context = browser.new_context()
    page = context.new_page()
    try:
        page.set_content(
            '<!DOCTYPE html><html lang="en"><title>t</title><main>'
            '<img src="data:,"><button></button></main></html>'
        )
        page.add_script_tag(content=_axe_source())
        ids = {line.split(" ", 1)[0] for line in _violations(page)}
        assert {"image-alt", "button-name"} <= ids
    finally:
        context.close()
