"""The example plugin (integrations/plugin_example) installed and used without core changes.

"Installing" writes a real ``*.dist-info`` with an ``entry_points.txt`` into a temporary
directory on ``sys.path``, exactly what ``pip install`` leaves behind; humangate finds
the step through ``importlib.metadata`` and the ``humangate.challenges`` group.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from humangate import Config
from humangate.challenges import (
    Submission,
    get_step,
    register_challenge,
    registry,
    unregister_challenge,
)
from humangate.errors import ConfigError
from humangate.levels import Level
from humangate.probes.oracle import solution_body
from humangate.signals import passing_signals
from humangate.tickets import TicketBook
from humangate.tokens import KeyRing
from humangate.wsgi import HumanGate
from integrations.plugin_example import WaitStep
from tests.conftest import SECRET
from tests.support import TEST_SECRETS, Result, WSGIClient, challenge_data

ENTRY_POINT = "integrations.plugin_example.wait_step:WaitStep"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    dist = tmp_path / "humangate_wait_example-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: humangate-wait-example\nVersion: 0.1.0\n"
    )
    (dist / "entry_points.txt").write_text(f"[humangate.challenges]\nwait = {ENTRY_POINT}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    unregister_challenge("wait")
    registry.reset_discovery()  # as in a fresh process after `pip install`
    yield tmp_path
    unregister_challenge("wait")
    registry.reset_discovery()


def _site(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def _client() -> WSGIClient:
    config = Config(
        secret_keys=[SECRET],
        store="memory://",
        difficulty=4,
        default_action="managed_challenge",
        challenge_steps={"managed_challenge": ["wait"]},
    )
    return WSGIClient(HumanGate(_site, config))


def _post(client: WSGIClient, data: dict[str, Any], answer: dict[str, object]) -> Result:
    body = solution_body(TEST_SECRETS, data, signals=passing_signals(), steps={"wait": answer})
    return client.request(
        "POST", data["solve_url"], body=body,
        headers={"content-type": "application/json"}, html=False,
    )  # fmt: skip


def test_without_installation_the_step_is_unknown() -> None:
    registry.reset_discovery()
    unregister_challenge("wait")
    with pytest.raises(ConfigError, match="no challenge step named 'wait'"):
        _client()


def test_installed_plugin_is_discovered_and_its_js_half_served(installed: Path) -> None:
    client = _client()
    assert isinstance(get_step("wait"), WaitStep)
    data = challenge_data(client.request("GET", "/").body)
    assert data["steps"] == ["probe", "pow", "signals", "cdp", "wait"]
    assert data["step_params"]["wait"] == {"seconds": 3}
    url = data["step_scripts"]["wait"]
    script = client.request("GET", url)
    assert script.status == 200 and b'registerStep("wait"' in script.body


def test_installed_plugin_enforces_its_wait_on_the_server(installed: Path) -> None:
    client = _client()
    data = challenge_data(client.request("GET", "/").body)
    early = _post(client, data, {"confirmed": True, "trusted": True})
    assert early.status == 403 and early.json()["reason"] == "step_failed"
    assert _post(client, data, {}).json()["reason"] == "step_failed"


def test_the_step_passes_after_the_wait() -> None:
    # verify() against a ticket issued at t=1000 (no sleeping in the test).
    step = WaitStep(seconds=3)
    ticket, _ = TicketBook(KeyRing([SECRET], purposes=("ticket",)), 300).issue(
        level=Level.MANAGED, difficulty=1, client_ip=None, user_agent="x", target="/",
        ray="0" * 16, now=1000.0,
    )  # fmt: skip
    base = Submission(
        ticket=ticket, nonce=0, elapsed_ms=None, signals={},
        steps={"wait": {"confirmed": True, "trusted": True}},
        header=lambda name: None, user_agent="x", scheme="http", host="h", now=1001.0,
    )  # fmt: skip
    assert not step.verify(base).ok  # one second in: too early
    assert step.verify(dataclasses.replace(base, now=1003.0)).ok
    untrusted = dataclasses.replace(base, now=1003.0, steps={"wait": {"confirmed": True}})
    assert not step.verify(untrusted).ok


def test_end_to_end_solve_with_the_plugin(installed: Path) -> None:
    register_challenge(WaitStep(seconds=1), replace=True)  # the explicit route, 1 s wait
    client = _client()
    data = challenge_data(client.request("GET", "/").body)
    time.sleep(1.05)
    answer = _post(client, data, {"confirmed": True, "trusted": True})
    assert answer.status == 200 and "humangate_clearance" in client.cookies
