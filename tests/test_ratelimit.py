"""Rate limiting rules: characteristics, the 'above the limit' rule, mitigation
timeout, counting expressions, and the 429 answer."""

from __future__ import annotations

import ipaddress
from typing import Any

import pytest

from humangate import ConfigError
from humangate.config import RateLimit
from humangate.effects import run_sync
from humangate.engine import Answer, Engine, Forward
from humangate.levels import Action
from humangate.request import Request
from humangate.rules.context import RequestFields
from humangate.rules.ratelimit import parse_characteristic
from humangate.stores.memory import MemoryStore
from tests.test_phases import ALWAYS, decide, make, request


def limited_after(config: Any, requests: list[Request], store: Any = None) -> list[Action]:
    store = MemoryStore() if store is None else store
    return [decide(config, req, store=store).action for req in requests]


def test_limited_only_above_requests_per_period() -> None:
    config = make(default_action="allow", rate_limits=[RateLimit(ALWAYS, requests_per_period=3)])
    actions = limited_after(config, [request()] * 5)
    assert actions == [Action.ALLOW] * 3 + [Action.BLOCK] * 2


def test_counters_are_per_ip_and_per_rule_expression() -> None:
    config = make(
        default_action="allow",
        rate_limits=[RateLimit('http.request.uri.path eq "/login"', requests_per_period=1)],
    )
    store = MemoryStore()
    assert limited_after(config, [request("/login")] * 2, store)[-1] is Action.BLOCK
    assert limited_after(config, [request("/login", ip="192.0.2.9")], store) == [Action.ALLOW]
    assert limited_after(config, [request("/other")] * 3, store) == [Action.ALLOW] * 3


def test_ip_prefix_characteristic_groups_a_network() -> None:
    config = make(
        default_action="allow",
        rate_limits=[RateLimit(ALWAYS, characteristics=["ip.src/24"], requests_per_period=2)],
    )
    reqs = [request(ip=f"203.0.113.{n}") for n in (1, 2, 3)] + [request(ip="203.0.114.1")]
    assert limited_after(config, reqs) == [Action.ALLOW, Action.ALLOW, Action.BLOCK, Action.ALLOW]


def test_header_characteristic() -> None:
    char = 'http.request.headers["x-api-key"]'
    config = make(
        default_action="allow",
        rate_limits=[RateLimit(ALWAYS, characteristics=[char], requests_per_period=1)],
    )
    store = MemoryStore()
    a = request(x_api_key="a", ip="192.0.2.1")
    a_elsewhere = request(x_api_key="a", ip="192.0.2.2")
    b = request(x_api_key="b", ip="192.0.2.1")
    assert limited_after(config, [a, a_elsewhere, b], store) == [
        Action.ALLOW,
        Action.BLOCK,
        Action.ALLOW,
    ]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ip.src", "2001:db8::1"),
        ("ip.src/24", "2001:db8::/64"),  # IPv6 is grouped per /64
        ("http.request.clearance.uuid", ""),
        ('http.request.headers["x-a"]', "1,2"),
        ("ip.src.country", ""),
    ],
)
def test_characteristic_readers(name: str, expected: str) -> None:
    req = Request("GET", "/", headers=(("x-a", "1"), ("x-a", "2")))
    fields = RequestFields(req, ipaddress.ip_address("2001:db8::1"), {})
    assert parse_characteristic(name)(fields) == expected


@pytest.mark.parametrize(
    "bad", ["ip.dst", "ip.src/40", 'http.request.headers["X-Upper"]', "http.cookie"]
)
def test_bad_characteristics_fail_at_config(bad: str) -> None:
    with pytest.raises(ConfigError, match="characteristics"):
        RateLimit(ALWAYS, characteristics=[bad])


@pytest.mark.parametrize(
    "settings",
    [
        {"period": 0},
        {"requests_per_period": 0},
        {"mitigation_timeout": -1},
        {"action": "skip"},
        {"characteristics": []},
    ],
)
def test_bad_settings_fail_at_config(settings: dict[str, Any]) -> None:
    with pytest.raises(ConfigError):
        RateLimit(ALWAYS, **settings)


def test_bad_expression_names_the_rate_limit() -> None:
    with pytest.raises(ConfigError) as err:
        make(rate_limits=[RateLimit("http.nope eq 1")])
    assert err.value.field == "rate_limits[0].expression"


def test_mitigation_timeout_outlasts_the_period() -> None:
    now = [1000.0]
    store = MemoryStore()
    config = make(
        default_action="allow",
        rate_limits=[RateLimit(ALWAYS, period=10, requests_per_period=1, mitigation_timeout=60)],
    )
    import humangate.stores.memory as memory  # noqa: PLC0415

    original = memory.time.monotonic
    memory.time.monotonic = lambda: now[0]  # type: ignore[assignment]
    try:
        assert limited_after(config, [request(), request()], store) == [Action.ALLOW, Action.BLOCK]
        now[0] += 30  # the 10 s window is over, the 60 s mitigation is not
        assert limited_after(config, [request()], store) == [Action.BLOCK]
        now[0] += 31
        assert limited_after(config, [request()], store) == [Action.ALLOW]
    finally:
        memory.time.monotonic = original  # type: ignore[assignment]


def test_counting_expression_counts_only_what_it_matches() -> None:
    config = make(
        default_action="allow",
        rate_limits=[
            RateLimit(
                ALWAYS,
                requests_per_period=1,
                counting_expression='http.request.uri.path eq "/login"',
            )
        ],
    )
    store = MemoryStore()
    assert limited_after(config, [request("/")] * 3, store) == [Action.ALLOW] * 3
    assert limited_after(config, [request("/login")], store) == [Action.ALLOW]
    assert limited_after(config, [request("/")], store) == [Action.ALLOW]  # 1 is not above 1
    assert limited_after(config, [request("/login"), request("/")], store) == [Action.BLOCK] * 2


def test_challenge_action_challenges_instead_of_429() -> None:
    config = make(
        default_action="allow",
        rate_limits=[RateLimit(ALWAYS, requests_per_period=1, action="managed_challenge")],
    )
    assert limited_after(config, [request()] * 2)[-1] is Action.MANAGED_CHALLENGE


def test_log_action_only_logs(caplog: pytest.LogCaptureFixture) -> None:
    config = make(
        default_action="allow", rate_limits=[RateLimit(ALWAYS, requests_per_period=1, action="log")]
    )
    with caplog.at_level("INFO", logger="humangate.events"):
        assert limited_after(config, [request()] * 2) == [Action.ALLOW] * 2
    assert "rate limit exceeded (log)" in caplog.text


@pytest.mark.parametrize("html", [True, False])
def test_block_answers_429_with_retry_after(html: bool) -> None:
    config = make(
        default_action="allow", rate_limits=[RateLimit(ALWAYS, period=60, requests_per_period=1)]
    )
    engine, store = Engine(config), MemoryStore()
    accept = "text/html" if html else "application/json"
    req = Request("GET", "/", headers=(("accept", accept),), peer="192.0.2.1")
    assert isinstance(run_sync(engine.process(req), store), Forward)
    outcome = run_sync(engine.process(req), store)
    assert isinstance(outcome, Answer)
    response = outcome.response
    assert response.status == 429
    assert ("retry-after", "60") in response.headers
    content_type = dict(response.headers)["content-type"]
    assert content_type.startswith("text/html" if html else "application/problem+json")


def test_toml_rate_limits(tmp_path: Any) -> None:
    from humangate import Config  # noqa: PLC0415
    from tests.conftest import SECRET  # noqa: PLC0415

    path = tmp_path / "c.toml"
    path.write_text(
        f'''secret_keys = ["{SECRET}"]
store = "memory://"
default_action = "allow"
[[rate_limits]]
expression = 'http.request.uri.path eq "/login"'
characteristics = ["ip.src", 'http.request.headers["x-user"]']
period = 10
requests_per_period = 5
mitigation_timeout = 600
'''
    )
    config = Config.from_toml(path)
    assert config.rate_limits[0].characteristics == ("ip.src", 'http.request.headers["x-user"]')
    assert config.rate_limits[0].mitigation_timeout == 600


def test_async_driver_runs_the_same_rate_limit_flow() -> None:
    import asyncio  # noqa: PLC0415

    from humangate.effects import run_async  # noqa: PLC0415

    config = make(
        default_action="allow",
        rate_limits=[RateLimit(ALWAYS, requests_per_period=1, mitigation_timeout=60)],
    )
    engine, store = Engine(config), MemoryStore()

    async def statuses() -> list[int]:
        out = []
        for _ in range(3):
            outcome = await run_async(engine.process(request()), store)
            out.append(outcome.response.status if isinstance(outcome, Answer) else 200)
        return out

    assert asyncio.run(statuses()) == [200, 429, 429]
