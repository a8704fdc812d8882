"""CSRF through the held-POST replay, in a real browser: a page on another site (and one
on a sibling origin of the same site) auto-submits a form to a gated route of a visitor
without a clearance. The gate must not hold it, so the app never receives it — not
first-hand, and not replayed from the gated origin as a same-origin POST.

Plain headed Chromium under Xvfb. The control — the site's own form arriving once after
the check — is test_frameworks.py::test_challenged_form_post_reaches_the_app_once.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from e2e.conftest import OpenChromium
from e2e.harness import AppServer, free_port, retire, stop_group, wait_until
from e2e.test_frameworks import start_framework_app, summary

ATTACK = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Win a prize</title></head><body>
<form id="f" method="post" action="{action}">
<input name="name" value="Mallory"><input name="message" value="transfer everything">
</form>
<script>document.getElementById("f").submit();</script>
</body></html>
"""


@pytest.fixture
def flask_app(tmp_path: Path, artifacts: Path) -> Iterator[AppServer]:
    server = start_framework_app("flask", tmp_path / "flask")
    yield server
    retire([server], artifacts)


def serve_attack_page(folder: Path, action: str) -> tuple[subprocess.Popen[bytes], int]:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "attack.html").write_text(ATTACK.format(action=action))
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def answers() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/attack.html", timeout=1).is_success
        except httpx.TransportError:
            return False

    if not wait_until(answers, 15):
        stop_group(process)
        raise RuntimeError("the attack page server did not start")
    return process, port


@pytest.mark.browser
@pytest.mark.parametrize(
    "attacker_host",
    ["localhost", "127.0.0.1"],  # another site; the same site on another port (origin)
    ids=["cross-site", "same-site"],
)
def test_a_form_another_page_submits_never_reaches_the_app(
    attacker_host: str,
    flask_app: AppServer,
    open_chromium: OpenChromium,
    tmp_path: Path,
) -> None:
    process, port = serve_attack_page(tmp_path / "attacker", flask_app.url("/contact"))
    try:
        with open_chromium(f"http://{attacker_host}:{port}/attack.html"):

            def answered() -> bool:
                log = flask_app.access_log()
                posted = any(e.target == "/contact" and e.method == "POST" for e in log)
                checked = any(e.target == "/.humangate/solve" and e.status == 200 for e in log)
                return posted and checked

            # The browser reached the gate and ran the in-place check the page offers.
            assert wait_until(answered, 40), f"no POST or check: {summary(flask_app)}"
            # Give a replay, were one attempted, time to arrive.
            wait_until(lambda: any("Mallory" in hit for hit in flask_app.hits()), 5)
    finally:
        stop_group(process)
    assert not [hit for hit in flask_app.hits() if "Mallory" in hit], summary(flask_app)
    log = flask_app.access_log()
    # One POST, refused; nothing was held, so the page the gate showed sends nothing back.
    posts = [e.status for e in log if e.target == "/contact" and e.method == "POST"]
    assert posts == [403], f"nothing was held, so nothing is replayed: {summary(flask_app)}"
    assert flask_app.server_errors() == [], summary(flask_app)
