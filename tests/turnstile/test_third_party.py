"""Third-party Turnstile integrations, unchanged, against humangate: django-turnstile
from PyPI (its markup, script URL and siteverify call) with only TURNSTILE_JS_API_URL and
TURNSTILE_VERIFY_URL pointed here, and cf-turnstile from npm (a Node siteverify client
that parses the answer and checks hostname and action) with only its apiUrl."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from humangate.wsgi import HumanGate
from tests.support import WSGIClient
from tests.turnstile.support import (
    SITEKEY,
    WIDGET_SECRET,
    gate,
    run_child,
    serve_http,
    widget_token,
)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def served() -> Iterator[tuple[HumanGate, str]]:
    app = gate()
    with serve_http(app) as base:
        yield app, base


def test_django_turnstile_works_unchanged(served: tuple[HumanGate, str]) -> None:
    app, base = served
    token = widget_token(WSGIClient(app, ip="127.0.0.1"))
    env = {
        "API_JS_URL": f"{base}api.js",
        "SITEVERIFY_URL": f"{base}siteverify",
        "SITEKEY": SITEKEY,
        "SECRET": WIDGET_SECRET,
        "TOKEN": token,
    }
    seen = run_child(["tests.turnstile.django_turnstile_client"], env)
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
        "NODE_PATH": str(REPO / "js" / "node_modules"),
        "SITEVERIFY_URL": f"{base}siteverify",
        "SECRET": WIDGET_SECRET,
        "TOKEN": token,
        "OTHER_TOKEN": other,
    }
    script = REPO / "tests" / "turnstile" / "cf_turnstile_client.cjs"
    seen = run_child(["node", str(script)], env)
    assert seen["first"]["success"] is True
    assert (seen["first"]["hostname"], seen["first"]["action"]) == ("testserver", "login")
    assert seen["first"]["timestamp"]  # it parsed challenge_ts as a date
    assert seen["second"] == {**seen["second"], "success": False}
    assert seen["second"]["errors"] == ["timeout-or-duplicate"]
    # Its own action check, on humangate's answer: the token was solved for "login".
    assert seen["wrongAction"]["success"] is False
    assert seen["wrongAction"]["errors"] == ["cfts-action-mismatch"]
