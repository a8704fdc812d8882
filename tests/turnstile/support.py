"""Helpers for the widget tests: a configured gate, and a 'browser' that solves a frame."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode
from wsgiref.simple_server import WSGIRequestHandler, make_server

from humangate import Config
from humangate.probes.oracle import solution_body
from humangate.signals import passing_signals
from humangate.turnstile import Sitekey
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import TEST_SECRETS, Result, WSGIClient, challenge_data

SITEKEY = "0x4AAAAAAAhumangateTest"
WIDGET_SECRET = "0x4AAAAAAAwidget-secret-0123456789abcdef"
OLD_WIDGET_SECRET = "0x4AAAAAAAwidget-secret-older-0123456789"
OTHER_SITEKEY = "0x4AAAAAAAotherSitekey"
OTHER_SECRET = "0x4AAAAAAAother-secret-0123456789abcdef"
PREFIX = "/.humangate/turnstile/v0/"


def app(environ: Any, start_response: Any) -> list[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def widget_config(**sitekey: Any) -> Config:
    fields: dict[str, Any] = {
        "sitekey": SITEKEY,
        "secrets": [WIDGET_SECRET, OLD_WIDGET_SECRET],
        "hostnames": ["testserver"],
        **sitekey,
    }
    return Config(
        secret_keys=[SECRET],
        store="memory://",
        difficulty=8,
        default_action="allow",
        sitekeys=[
            Sitekey(**fields),
            Sitekey(OTHER_SITEKEY, [OTHER_SECRET], hostnames=["testserver"]),
        ],
    )


def gate(config: Config | None = None) -> HumanGate:
    return HumanGate(app, config or widget_config())


def frame(
    client: WSGIClient, sitekey: str = SITEKEY, origin: str = "http://testserver", **params: str
) -> tuple[Result, dict[str, Any]]:
    query = urlencode({"k": sitekey, "o": origin, "w": "cf-chl-widget-1", **params})
    page = client.request("GET", f"{PREFIX}frame", query=query)
    return page, challenge_data(page.body)


def solve_frame(
    client: WSGIClient, data: dict[str, Any], *, webdriver: bool = False, **overrides: Any
) -> Result:
    challenge = data["challenge"]
    # Every field is signed under the probe key, like the frame's own post.
    body = solution_body(
        TEST_SECRETS,
        challenge,
        signals=passing_signals(webdriver=webdriver),
        extra={"context": challenge["context"], **overrides},
        # A person's click on the frame's button where the sitekey's level asks for one.
        interaction="mouse" if "interaction" in challenge["steps"] else None,
    )
    return client.request(
        "POST",
        challenge["solve_url"],
        body=body,
        headers={"content-type": "application/json"},
        html=False,
    )


def widget_token(client: WSGIClient, sitekey: str = SITEKEY, **params: str) -> str:
    """A token as a browser gets it: load the frame, solve, read the answer."""
    _, data = frame(client, sitekey, **params)
    answer = solve_frame(client, data)
    assert answer.status == 200, answer.body
    token: str = answer.json()["token"]
    return token


def siteverify(
    client: WSGIClient, fields: dict[str, str], *, as_json: bool = False
) -> dict[str, Any]:
    body = json.dumps(fields).encode() if as_json else urlencode(fields).encode()
    kind = "application/json" if as_json else "application/x-www-form-urlencoded"
    answer = client.request(
        "POST", f"{PREFIX}siteverify", body=body, headers={"content-type": kind}, html=False
    )
    assert answer.status == 200
    assert answer.header("content-type") == "application/json"
    data: dict[str, Any] = answer.json()
    return data


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def serve_http(app: HumanGate) -> Iterator[str]:
    """``app`` over real HTTP on a free port; yields the widget's base URL."""
    server = make_server("127.0.0.1", 0, app, handler_class=_Quiet)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}{PREFIX}"
    finally:
        server.shutdown()
        server.server_close()


def run_child(command: list[str], env: dict[str, str]) -> Any:
    """Run a child (a module under test in its own interpreter); its stdout's JSON."""
    environment = {**os.environ, **env}
    environment.pop("DJANGO_SETTINGS_MODULE", None)
    done = subprocess.run(
        [sys.executable, "-m", *command] if command[0] != "node" else command,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)
