"""The store is down while a real browser solves: the page says the site has a
temporary problem, and never sends the visitor to fix their browser or VPN."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from playwright.sync_api import Browser, Route

from e2e.harness import ARTIFACTS
from e2e.pages_harness import SECRET, serve_gate, status_text, wait_true
from humangate import Rule
from humangate.i18n import catalog
from humangate.probes.oracle import solution_body
from humangate.signals import passing_signals
from tests.conftest import BROWSER_UA

DIFFICULTY = 4


def _human_signals(route: Route) -> None:
    # Headless Chromium reports automation (navigator.webdriver). This test is about what
    # the page does with the server's real answer, so the solve carries a person's signals
    # (signed again under the ticket's probe key, which the test knows from the secret).
    posted = json.loads(route.request.post_data or "{}")
    body = solution_body(
        [SECRET], {"ticket": posted["ticket"], "difficulty": DIFFICULTY}, signals=passing_signals()
    )
    route.fulfill(response=route.fetch(post_data=body))


def test_store_down_during_solve(browser: Browser, tmp_path: Path) -> None:
    path = tmp_path / "gate.db"
    # A JS challenge: the rebuilt body carries no click, and headless Chromium's headers
    # are doubts that would make a managed challenge ask for one before any spend.
    with serve_gate(
        store=f"sqlite:///{path}?timeout=0.1",
        analytics=False,
        difficulty=DIFFICULTY,
        rules=[Rule('http.request.uri.path eq "/protected/page"', "js_challenge")],
    ) as gate:
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")  # the store cannot record the spend
        context = browser.new_context(locale="en-US", user_agent=BROWSER_UA)
        try:
            page = context.new_page()
            # Two failures on record: one more visitor-side failure would show the help.
            page.add_init_script(
                "sessionStorage.setItem('humangate:failures:' + location.pathname, '2');"
            )
            page.route("**/.humangate/solve", _human_signals)
            page.goto(gate.url("/protected/page"))
            expected = catalog("en")["failure_site_unavailable"]
            wait_true(
                page,
                "t => document.getElementById('humangate-status').textContent === t",
                expected,
            )
            assert status_text(page) == expected
            assert not page.locator("#humangate-troubleshooting").is_visible()
            shots = ARTIFACTS / "screenshots" / "pages"
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "site-unavailable-en.png"), full_page=True)
        finally:
            context.close()
            holder.execute("ROLLBACK")
            holder.close()
