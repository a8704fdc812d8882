"""The dashboard in a real browser, showing data the example app really produced.

Traffic: httpx clients with a browser User-Agent fetch challenge pages from the gunicorn
example app (2 workers sharing an SQLite store), solve some with humangate.pow.solve as a
browser would, send wrong answers for others, and hit a blocked path. Then headless
Chromium loads the dashboard (bearer token header) and must log no console errors.
"""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser

from e2e.conftest import ServeApp
from e2e.harness import ARTIFACTS, SECRET, AppServer, wait_until
from humangate import pow
from humangate.probes.oracle import known_answers, solution_body
from humangate.signals import passing_signals

TOKEN = "e2e-dashboard-token-0123456789"
UA = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)
HTML = "text/html,application/xhtml+xml,*/*;q=0.8"
DATA = re.compile(r'<script id="humangate-challenge" type="application/json">(.*?)</script>', re.S)


def _challenge(client: httpx.Client, server: AppServer, path: str) -> dict[str, Any]:
    page = client.get(server.url(path), headers={"accept": HTML})
    assert page.status_code == 403, page.status_code
    match = DATA.search(page.text)
    assert match is not None
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def _submit(client: httpx.Client, server: AppServer, data: dict[str, Any], nonce: int) -> int:
    # The probe answers a real browser computes, from the server's own knowledge. httpx
    # sends no Fetch Metadata or Client Hints, so managed asks for the button: the body
    # carries a person's click on it, as the page would after that request.
    body = solution_body(
        [SECRET], data, signals=passing_signals(webdriver=False), nonce=nonce,
        elapsed_ms=700 + nonce % 2000, interaction="mouse",
    )  # fmt: skip
    headers = {"content-type": "application/json"}
    return client.post(server.url(data["solve_url"]), content=body, headers=headers).status_code


def _seed(data: dict[str, Any]) -> str:
    return known_answers([SECRET], data["ticket"]).pow_seed


def _drive(server: AppServer) -> dict[str, int]:
    """Real traffic through the gate; returns what was done, to check the totals."""
    done = {"issued": 0, "solved": 0, "blocked": 0}
    for i in range(14):
        with httpx.Client(headers={"user-agent": UA}, timeout=30) as client:
            data = _challenge(client, server, f"/shop/item/{i}")
            done["issued"] += 1
            if i % 3 == 2:
                wrong = 0
                while pow.is_solution(_seed(data), wrong, data["difficulty"]):
                    wrong += 1
                assert _submit(client, server, data, wrong) == 403
                continue
            if i % 5 == 4:
                continue  # abandoned: issued, never answered
            nonce = pow.solve(_seed(data), data["difficulty"])
            assert _submit(client, server, data, nonce) == 200
            done["solved"] += 1
            assert client.get(server.url(f"/shop/item/{i}")).status_code == 200  # passes
    with httpx.Client(headers={"user-agent": UA}) as client:
        for _ in range(3):
            assert client.get(server.url("/blocked/x"), headers={"accept": HTML}).status_code == 403
            done["blocked"] += 1
    return done


@pytest.mark.browser
def test_dashboard_shows_real_traffic(serve_app: ServeApp, browser: Browser) -> None:
    server = serve_app(
        "wsgi",
        difficulty=10,
        extra_env={"HUMANGATE_METRICS_TOKEN": TOKEN, "HUMANGATE_ANALYTICS_FLUSH": "0.5"},
    )
    assert httpx.get(server.url("/.humangate/dashboard")).status_code == 404  # no token
    done = _drive(server)
    auth = {"authorization": f"Bearer {TOKEN}"}

    def totals() -> dict[str, Any]:
        response = httpx.get(server.url("/.humangate/dashboard?format=json"), headers=auth)
        assert response.status_code == 200
        data: dict[str, Any] = response.json()
        return data

    def flushed() -> bool:
        summary = totals()
        return (
            summary["issued"] == done["issued"]
            and summary["solved"] == done["solved"]
            and summary["outcomes"]["blocked"] == done["blocked"]
        )

    # Both workers flush every half second, each on its own clock: the blocked requests
    # may sit in the other worker's buffer after the issued count is complete, so wait
    # for every figure the test checks, not just one.
    assert wait_until(flushed, 15), totals()
    summary = totals()
    assert summary["outcomes"]["passed_with_clearance"] == done["solved"]
    assert summary["csr"] == pytest.approx(done["solved"] / done["issued"])

    metrics = httpx.get(server.url("/.humangate/metrics"), headers=auth).text
    assert (
        f'humangate_challenges_issued_total{{level="managed",rule="default"}} '
        f"{float(done['issued'])}" in metrics
    )

    context = browser.new_context(viewport={"width": 1360, "height": 1000}, extra_http_headers=auth)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    response = page.goto(server.url("/.humangate/dashboard?window=1h"))
    assert response is not None
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    folder = ARTIFACTS / "dashboard"
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "dashboard-light.png"), full_page=True)
    dark = browser.new_context(
        viewport={"width": 1360, "height": 1000}, extra_http_headers=auth, color_scheme="dark"
    )
    dark_page = dark.new_page()
    dark_page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    dark_page.goto(server.url("/.humangate/dashboard?window=1h"))
    dark_page.screenshot(path=str(folder / "dashboard-dark.png"), full_page=True)
    assert errors == []
    text = page.inner_text("body")
    assert "solve rate per rule over time" in text.lower()  # headings are upper-cased by CSS
    assert f"{done['solved'] / done['issued'] * 100:.1f}%" in text
    assert page.locator("svg path").count() >= 1  # the CSR line was drawn
    assert page.locator("text=challenge solved").count() >= 1  # recent events table
    context.close()
    dark.close()
    assert server.server_errors() == []
