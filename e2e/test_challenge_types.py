"""Real browsers pass all three challenge types: a false-positive rate of zero.

Chromium and Firefox ESR run headed under Xvfb as plain processes with fresh profiles
(no Playwright, no automation flags, no DevTools). The interactive challenge is passed
with real keyboard input through xdotool. Each browser makes RUNS_PER_TYPE runs per type
(21 per browser) against one server per type; success is read server-side.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen

import pytest

from e2e.detect_support import (
    ACTIONS,
    Row,
    fired,
    plain_firefox,
    press_button,
    record_rows,
    solve_records,
    start_server,
)
from e2e.harness import ARTIFACTS, AppServer, Display, plain_chromium, stop_group

RUNS_PER_TYPE = 7
VISIT_TIMEOUT = 30.0
Opener = Callable[[str, Display, Path], AbstractContextManager[Popen[bytes]]]
BROWSERS: dict[str, Opener] = {"chromium": plain_chromium, "firefox-esr": plain_firefox}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, AppServer]]:
    root = tmp_path_factory.mktemp("types")
    started = {action: start_server(root / action, action) for action in ACTIONS}
    yield started
    for server in started.values():
        stop_group(server.process)


def visit(open_browser: Opener, server: AppServer, display: Display, target: str,
          log: Path, interactive: bool) -> bool:  # fmt: skip
    """One person's visit with a fresh profile; True when ``target`` reached the app."""
    with open_browser(server.url(target), display, log) as browser:
        if not interactive:
            return server.wait_for_hit(target, VISIT_TIMEOUT)
        deadline = time.monotonic() + VISIT_TIMEOUT
        while time.monotonic() < deadline:
            # The page focuses its button once the proof-of-work is done; Space on it is
            # what a keyboard user does. Presses before that only scroll the page.
            press_button(display, browser.pid, timeout=5)
            if server.wait_for_hit(target, 2.0):
                return True
        return False


@pytest.mark.browser
@pytest.mark.parametrize("browser", sorted(BROWSERS))
def test_real_browser_passes_every_type(
    browser: str, servers: dict[str, AppServer], xvfb: Display, artifacts: Path
) -> None:
    rows: list[Row] = []
    failures: list[str] = []
    for action, server in servers.items():
        before = len(solve_records(server))
        reached = 0
        for run in range(RUNS_PER_TYPE):
            target = f"/fp/{browser}/{run}?type={action}"
            log = artifacts / f"{browser}.log"
            if visit(BROWSERS[browser], server, xvfb, target, log, action == "challenge"):
                reached += 1
            else:
                failures.append(target)
        records = solve_records(server)[before:]
        rows.append(Row(browser, action, RUNS_PER_TYPE, reached, fired(records)))
        hard = [r for r in records if r.hard]
        assert not hard, f"{browser} tripped hard signals on {action}: {hard}"
        assert server.server_errors() == []
    record_rows(ARTIFACTS, f"real-{browser}", rows)
    runs = RUNS_PER_TYPE * len(servers)
    assert not failures, f"false positives for {browser}: {len(failures)}/{runs}: {failures}"
