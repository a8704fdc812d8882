"""``humangate demo``: the landing page shows the product, and each route does what the
page says; ``make demo`` installs only what the demo needs."""

from __future__ import annotations

import json
import re

from humangate.demo import demo_app, demo_config
from humangate.http.assets import hashed_name
from humangate.testing import clearance_cookie
from humangate.wsgi import HumanGate
from tests.conftest import BROWSER_UA
from tests.docs_snippets import ROOT
from tests.support import WSGIClient, challenge_data

BROWSER = {"user-agent": BROWSER_UA, "accept": "text/html"}


def client(level: str | None = "managed") -> WSGIClient:
    gate = HumanGate(demo_app, demo_config(difficulty=4))
    browser = WSGIClient(gate, ip="127.0.0.1")
    if level is not None:
        name, value = clearance_cookie(
            gate.config, ip="127.0.0.1", user_agent=BROWSER_UA, level=level
        )
        browser.cookies[name] = value
    return browser


def test_landing_page_links_the_tour() -> None:
    page = client().request("GET", "/", headers=BROWSER)
    assert page.status == 200
    links = set(re.findall(rb'href="([^"]+)"', page.body))
    assert {
        b"/rules",
        b"/interactive",
        b"/spa",
        b"/.humangate/dashboard",
        b"/.humangate/metrics",
    } <= links


def test_rules_page_is_open_through_a_skip_rule() -> None:
    page = client(level=None).request("GET", "/rules", headers=BROWSER)
    assert page.status == 200
    assert b"skip" in page.body


def test_interactive_route_asks_for_an_interactive_clearance() -> None:
    page = client().request("GET", "/interactive", headers=BROWSER)
    assert page.status == 403
    assert challenge_data(page.body)["level"] == "interactive"


def test_api_route_answers_json_and_the_page_loads_the_spa_helper() -> None:
    browser = client()
    spa = browser.request("GET", "/spa", headers=BROWSER)
    assert f"/.humangate/static/{hashed_name('spa.js')}".encode() in spa.body
    problem = browser.request(
        "GET", "/api/status", headers={"accept": "application/json"}, html=False
    )
    assert problem.status == 403 and problem.header("cf-mitigated") == "challenge"
    cleared = client(level="interactive").request(
        "GET", "/api/status", headers={"user-agent": BROWSER_UA}
    )
    assert json.loads(cleared.body)["status"] == "ok"


def test_dashboard_and_metrics_open_to_this_machine() -> None:
    browser = client()
    assert browser.request("GET", "/.humangate/dashboard", headers=BROWSER).status == 200
    assert browser.request("GET", "/.humangate/metrics").status == 200
    outsider = WSGIClient(browser.app, ip="192.0.2.9")
    assert outsider.request("GET", "/.humangate/dashboard").status == 404


def test_make_demo_installs_only_the_demo_extra() -> None:
    makefile = (ROOT / "Makefile").read_text()
    recipe = makefile.split("$(DEMO): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert "pip install" in recipe
    assert "'.[metrics]'" in recipe and "dev" not in recipe
    assert re.search(r"^demo: \$\(DEMO\)$", makefile, flags=re.MULTILINE)
