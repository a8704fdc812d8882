"""Route-level control in Django (function, async and class-based views), and a quiet
request log for ordinary challenges."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from django.test import AsyncClient, Client, override_settings

from humangate.contrib.django.conf import get_config
from humangate.testing import clearance_cookie
from tests.conftest import BROWSER_UA, SECRET
from tests.support import challenge_data

HEADERS = {"user-agent": BROWSER_UA, "accept": "text/html"}
ALLOW_ALL: dict[str, Any] = {
    "secret_keys": [SECRET],
    "store": "memory://",
    "difficulty": 4,
    "default_action": "allow",
}


@pytest.fixture(autouse=True)
def _fresh_config() -> Any:
    get_config.cache_clear()
    yield
    get_config.cache_clear()


def cleared(level: str) -> Client:
    client = Client(headers=HEADERS)
    name, value = clearance_cookie(get_config(), ip="127.0.0.1", user_agent=BROWSER_UA, level=level)
    client.cookies[name] = value
    return client


@override_settings(HUMANGATE=ALLOW_ALL)
@pytest.mark.parametrize("path", ["/pay", "/report"])
def test_challenge_decorator_on_function_and_class_views(path: str) -> None:
    response = Client(headers=HEADERS).get(path)
    assert response.status_code == 403
    assert response.headers["cf-mitigated"] == "challenge"
    assert challenge_data(response.content)["level"] == "interactive"
    assert cleared("managed").get(path).status_code == 403
    assert cleared("interactive").get(path).status_code == 200


@override_settings(HUMANGATE=ALLOW_ALL)
async def test_challenge_decorator_on_an_async_view() -> None:
    client = AsyncClient(headers=HEADERS)
    response = await client.get("/async-pay")
    assert response.status_code == 403
    assert response.headers["cf-mitigated"] == "challenge"


@override_settings(HUMANGATE=ALLOW_ALL)
def test_api_client_gets_a_json_problem() -> None:
    client = Client(headers={"user-agent": "curl/8", "accept": "application/json"})
    response = client.get("/pay")
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("path", ["/healthz", "/status"])
def test_exempt_views_skip_the_gate(path: str) -> None:
    # The test project's default action challenges everything else.
    client = Client(headers={"user-agent": "curl/8"})
    assert client.get(path).status_code == 200
    assert client.get("/page").status_code == 403


def test_challenges_are_not_logged_as_forbidden(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        response = Client(headers=HEADERS).get("/page")
    assert response.status_code == 403
    django_request = [r for r in caplog.records if r.name == "django.request"]
    assert django_request == []  # no "Forbidden: /page" warning
    ours = [r for r in caplog.records if r.name == "humangate.django"]
    assert ours and ours[0].levelno == logging.INFO
