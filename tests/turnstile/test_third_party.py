"""A maintained third-party Turnstile integration from PyPI, unchanged, against humangate:
django-turnstile with only TURNSTILE_JS_API_URL and TURNSTILE_VERIFY_URL pointed here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from wsgiref.simple_server import WSGIRequestHandler, make_server

import pytest

from humangate.wsgi import HumanGate
from tests.support import WSGIClient
from tests.turnstile.support import PREFIX, SITEKEY, WIDGET_SECRET, gate, widget_token


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
