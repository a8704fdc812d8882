"""Fixtures for the browser suite: one Xvfb per session, app servers and browsers per test.

Each test gets ``e2e/artifacts/<test name>/`` holding the server log (access lines show
what the gate answered), the hits file (what reached the app) and the browser log.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from subprocess import Popen

import pytest
from playwright.sync_api import Browser, sync_playwright

from e2e.harness import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_FLAGS,
    AppServer,
    Display,
    Kind,
    plain_chromium,
    retire,
    start_app,
    start_xvfb,
    stop_group,
)
from e2e.pages_harness import CUSTOM_TEMPLATE, Gate, serve_gate

ServeApp = Callable[..., AppServer]
OpenChromium = Callable[[str], AbstractContextManager[Popen[bytes]]]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything in e2e/ drives a browser or a live server: mark it so `-m "not browser"`
    # deselects the whole suite in one go.
    for item in items:
        if "e2e" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def xvfb() -> Iterator[Display]:
    """A virtual X display for the whole session; DISPLAY points at it for child processes."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    display = start_xvfb(ARTIFACTS / "xvfb.log")
    previous = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = display.name
    try:
        yield display
    finally:
        if previous is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = previous
        stop_group(display.process)


@pytest.fixture
def artifacts(request: pytest.FixtureRequest) -> Path:
    """This test's artifact folder, emptied first so it shows only the last run."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    folder = ARTIFACTS / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


@pytest.fixture
def serve_app(tmp_path: Path, artifacts: Path) -> Iterator[ServeApp]:
    """Factory: ``serve_app("wsgi" | "asgi", difficulty=16)`` -> a started AppServer.

    Servers are stopped (whole process group) at teardown and their log and hits file
    copied into the artifacts folder.
    """
    started: list[AppServer] = []

    def serve(kind: Kind, **options: object) -> AppServer:
        server = start_app(kind, tmp_path / f"{kind}-{len(started)}", **options)  # type: ignore[arg-type]
        started.append(server)
        return server

    yield serve
    retire(started, artifacts)


@pytest.fixture
def open_chromium(xvfb: Display, artifacts: Path) -> OpenChromium:
    """Factory: ``with open_chromium(url): ...`` runs a plain headed Chromium at ``url``."""

    def open_(url: str) -> AbstractContextManager[Popen[bytes]]:
        return plain_chromium(url, xvfb, artifacts / "chromium.log")

    return open_


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Playwright's headless Chromium (Debian's binary), for tests that look at pages
    rather than at detection: one per test module."""
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def gate() -> Iterator[Gate]:
    """The in-process gate that serves every challenge page state (e2e/pages_harness.py)."""
    with serve_gate() as running:
        yield running


@pytest.fixture(scope="module")
def custom_gate() -> Iterator[Gate]:
    """The same, with an owner's custom challenge template."""
    with serve_gate(challenge_template=CUSTOM_TEMPLATE) as running:
        yield running
