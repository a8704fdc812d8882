"""Flask extension: init_app, config from app.config, clearance in views."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from humangate import ConfigError
from humangate.contrib.flask import HumanGate, clearance
from humangate.testing import clearance_cookie
from humangate.wsgi import HumanGate as WSGIGate
from tests.conftest import BROWSER_UA, SECRET
from tests.support import challenge_data, solution

HEADERS = {"user-agent": BROWSER_UA, "accept": "text/html"}


def make_app(**config: Any) -> Flask:
    app = Flask(__name__)
    app.config.update(config)

    @app.get("/page")
    def page() -> str:
        seen = clearance()
        return f"level={seen.level.label if seen else None}"

    return app


def test_init_app_reads_the_humangate_dict_and_registers_the_extension() -> None:
    app = make_app(HUMANGATE={"secret_keys": [SECRET], "store": "memory://", "difficulty": 8})
    gate = HumanGate()
    gate.init_app(app)
    assert isinstance(app.extensions["humangate"], WSGIGate)
    assert app.extensions["humangate"].config.difficulty.managed_challenge == 8
    client = app.test_client()
    page = client.get("/page", headers=HEADERS)
    assert page.status_code == 403 and page.headers["cf-mitigated"] == "challenge"
    data = challenge_data(page.data)
    solved = client.post(
        data["solve_url"],
        data=solution(data),
        headers={**HEADERS, "content-type": "application/json"},
    )
    assert solved.status_code == 200
    reached = client.get("/page", headers=HEADERS)
    assert reached.status_code == 200 and reached.text == "level=managed"


def test_prefixed_keys_and_the_test_cookie() -> None:
    app = make_app(
        HUMANGATE_SECRET_KEYS=[SECRET], HUMANGATE_STORE="memory://", HUMANGATE_DIFFICULTY=4
    )
    HumanGate(app)
    gate = app.extensions.get("humangate")
    assert gate is not None and gate.config.difficulty.managed_challenge == 4
    client = app.test_client()
    name, value = clearance_cookie(gate.config, ip="127.0.0.1", user_agent=BROWSER_UA)
    client.set_cookie(name, value)
    assert client.get("/page", headers=HEADERS).text == "level=managed"


def test_missing_secret_fails_at_init_app() -> None:
    with pytest.raises(ConfigError, match="secret"):
        HumanGate(make_app(HUMANGATE={"store": "memory://"}))


def test_mistyped_prefixed_key_is_an_error_with_a_suggestion() -> None:
    # Before: HUMANGATE_SECRET_KEY was dropped silently and the error blamed the secret.
    app = make_app(HUMANGATE_SECRET_KEY=[SECRET], HUMANGATE_STORE="memory://")
    with pytest.raises(ConfigError, match="did you mean HUMANGATE_SECRET_KEYS") as caught:
        HumanGate(app)
    assert caught.value.field == "HUMANGATE_SECRET_KEY"
