"""The framework examples in integrations/turnstile_frameworks work end to end: the form
page shows the widget, a token from the frame passes once, a replay is refused."""

from __future__ import annotations

import httpx
import pytest

from integrations.turnstile_frameworks import keys
from tests.support import EXAMPLES_SECRET, WSGIClient, challenge_data, frame_solution
from tests.turnstile.support import PREFIX, run_child


@pytest.fixture(autouse=True)
def _test_difficulty(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUMANGATE_DIFFICULTY", "8")
    monkeypatch.setenv("HUMANGATE_STORE", "memory://")
    monkeypatch.setenv("HUMANGATE_SECRET_KEYS", EXAMPLES_SECRET)


def _solve_body(frame_html: bytes) -> tuple[str, bytes]:
    challenge = challenge_data(frame_html)["challenge"]
    return challenge["solve_url"], frame_solution(challenge)


FRAME_QUERY = f"k={keys.SITEKEY}&o=http%3A%2F%2Ftestserver&w=w&a="


def test_flask_example() -> None:
    from integrations.turnstile_frameworks.flask_app import create_app  # noqa: PLC0415

    client = WSGIClient(create_app())
    assert b'class="cf-turnstile"' in client.request("GET", "/").body
    for path, action in (("/comment", "comment"), ("/subscribe", "")):
        frame = client.request("GET", f"{PREFIX}frame", query=FRAME_QUERY + action)
        url, body = _solve_body(frame.body)
        answer = client.request(
            "POST", url, body=body, headers={"content-type": "application/json"}, html=False
        )
        form = f"comment=hi&cf-turnstile-response={answer.json()['token']}".encode()
        headers = {"content-type": "application/x-www-form-urlencoded"}
        assert client.request("POST", path, body=form, headers=headers).status == 200
        assert client.request("POST", path, body=form, headers=headers).status == 403


async def test_fastapi_example() -> None:
    from integrations.turnstile_frameworks.fastapi_app import HumanGate, app, config  # noqa: PLC0415

    application = HumanGate(app, config())
    transport = httpx.ASGITransport(app=application, client=("198.51.100.7", 5000))
    ua = {"user-agent": WSGIClient(None).user_agent, "accept": "text/html"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=ua
    ) as client:
        assert 'class="cf-turnstile"' in (await client.get("/")).text
        frame = await client.get(f"{PREFIX}frame?{FRAME_QUERY}signup")
        url, body = _solve_body(frame.content)
        answer = await client.post(url, content=body, headers={"content-type": "application/json"})
        form = {"email": "a@example.org", "cf-turnstile-response": answer.json()["token"]}
        first = await client.post("/signup", data=form)
        assert first.json() == {"welcome": "signed up", "verified_for": "testserver"}
        assert (await client.post("/signup", data=form)).status_code == 403


def test_django_example() -> None:
    seen = run_child(["tests.turnstile.django_example_check"], {})
    assert 'class="cf-turnstile"' in seen["page"]
    assert (seen["first"], seen["second"]) == (200, 403)
