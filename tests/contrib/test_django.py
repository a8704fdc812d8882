"""Django middleware: challenge, solve and pass (sync and async), held form POSTs,
system checks and template helpers."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.checks import run_checks
from django.test import AsyncClient, Client, override_settings
from django.test.client import MULTIPART_CONTENT

from humangate import Difficulty
from humangate.contrib.django.conf import get_config
from humangate.engine import Engine
from humangate.http.assets import hashed_name
from humangate.testing import clearance_cookie
from tests.conftest import BROWSER_UA, SECRET
from tests.stores.redis_server import free_port
from tests.support import challenge_data, solution

HEADERS = {"user-agent": BROWSER_UA, "accept": "text/html"}
FIELD = re.compile(r'name="(humangate-envelope|humangate-body)" value="([^"]*)"')


def solve(client: Client, page: bytes) -> None:
    data = challenge_data(page)
    solved = client.post(data["solve_url"], solution(data), content_type="application/json")
    assert solved.status_code == 200, solved.content


def test_challenge_then_solve_then_the_view_sees_the_clearance() -> None:
    client = Client(headers=HEADERS)
    page = client.get("/page")
    assert page.status_code == 403 and page["cf-mitigated"] == "challenge"
    assert "frame-ancestors 'self'" in page["content-security-policy"]
    solve(client, page.content)
    reached = client.get("/page")
    assert reached.status_code == 200 and reached.content == b"page level=managed"


def test_api_clients_get_a_json_problem() -> None:
    answer = Client(headers={"user-agent": BROWSER_UA, "accept": "application/json"}).get("/page")
    assert answer.status_code == 403
    assert answer["content-type"] == "application/problem+json"
    assert json.loads(answer.content)["type"] == "urn:humangate:problem:challenge"


def test_allowed_path_passes_without_clearance() -> None:
    answer = Client(headers=HEADERS).get("/open")
    assert answer.status_code == 200 and answer.content == b"page level=None"


def test_clearance_cookie_from_the_testing_helper_passes() -> None:
    client = Client(headers=HEADERS)
    name, value = clearance_cookie(get_config(), ip="127.0.0.1", user_agent=BROWSER_UA)
    client.cookies[name] = value
    assert client.get("/page").status_code == 200


async def test_async_stack_challenges_and_passes() -> None:
    client = AsyncClient()  # its constructor headers do not reach the ASGI scope
    page = await client.get("/async", headers=HEADERS)
    assert page.status_code == 403
    data = challenge_data(page.content)
    solved = await client.post(
        data["solve_url"], solution(data), content_type="application/json", headers=HEADERS
    )
    assert solved.status_code == 200
    assert (await client.get("/async", headers=HEADERS)).content == b"async page"


@pytest.mark.parametrize("multipart", [False, True], ids=["urlencoded", "multipart"])
def test_challenged_form_post_is_replayed_once(multipart: bool) -> None:
    # A form on the site's own page: the browser says so (see humangate.fetch_site).
    client = Client(headers={**HEADERS, "host": "testserver", "origin": "http://testserver"})
    fields = {"name": "Ada", "message": "hello"}
    if multipart:
        held = client.post("/contact?x=1", fields, content_type=MULTIPART_CONTENT)
    else:
        held = client.post(
            "/contact?x=1",
            "name=Ada&message=hello",
            content_type="application/x-www-form-urlencoded",
        )
    assert held.status_code == 403
    sealed = {k: html.unescape(v) for k, v in FIELD.findall(held.content.decode())}
    page = client.get("/.humangate/challenge", {"level": "managed"})
    solve(client, page.content)
    assert 'action="/contact?x=1"' in held.content.decode()  # back to the form's address
    form = "application/x-www-form-urlencoded"  # what the holding page's form sends
    replayed = client.post("/contact?x=1", urlencode(sealed), content_type=form)
    assert replayed.status_code == 200
    assert json.loads(replayed.content) == {"method": "POST", "path": "/contact", "fields": fields}
    assert client.post("/contact?x=1", urlencode(sealed), content_type=form).status_code == 403
    # The form sent afresh, the hint cookie still there: the view gets it unchanged.
    again = client.post("/contact?x=1", "name=Bo&message=hi", content_type=form)
    assert again.status_code == 200
    assert json.loads(again.content)["fields"] == {"name": "Bo", "message": "hi"}


def test_system_checks_pass_for_the_test_project() -> None:
    assert [m.id for m in run_checks() if m.id and m.id.startswith("humangate")] == []


@override_settings(
    MIDDLEWARE=[
        "django.middleware.common.CommonMiddleware",
        "humangate.contrib.django.middleware.HumanGateMiddleware",
    ]
)
def test_check_middleware_order() -> None:
    ids = [m.id for m in run_checks()]
    assert "humangate.E002" in ids


@override_settings(MIDDLEWARE=["django.middleware.common.CommonMiddleware"])
def test_check_middleware_missing() -> None:
    assert "humangate.W001" in [m.id for m in run_checks()]


def test_check_missing_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    with override_settings(HUMANGATE={"store": "memory://"}):
        messages = [m for m in run_checks() if m.id == "humangate.E001"]
    assert messages and "secret" in messages[0].msg
    get_config.cache_clear()


def test_check_hint_says_what_is_wrong() -> None:
    # Before: every E001 hinted at the secret, even for a mistyped setting.
    with override_settings(HUMANGATE={"secret_keys": [SECRET], "default_acton": "allow"}):
        (message,) = [m for m in run_checks() if m.id == "humangate.E001"]
    get_config.cache_clear()
    assert "did you mean 'default_action'" in message.msg
    assert "secret" not in (message.hint or "").lower()
    assert "default_acton" in (message.hint or "")


def test_check_unusable_store(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path}/missing/gate.db"
    with override_settings(HUMANGATE={"secret_keys": [SECRET], "store": store}):
        messages = [m for m in run_checks() if m.id == "humangate.E003"]
    get_config.cache_clear()
    assert messages and "does not exist" in messages[0].msg


def test_check_unreachable_redis_warns(tmp_path: Path) -> None:
    store = f"redis://127.0.0.1:{free_port()}/0"
    with override_settings(HUMANGATE={"secret_keys": [SECRET], "store": store}):
        messages = [m for m in run_checks() if m.id == "humangate.W002"]
    get_config.cache_clear()
    assert messages and "cannot reach Redis" in messages[0].msg


def test_config_follows_setting_changes() -> None:
    settings_: dict[str, Any] = {"secret_keys": [SECRET], "store": "memory://", "difficulty": 3}
    with override_settings(HUMANGATE=settings_):
        assert get_config().difficulty == Difficulty.uniform(3)
    assert get_config().difficulty == Difficulty.uniform(8)


def test_template_tags_use_the_host_csp_nonce() -> None:
    client = Client(headers=HEADERS)
    name, value = clearance_cookie(get_config(), ip="127.0.0.1", user_agent=BROWSER_UA)
    client.cookies[name] = value
    body = client.get("/tagged").content.decode()
    src = f"/.humangate/static/{hashed_name('spa.js')}"
    assert body == f'[n0nce]<script src="{src}" nonce="n0nce"></script>'


# A rate limit that counts failed requests by http.response.code, as for failed logins:
# the middleware must report the view's status back, or nothing would ever be counted.
COUNT_NOT_FOUND = {
    "secret_keys": [SECRET],
    "store": "memory://",
    "default_action": "allow",
    "rate_limits": [
        {
            "expression": 'http.request.uri.path ne ""',
            "counting_expression": "http.response.code eq 404",
            "requests_per_period": 1,
            "period": 3600,
        }
    ],
}


@override_settings(HUMANGATE=COUNT_NOT_FOUND)
def test_rate_limits_count_the_views_response_status() -> None:
    client = Client(headers=HEADERS)
    for _ in range(3):
        assert client.get("/open").status_code == 200  # not counted
    assert client.get("/missing").status_code == 404
    assert client.get("/missing").status_code == 404  # second count: now over the limit
    assert client.get("/open").status_code == 429


@override_settings(HUMANGATE=COUNT_NOT_FOUND)
async def test_rate_limits_count_the_views_response_status_async() -> None:
    client = AsyncClient()
    for _ in range(2):
        assert (await client.get("/missing", headers=HEADERS)).status_code == 404
    assert (await client.get("/async", headers=HEADERS)).status_code == 429


NO_RULES = {"secret_keys": [SECRET], "store": "memory://", "difficulty": 8}


def _refuse_process(monkeypatch: pytest.MonkeyPatch) -> None:
    def process(self: Engine, request: Any) -> Any:
        raise AssertionError("a sufficient clearance must be settled, not processed")

    monkeypatch.setattr(Engine, "process", process)


def test_without_rules_a_clearance_is_settled_without_the_full_flow(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with override_settings(HUMANGATE=NO_RULES):
        client = Client(headers=HEADERS)
        name, value = clearance_cookie(get_config(), ip="127.0.0.1", user_agent=BROWSER_UA)
        assert client.get("/page").status_code == 403  # no cookie yet: the full flow
        client.cookies[name] = value
        _refuse_process(monkeypatch)
        reached = client.get("/page")
    assert reached.status_code == 200 and reached.content == b"page level=managed"


async def test_without_rules_a_clearance_is_settled_on_the_async_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with override_settings(HUMANGATE=NO_RULES):
        client = AsyncClient()
        name, value = clearance_cookie(get_config(), ip="127.0.0.1", user_agent=BROWSER_UA)
        client.cookies[name] = value
        _refuse_process(monkeypatch)
        reached = await client.get("/async", headers=HEADERS)
    assert reached.status_code == 200 and reached.content == b"async page"
