"""Automation must not reach the app through a managed or an interactive challenge.

Who is tried: Playwright Chromium headless and headed; Playwright with its automation
markers stripped (no --enable-automation, --disable-blink-features=AutomationControlled,
a normal Chrome user agent and a locale); Playwright + playwright-stealth (a published
stealth kit); and plain HTTP clients (curl, python-requests, httpx), one of which even
solves the proof-of-work. Browsers get every chance: they click the interaction button
when it shows. Results are read server-side (hits file, signal log) and written to
e2e/artifacts/detection.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest
import requests
from playwright.sync_api import Browser, Playwright, sync_playwright
from playwright_stealth import Stealth  # type: ignore[import-untyped]

from e2e.detect_support import Row, fired, record_rows, solve_records, start_server
from e2e.harness import ARTIFACTS, CHROMIUM, CHROMIUM_FLAGS, AppServer, Display, stop_group
from humangate import pow

TYPES = ("managed_challenge", "challenge")
WINDOW = 12.0  # a real browser passes in ~2 s at this difficulty (see test_challenge_types)
CHROME_UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
CHALLENGE_JSON = re.compile(
    rb'<script id="humangate-challenge" type="application/json">(.*?)</script>'
)
BROWSER_KINDS = (
    "playwright-headless",
    "playwright-headed",
    "playwright-stripped",
    "playwright-stealth",
)
HTTP_KINDS = ("curl", "python-requests", "httpx")


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, AppServer]]:
    root = tmp_path_factory.mktemp("detection")
    started = {action: start_server(root / action, action) for action in TYPES}
    yield started
    for server in started.values():
        stop_group(server.process)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


def _launch(playwright: Playwright, who: str) -> tuple[Browser, dict[str, object]]:
    args = list(CHROMIUM_FLAGS)
    ignore: list[str] = []
    context: dict[str, object] = {}
    if who == "playwright-stripped":
        args.append("--disable-blink-features=AutomationControlled")
        ignore.append("--enable-automation")
        context = {"user_agent": CHROME_UA, "locale": "en-US"}
    headless = who in ("playwright-headless", "playwright-stealth")
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM, headless=headless, args=args, ignore_default_args=ignore
    )
    return browser, context


def _drive(playwright: Playwright, who: str, url: str, server: AppServer, target: str) -> bool:
    browser, options = _launch(playwright, who)
    try:
        context = browser.new_context(**options)  # type: ignore[arg-type]
        if who == "playwright-stealth":
            Stealth().apply_stealth_sync(context)
        page = context.new_page()
        page.goto(url, wait_until="commit")
        deadline = time.monotonic() + WINDOW
        while time.monotonic() < deadline:
            if server.wait_for_hit(target, 1.0):
                return True
            button = page.locator("#humangate-interaction-button")
            try:
                if button.is_visible():
                    button.click(timeout=1000)  # a CDP mouse click, isTrusted true
            except Exception:
                pass
        return server.wait_for_hit(target, 0.5)
    finally:
        browser.close()


@pytest.mark.browser
@pytest.mark.parametrize("who", BROWSER_KINDS)
def test_automated_browsers_do_not_reach_the_app(
    who: str, servers: dict[str, AppServer], playwright: Playwright, xvfb: Display
) -> None:
    os.environ["DISPLAY"] = xvfb.name  # headed Playwright draws on the test display
    rows = []
    for action, server in servers.items():
        before = len(solve_records(server))
        target = f"/bot/{who}?type={action}"
        reached = _drive(playwright, who, server.url(target), server, target)
        records = solve_records(server)[before:]
        rows.append(Row(who, action, 1, int(reached), fired(records)))
        assert not reached, f"{who} reached the app through {action}"
        assert records, f"{who} never posted a solve"
        assert all(r.outcome != "passed" for r in records), records
    record_rows(ARTIFACTS, who, rows)


def _solve_without_a_browser(client: requests.Session, base: str, page: bytes) -> int:
    """What a scripted attacker can do: solve the proof-of-work, send no verdicts."""
    match = CHALLENGE_JSON.search(page)
    assert match is not None
    data = json.loads(match.group(1))
    body = {"ticket": data["ticket"], "nonce": pow.solve(data["seed"], data["difficulty"])}
    return client.post(base + data["solve_url"], json=body).status_code


@pytest.mark.browser
@pytest.mark.parametrize("who", HTTP_KINDS)
def test_http_clients_do_not_reach_the_app(who: str, servers: dict[str, AppServer]) -> None:
    rows = []
    for action, server in servers.items():
        before = len(solve_records(server))
        target = f"/bot/{who}?type={action}"
        if who == "curl":
            out = subprocess.run(
                ["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", server.url(target)],
                capture_output=True, text=True, check=False, timeout=10,
            )  # fmt: skip
            assert out.stdout == "403"
        elif who == "httpx":
            answer = httpx.get(server.url(target), headers={"user-agent": CHROME_UA}, timeout=5)
            assert answer.status_code == 403
            assert answer.headers["cf-mitigated"] == "challenge"
        else:
            session = requests.Session()
            session.headers.update({"user-agent": CHROME_UA, "accept": "text/html"})
            page = session.get(server.url(target), timeout=5)
            assert page.status_code == 403
            assert _solve_without_a_browser(session, server.base_url, page.content) == 403
            assert session.get(server.url(target), timeout=5).status_code == 403
        reached = server.wait_for_hit(target, 0.5)
        records = solve_records(server)[before:]
        if not records:
            note = "no JavaScript: challenge never solved"
        else:  # proof-of-work solved, no verdicts: every client check counts as failed
            assert all(r.outcome == "automated" for r in records), records
            hard = len(records[0].hard)
            note = f"PoW solved, no verdicts sent: refused as automated ({hard} hard)"
        rows.append(Row(who, action, 1, int(reached), note))
        assert not reached
    record_rows(ARTIFACTS, who, rows)
