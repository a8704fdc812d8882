"""End to end over HTTP with two gunicorn workers sharing an SQLite store: the page's
WWW-Authenticate challenge, a token minted for it by the test issuer, the redemption, the
solve that skips the interaction; and the token's replay refused by the other worker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import BROWSER_UA, SECRET
from tests.gunicorn_server import gunicorn_server
from tests.pat.device import authorization, same_challenges
from tests.pat.issuer import TestIssuer
from tests.pat.test_flow import doubtful
from tests.support import challenge_data, signed_solution

httpx = pytest.importorskip("httpx")
pytest.importorskip("gunicorn")

HTML = {"accept": "text/html", "user-agent": BROWSER_UA}
JSON = {"accept": "application/json", "user-agent": BROWSER_UA}


@pytest.fixture
def server(tmp_path: Path, issuer: TestIssuer) -> Iterator[str]:
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"issuer": issuer.name, **issuer.directory()}))
    env = {
        "HUMANGATE_TEST_SECRET": SECRET,
        "HUMANGATE_TEST_DB": str(tmp_path / "store.sqlite3"),
        "HUMANGATE_TEST_PAT_KEYS": str(keys),
    }
    with gunicorn_server(
        "tests.pat.pat_app:app",
        workers=2,
        env=env,
        headers=JSON,
        # Ours (the worker pid header), not whatever else grabbed a free port.
        ready=lambda response: response.status_code == 403 and "x-worker-pid" in response.headers,
    ) as base:
        yield base


def test_token_skips_the_interaction_and_its_replay_is_refused_by_every_worker(
    server: str, issuer: TestIssuer
) -> None:
    page = httpx.get(f"{server}/account", headers=HTML)
    assert page.status_code == 403
    www = page.headers["www-authenticate"]
    data = challenge_data(page.content)
    pat_url = f"{server}{data['step_params']['pat']['url']}?ticket={quote(data['ticket'])}"
    # What the page's script asks; an unsupported browser stops at this 401.
    challenge = httpx.get(pat_url, headers=JSON)
    assert challenge.status_code == 401
    assert same_challenges(challenge.headers["www-authenticate"], www)
    token = authorization(www, issuer, "127.0.0.1")

    # The device repeats the request with the token; then (as an attacker would) again and
    # again on new connections until another worker process has answered a replay.
    answers: list[tuple[int, str, dict[str, object]]] = []
    for _ in range(200):
        response = httpx.get(pat_url, headers={**JSON, "authorization": token})
        answers.append((response.status_code, response.headers["x-worker-pid"], response.json()))
        accepted = [pid for status, pid, _ in answers if status == 200]
        refused_by = {pid for status, pid, _ in answers if status != 200}
        if accepted and refused_by - set(accepted):
            break
    accepted = [pid for status, pid, _ in answers if status == 200]
    assert len(accepted) == 1, answers[:5]
    assert all(status == 403 and body == {"ok": False} for status, _, body in answers[1:])
    refused_by = {pid for _, pid, _ in answers[1:]}
    assert refused_by - set(accepted), "the replay never reached the other worker"
    attestation = answers[0][2]["attestation"]

    # The solve: doubtful signals would ask for the interaction; the token skips it.
    body = {
        "ticket": data["ticket"],
        "nonce": None,
        "signals": doubtful(),
        "steps": {"pat": {"attestation": attestation}},
    }
    solved = httpx.post(
        f"{server}{data['solve_url']}",
        content=signed_solution(data, body),
        headers={**JSON, "content-type": "application/json"},
    )
    assert solved.status_code == 200, solved.text
    assert solved.json()["redirect"] == "/account"
    cookie = solved.cookies["humangate_clearance"]
    after = httpx.get(f"{server}/account", headers=HTML, cookies={"humangate_clearance": cookie})
    assert after.status_code == 200 and after.text == "hello"
