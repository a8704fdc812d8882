"""JavaScript Detections in real browsers, under a strict CSP (docs/js-detections.md).

A headed Chromium and Firefox (plain processes under Xvfb, no automation) open the
Django and FastAPI example apps' ``/jsd/page``. The gate injects its script; the page
polls the app for ``js_detection.passed`` and opens ``/jsd/check`` once it is true. The
example rule challenges ``/jsd/check`` without a passing result, so a ``200`` there with
no ``403`` before it shows, from the server side, that the detection passed. The pages'
CSP reports every violation to ``/csp-report`` (recorded as hits): none may come from
the detection pages; the last page breaks its own policy on purpose, proving reports
arrive. Playwright's headless Chromium runs the same script and gets ``false``: the
rule then challenges it, and only it.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import sync_playwright

from e2e.detect_support import FIREFOX, FIREFOX_PREFS
from e2e.harness import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    AppServer,
    Display,
    launch,
    retire,
    server_command,
    stop_group,
    wait_until,
)

App = Literal["django", "fastapi"]
_APPS: dict[str, tuple[Literal["wsgi", "asgi"], str]] = {
    "django": ("wsgi", "integrations.django_app.wsgi:application"),
    "fastapi": ("asgi", "integrations.fastapi_app.app:application"),
}
JSD_ENV = {"HUMANGATE_EXAMPLE_JSD": "1", "HUMANGATE_DEFAULT_ACTION": "allow"}


@pytest.fixture
def serve(tmp_path: Path, artifacts: Path) -> Iterator[Callable[[App], AppServer]]:
    started: list[AppServer] = []

    def start(app: App) -> AppServer:
        kind, target = _APPS[app]
        server = launch(
            kind,
            tmp_path / app,
            lambda port: server_command(kind, port, target, workers=1),
            extra_env=JSD_ENV,
        )
        started.append(server)
        return server

    yield start
    retire(started, artifacts)


@contextlib.contextmanager
def person(engine: str, url: str, display: Display, log: Path) -> Iterator[None]:
    """A browser as a person starts it, on a fresh profile."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"hg-jsd-{engine}-"))
    env = {**os.environ, "DISPLAY": display.name, "MOZ_CRASHREPORTER_DISABLE": "1"}
    if engine == "firefox":
        prefs = "".join(f'user_pref("{k}", {json.dumps(v)});\n' for k, v in FIREFOX_PREFS.items())
        (data_dir / "user.js").write_text(prefs)
        argv = [FIREFOX, "--no-remote", "--profile", str(data_dir), url]
    else:
        argv = [
            CHROMIUM,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={data_dir}",
            "--window-size=1280,900",
            url,
        ]
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield
    finally:
        stop_group(process)
        shutil.rmtree(data_dir, ignore_errors=True)


def summary(server: AppServer) -> list[str]:
    return [f"{e.method} {e.target} {e.status}" for e in server.access_log()] + server.hits()


def reports(server: AppServer) -> list[str]:
    return [hit for hit in server.hits() if hit.startswith("CSP-REPORT")]


@pytest.mark.browser
@pytest.mark.parametrize("engine", ["chromium", "firefox"])
@pytest.mark.parametrize("app", ["django", "fastapi"])
def test_a_person_passes_silently_under_a_strict_csp(
    app: App, engine: str, serve: Callable[[App], AppServer], xvfb: Display, artifacts: Path
) -> None:
    server = serve(app)
    with person(engine, server.url("/jsd/page"), xvfb, artifacts / f"{engine}.log"):
        reached = server.wait_for_hit("/jsd/check", timeout=60)
        # The control page's own violation: proof that reports reach the server.
        wait_until(lambda: any("/jsd/control" in r for r in reports(server)), 20, 0.3)
    assert reached, f"js_detection.passed never became true: {summary(server)}"
    log = server.access_log()
    assert [e.status for e in log if e.target == "/jsd/check"] == [200], summary(server)
    assert any(e.target == "/.humangate/jsd" and e.status == 200 for e in log), summary(server)
    assert server.server_errors() == [], summary(server)
    ours = [r for r in reports(server) if "/jsd/control" not in r]
    assert ours == [], f"CSP violations on the detection pages: {ours}"
    assert any("/jsd/control" in r for r in reports(server)), (
        f"no CSP report arrived at all, so the check above proves nothing: {summary(server)}"
    )


@pytest.mark.browser
@pytest.mark.parametrize("app", ["django", "fastapi"])
def test_headless_playwright_gets_false_and_only_it_is_challenged(
    app: App, serve: Callable[[App], AppServer]
) -> None:
    server = serve(app)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        try:
            page = browser.new_page()
            page.goto(server.url("/jsd/page"))
            # Its detection runs and is recorded (as failed): wait for the post.
            posted = wait_until(
                lambda: any(e.target == "/.humangate/jsd" for e in server.access_log()), 30, 0.3
            )
            time.sleep(1.5)  # a poll or two more: it must not move on to /jsd/check
            status = json.loads(page.evaluate("fetch('/jsd/status').then(r => r.text())"))
            checked = page.goto(server.url("/jsd/check"))
        finally:
            browser.close()
    assert posted, summary(server)
    assert status == {"passed": False}
    assert checked is not None
    assert checked.status == 403, summary(server)
    assert checked.headers.get("cf-mitigated") == "challenge"
    assert "/jsd/check" not in server.hits()
