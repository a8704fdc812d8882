"""Route-level control in Flask: @challenge asks for more on one view, @exempt opts out."""

from __future__ import annotations

import re

import pytest
from flask import Flask, request

from humangate.contrib.flask import HumanGate, challenge, clearance, exempt
from humangate.testing import clearance_cookie
from tests.conftest import BROWSER_UA, SECRET
from tests.support import challenge_data

HEADERS = {"user-agent": BROWSER_UA, "accept": "text/html"}
API = {"user-agent": "curl/8", "accept": "application/json"}


def make_app() -> Flask:
    app = Flask(__name__)
    app.config["HUMANGATE"] = {
        "secret_keys": [SECRET],
        "store": "memory://",
        "difficulty": 4,
        "default_action": "allow",  # the rules let everything through...
    }
    HumanGate(app)  # before the routes, as most apps do

    @app.get("/open")
    def open_page() -> str:
        return "open"

    @app.route("/pay", methods=["GET", "POST"])
    @challenge("interactive")  # ...but this view wants an interactive clearance
    def pay() -> str:
        seen = clearance()
        return f"paid at {seen.level.label if seen else None}"

    @app.get("/async")
    @challenge("managed")
    async def async_view() -> str:
        return "async ok"

    @app.get("/healthz")
    @exempt
    def healthz() -> str:
        return "healthy"

    return app


def test_challenge_decorator_answers_with_a_challenge_page() -> None:
    client = make_app().test_client()
    assert client.get("/open", headers=HEADERS).text == "open"
    page = client.get("/pay", headers=HEADERS)
    assert page.status_code == 403
    assert page.headers["cf-mitigated"] == "challenge"
    data = challenge_data(page.data)
    assert data["level"] == "interactive"
    assert "interaction" in data["steps"]


def test_challenge_decorator_passes_a_sufficient_clearance() -> None:
    app = make_app()
    client = app.test_client()
    gate = app.extensions["humangate"]
    name, value = clearance_cookie(
        gate.config, ip="127.0.0.1", user_agent=BROWSER_UA, level="interactive"
    )
    client.set_cookie(name, value)
    assert client.get("/pay", headers=HEADERS).text == "paid at interactive"
    assert client.get("/async", headers=HEADERS).text == "async ok"


def test_a_lower_clearance_is_not_enough() -> None:
    app = make_app()
    client = app.test_client()
    gate = app.extensions["humangate"]
    name, value = clearance_cookie(gate.config, ip="127.0.0.1", user_agent=BROWSER_UA)
    client.set_cookie(name, value)  # managed
    assert client.get("/async", headers=HEADERS).text == "async ok"
    assert client.get("/pay", headers=HEADERS).status_code == 403


def test_api_clients_get_a_json_problem() -> None:
    response = make_app().test_client().get("/pay", headers=API)
    assert response.status_code == 403
    assert response.headers["cf-mitigated"] == "challenge"
    assert response.headers["content-type"].startswith("application/problem+json")


def test_form_post_is_held_not_lost() -> None:
    response = make_app().test_client().post("/pay", data={"amount": "5"}, headers=HEADERS)
    assert response.status_code == 403
    assert response.headers["cf-mitigated"] == "challenge"
    assert b"humangate" in response.data


def test_form_held_by_the_decorator_is_sent_back_to_the_view() -> None:
    """The holding page posts to the view's own address; the gate in front of the app
    hands the view the original form, and the decorator lets the clearance through."""
    app = make_app()

    @app.post("/donate")
    @challenge("managed")
    def donate() -> str:
        replayed = request.headers.get("x-humangate-replayed")
        return f"{request.form.get('amount')} replayed={replayed}"

    client = app.test_client()
    form = {**HEADERS, "origin": "http://localhost", "sec-fetch-site": "same-origin"}
    held = client.post("/donate?via=page", data={"amount": "5"}, headers=form)
    assert held.status_code == 403
    page = held.get_data(as_text=True)
    assert 'action="/donate?via=page"' in page
    fields = dict(re.findall(r'name="(humangate-[a-z]+)" value="([^"]*)"', page))
    gate = app.extensions["humangate"]
    name, value = clearance_cookie(gate.config, ip="127.0.0.1", user_agent=BROWSER_UA)
    client.set_cookie(name, value)
    sent = client.post("/donate?via=page", data=fields, headers=form)
    assert sent.text == "5 replayed=1"
    assert client.post("/donate?via=page", data=fields, headers=form).status_code == 403


def test_exempt_view_is_never_gated() -> None:
    app = Flask(__name__)
    app.config["HUMANGATE"] = {"secret_keys": [SECRET], "store": "memory://"}
    HumanGate(app)  # default action: managed challenge for everything...

    @app.get("/healthz")
    @exempt
    def healthz() -> str:
        return "healthy"

    @app.get("/page")
    def page() -> str:
        return "page"

    client = app.test_client()
    assert client.get("/healthz", headers=API).text == "healthy"
    assert client.get("/page", headers=API).status_code == 403  # ...except the exempt view
    assert client.get("/nowhere", headers=API).status_code == 403  # unrouted: gated


def test_unknown_level_fails_when_decorating() -> None:
    with pytest.raises(ValueError, match="expected one of"):
        challenge("managd")
