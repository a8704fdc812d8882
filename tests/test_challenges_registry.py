"""The challenge-step registry: explicit registration and lazy entry-point discovery."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from humangate import Config
from humangate.challenges import (
    ChallengeStep,
    StepResult,
    Submission,
    get_step,
    register_challenge,
    registered,
    registry,
    unregister_challenge,
)
from humangate.challenges.interaction import PADS
from humangate.challenges.protocol import params_writer
from humangate.crypto.tickets import TicketBook
from humangate.crypto.tokens import KeyRing
from humangate.errors import ConfigError
from humangate.jsontext import compact
from humangate.levels import Level
from humangate.tickets import Ticket
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import WSGIClient, challenge_data


class Dummy:
    def __init__(self, name: str = "dummy") -> None:
        self.name = name
        self.script: str | None = "/* js */"

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        return {}

    def verify(self, submission: Submission) -> StepResult:
        return StepResult()


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    yield
    for name in ("dummy", "other"):
        unregister_challenge(name)
    registry.reset_discovery()


def test_builtins_are_registered_and_satisfy_the_protocol() -> None:
    for name in ("pow", "signals", "interaction"):
        step = get_step(name)
        assert isinstance(step, ChallengeStep) and step.script is None


def test_register_validates_and_refuses_to_shadow() -> None:
    step = register_challenge(Dummy())
    assert get_step("dummy") is step
    with pytest.raises(ValueError, match="already registered"):
        register_challenge(Dummy())
    replacement = register_challenge(Dummy(), replace=True)
    assert get_step("dummy") is replacement
    with pytest.raises(ValueError, match="must match"):
        register_challenge(Dummy("../evil"))  # also a URL path segment
    with pytest.raises(TypeError):
        register_challenge(object())  # type: ignore[arg-type]


def test_unknown_step_is_a_configuration_error_at_start_up() -> None:
    with pytest.raises(ConfigError, match="no challenge step named 'missing'"):
        HumanGate(_site, Config(secret_keys=[SECRET], challenge_steps={"challenge": ["missing"]}))
    with pytest.raises(ConfigError, match="not a challenge action"):
        Config(secret_keys=[SECRET], challenge_steps={"block": ["pow"]})


def test_entry_points_are_read_lazily_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake_entry_points(*, group: str) -> list[Any]:
        calls.append(group)
        return []

    monkeypatch.setattr(registry, "entry_points", fake_entry_points)
    registry.reset_discovery()
    get_step("pow")  # registered: no discovery needed
    assert calls == []
    with pytest.raises(ConfigError):
        get_step("nothing")
    with pytest.raises(ConfigError):
        get_step("nothing-else")
    assert calls == ["humangate.challenges"]  # once, however many misses


def test_a_broken_plugin_does_not_take_the_gate_down(monkeypatch: pytest.MonkeyPatch) -> None:
    class Broken:
        name = "broken"

        def load(self) -> Any:
            raise ImportError("plugin bug")

    monkeypatch.setattr(registry, "entry_points", lambda *, group: [Broken()])
    registry.reset_discovery()
    assert "pow" in registered() and "broken" not in registered()


def test_registered_plugin_is_served_and_listed() -> None:
    register_challenge(Dummy())

    config = Config(
        secret_keys=[SECRET], store="memory://", challenge_steps={"js_challenge": ["dummy"]},
        default_action="js_challenge",
    )  # fmt: skip
    client = WSGIClient(HumanGate(_site, config))
    data = challenge_data(client.request("GET", "/").body)
    assert data["steps"] == ["probe", "pow", "signals", "cdp", "dummy"]
    assert data["step_scripts"] == {"dummy": "/.humangate/static/challenges/dummy.js"}
    script = client.request("GET", "/.humangate/static/challenges/dummy.js")
    assert script.status == 200 and script.body == b"/* js */"
    assert (script.header("content-type") or "").startswith("text/javascript")


def _site(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def test_every_built_in_steps_json_is_its_issue_encoded() -> None:
    # The built-in steps write their page parameters as JSON themselves (cheaper than
    # encoding a mapping on every page); it must be exactly what issue() gives, for
    # tickets of every level and every surface the interaction button is placed on.
    book = TicketBook(KeyRing(["k" * 32], purposes=("ticket",)), 300)
    steps = registered()
    written_by_themselves = [s for s in steps.values() if hasattr(s, "issue_json")]
    assert {"probe", "pow", "signals", "cdp", "interaction"} <= {
        s.name for s in written_by_themselves
    }
    for i in range(300):
        ticket, _ = book.issue(
            level=list(Level)[i % len(Level)],
            difficulty=i % 30,
            client_ip="198.51.100.7",
            user_agent=f"UA {i}",
            target="/",
            ray=f"{i:016x}",
            now=1_700_000_000,
            surface=list(PADS)[i % len(PADS)],
        )
        for step in steps.values():
            assert params_writer(step)(ticket) == compact(dict(step.issue(ticket))), step.name


def test_a_step_without_its_own_json_has_its_issue_encoded() -> None:

    class Plain:
        name = "plain"
        script = None

        def issue(self, ticket: object) -> dict[str, object]:
            return {"q": '</script>"', "n": 3}

    assert params_writer(Plain())(None) == '{"q":"</script>\\"","n":3}'  # type: ignore[arg-type]
