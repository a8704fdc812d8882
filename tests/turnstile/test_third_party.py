"""Third-party Turnstile integrations, unchanged, against humangate: django-turnstile
from PyPI (its markup, script URL and siteverify call) with only TURNSTILE_JS_API_URL and
TURNSTILE_VERIFY_URL pointed here, and cf-turnstile from npm (a Node siteverify client
that parses the answer and checks hostname and action) with only its apiUrl."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from humangate.wsgi import HumanGate
from tests.support import WSGIClient
from tests.turnstile.support import PREFIX, SITEKEY, WIDGET_SECRET, gate, widget_token

REPO = Path(__file__).resolve().parents[2]


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served() -> Iterator[tuple[HumanGate, str]]:
    app = gate()
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{server.server_port}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()


def test_django_turnstile_works_unchanged(served: tuple[HumanGate, str]) -> None:
    app, base = served
    token = widget_token(WSGIClient(app, ip="127.0.0.1"))
    env = {
        **os.environ,
        "API_JS_URL": f"{base}api.js",
        "SITEVERIFY_URL": f"{base}siteverify",
        "SITEKEY": SITEKEY,
        "SECRET": WIDGET_SECRET,
        "TOKEN": token,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", "tests.turnstile.django_turnstile_client"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    # Its markup and script loading, pointed at humangate.
    assert f'src="{base}api.js"' in seen["html"]
    assert f'data-sitekey="{SITEKEY}"' in seen["html"]
    assert 'class="cf-turnstile"' in seen["html"]
    # Its siteverify call and parsing: the token passes once (it sends remoteip=None).
    assert seen["first"] is True
    assert seen["second"] is False
    assert seen["second_errors"] == ["Turnstile could not be verified."]


def test_cf_turnstile_from_npm_works_unchanged(served: tuple[HumanGate, str]) -> None:
    app, base = served
    browser = WSGIClient(app, ip="127.0.0.1")
    token, other = widget_token(browser, a="login"), widget_token(browser, a="login")
    env = {
        **os.environ,
        "NODE_PATH": str(REPO / "js" / "node_modules"),
        "SITEVERIFY_URL": f"{base}siteverify",
        "SECRET": WIDGET_SECRET,
        "TOKEN": token,
        "OTHER_TOKEN": other,
    }
    script = REPO / "tests" / "turnstile" / "cf_turnstile_client.cjs"
    done = subprocess.run(
        ["node", str(script)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout)
    assert seen["first"]["success"] is True
    assert (seen["first"]["hostname"], seen["first"]["action"]) == ("testserver", "login")
    assert seen["first"]["timestamp"]  # it parsed challenge_ts as a date
    assert seen["second"] == {**seen["second"], "success": False}
    assert seen["second"]["errors"] == ["timeout-or-duplicate"]
    # Its own action check, on humangate's answer: the token was solved for "login".
    assert seen["wrongAction"]["success"] is False
    assert seen["wrongAction"]["errors"] == ["cfts-action-mismatch"]
