"""Engine.settle: the pass path that skips building a Request must never let through
anything Engine.process would not, and must give the same Forward when it applies."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest

from humangate import Config, Rule, testing
from humangate import engine as engine_module
from humangate.effects import run_sync
from humangate.engine import Engine, Forward, Outcome
from humangate.events import Event, Kind
from humangate.request import Request
from humangate.stores.memory import MemoryStore
from humangate.testing import clearance_cookie
from tests.conftest import BROWSER_UA, SECRET

IP = "198.51.100.7"
NOW = time.time()


@pytest.fixture(autouse=True)
def _cookies_issued_now(monkeypatch: pytest.MonkeyPatch) -> None:
    # clearance_cookie reads the real time; the engines here run at NOW, which may lie
    # minutes behind it in a long run (more than the clock-skew grace).
    monkeypatch.setattr(testing, "time", SimpleNamespace(time=lambda: NOW))


def make_engine(**overrides: Any) -> Engine:
    config = Config(secret_keys=[SECRET], store="memory://", difficulty=8, **overrides)
    return Engine(config, clock=lambda: NOW)


def cookie_for(engine: Engine, *, ip: str = IP, ua: str = BROWSER_UA, **kw: Any) -> str:
    name, value = clearance_cookie(engine.config, ip=ip, user_agent=ua, **kw)
    return f"{name}={value}"


def settle(
    engine: Engine, headers: dict[str, str], *, path: str = "/page", peer: str = IP
) -> Forward | None:
    return engine.settle(
        "http",
        path,
        peer,
        cookies=headers.get("cookie"),
        user_agent=headers.get("user-agent", ""),
        headers=headers,
        header=dict.get,
    )


def process(
    engine: Engine, headers: dict[str, str], *, path: str = "/page", peer: str = IP
) -> Outcome:
    request = Request("GET", path, headers=tuple(headers.items()), peer=peer, raw_path=path)
    return run_sync(engine.process(request), MemoryStore())


@pytest.fixture
def engine() -> Engine:
    return make_engine()


def test_a_valid_clearance_settles_like_process(engine: Engine) -> None:
    assert engine.settles
    headers = {"user-agent": BROWSER_UA, "cookie": f"a=1; {cookie_for(engine)}; b=2"}
    settled = settle(engine, headers)
    assert isinstance(settled, Forward)
    assert settled.clearance is not None
    assert settled == process(engine, headers)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda e, h: h.pop("cookie"), id="no cookie"),
        pytest.param(lambda e, h: h.update(cookie="humangate_clearance=forged"), id="forged"),
        pytest.param(
            lambda e, h: h.update(cookie=cookie_for(e, ip="203.0.113.9")), id="other network"
        ),
        pytest.param(lambda e, h: h.update(cookie=cookie_for(e, ua="curl/8")), id="other UA"),
        pytest.param(
            lambda e, h: h.update(cookie=cookie_for(e, level="non_interactive")),
            id="level too low for managed",
        ),
        pytest.param(lambda e, h: h.update({"user-agent": "x" * 20_000}), id="over-long UA"),
    ],
)
def test_anything_but_a_sufficient_clearance_goes_to_process(
    engine: Engine, change: Callable[[Engine, dict[str, str]], object]
) -> None:
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine)}
    change(engine, headers)
    assert settle(engine, headers) is None
    assert not isinstance(process(engine, headers), Forward)  # process challenges them


def test_an_expired_clearance_goes_to_process() -> None:
    engine = make_engine()
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine)}
    later = Engine(engine.config, clock=lambda: NOW + engine.config.passage_ttl + 3600)
    assert settle(later, headers) is None


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"rules": [Rule('http.request.uri.path eq "/x"', "block")]}, id="rules"),
        pytest.param({"under_attack": True}, id="under attack"),
        pytest.param({"default_action": "allow"}, id="not a challenge"),
        pytest.param({"default_action": "block"}, id="block"),
    ],
)
def test_only_a_lone_challenge_action_is_settled(overrides: dict[str, Any]) -> None:
    engine = make_engine(**overrides)
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine, level="interactive")}
    assert not engine.settles  # adapters may skip gathering what settle() reads
    assert settle(engine, headers) is None


def test_humangate_paths_are_never_settled(engine: Engine) -> None:
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine)}
    assert settle(engine, headers, path=f"{engine.config.path_prefix}solve") is None


def test_behind_trusted_proxies_the_forwarded_address_is_bound() -> None:
    engine = make_engine(trusted_proxies=1)
    proxy = "10.0.0.2"
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine)}
    # The proxy's address alone is not the client's network: no pass.
    assert settle(engine, headers, peer=proxy) is None
    headers["x-forwarded-for"] = f"203.0.113.50, {IP}"  # the last hop is the client
    settled = settle(engine, headers, peer=proxy)
    assert isinstance(settled, Forward)
    assert settled == process(engine, headers, peer=proxy)
    # A spoofed first entry the proxy passed along changes nothing.
    headers["x-forwarded-for"] = f"{IP}, 203.0.113.50"
    assert settle(engine, headers, peer=proxy) is None
    assert not isinstance(process(engine, headers, peer=proxy), Forward)


def test_a_settled_pass_is_reported_like_a_processed_one(engine: Engine) -> None:
    seen: list[Event] = []

    class Recorder:
        def record(self, event: Event) -> None:
            seen.append(event)

    engine.add_observer(Recorder())
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine)}
    settle(engine, headers)
    process(engine, headers)
    assert [e.kind for e in seen] == [Kind.PASSED_WITH_CLEARANCE] * 2
    assert dataclasses.astuple(seen[0]) == dataclasses.astuple(seen[1])
    assert (seen[0].rule, seen[0].level) == ("default", "managed")


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_remembered_clearance_still_expires() -> None:
    """settle() remembers which clearance a request's lines name, never that it is
    current: the same lines stop passing once the clearance's lifetime is over."""
    issued = NOW  # when clearance_cookie issues (patched above)
    clock = Clock(issued)
    engine = Engine(make_engine().config, clock=clock)
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine)}
    assert isinstance(settle(engine, headers), Forward)  # remembered from here on
    clock.now = issued + engine.config.passage_ttl + engine.config.clock_skew + 2
    assert settle(engine, headers) is None
    assert not isinstance(process(engine, headers), Forward)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"peer": "203.0.113.9"}, id="other network"),
        pytest.param({"user-agent": "curl/8"}, id="other UA"),
        pytest.param({"scheme": "https"}, id="other scheme (cookie name)"),
    ],
)
def test_a_remembered_clearance_is_only_for_the_same_request_lines(
    engine: Engine, change: dict[str, str]
) -> None:
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine)}
    assert isinstance(settle(engine, headers), Forward)
    peer = change.get("peer", IP)
    scheme = change.get("scheme", "http")
    changed = {**headers, "user-agent": change.get("user-agent", BROWSER_UA)}
    settled = engine.settle(
        scheme,
        "/page",
        peer,
        cookies=changed["cookie"],
        user_agent=changed["user-agent"],
        headers=changed,
        header=dict.get,
    )
    assert settled is None


def test_long_request_lines_settle_without_being_remembered(engine: Engine) -> None:
    """The memory is bounded in entries and in the size of what it keeps: lines longer
    than SETTLE_CACHE_KEY_CHARS are checked afresh each time."""
    padding = "; ".join(f"pad{i}={'x' * 100}" for i in range(50))
    headers = {"user-agent": BROWSER_UA, "cookie": f"{padding}; {cookie_for(engine)}"}
    assert len(headers["cookie"]) > engine_module.SETTLE_CACHE_KEY_CHARS
    for _ in range(2):
        assert settle(engine, headers) == process(engine, headers)
    info = engine._held_clearance.cache_info()
    assert (info.currsize, info.maxsize) == (0, engine_module.SETTLE_CACHE_SIZE)


def test_observers_with_record_pass_get_no_event(engine: Engine) -> None:
    passes: list[tuple[str | None, str | None, float]] = []
    events: list[Event] = []

    class Counting:
        def record(self, event: Event) -> None:
            events.append(event)

        def record_pass(self, rule: str | None, level: str | None, at: float) -> None:
            passes.append((rule, level, at))

    engine.add_observer(Counting())
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine)}
    settle(engine, headers)
    process(engine, headers)
    assert passes == [("default", "managed", NOW)] * 2
    assert events == []


def test_a_failing_observer_does_not_stop_a_pass(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    class Broken:
        def record(self, event: Event) -> None:
            raise RuntimeError("observer down")

        def record_pass(self, rule: str | None, level: str | None, at: float) -> None:
            raise RuntimeError("observer down")

    engine.add_observer(Broken())
    headers = {"user-agent": BROWSER_UA, "cookie": cookie_for(engine)}
    assert isinstance(settle(engine, headers), Forward)
    assert "observer" in caplog.text and "failed" in caplog.text
