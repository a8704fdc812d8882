"""Rate limiting rules: characteristics, the 'above the limit' rule, windows and the
mitigation timeout, Retry-After, counting expressions (response status included)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
from collections.abc import Callable
from typing import Any

import pytest

from humangate import ConfigError, Rule
from humangate.config import Config, RateLimit
from humangate.effects import run_async, run_sync
from humangate.engine import Answer, Engine, Forward
from humangate.errors import StoreError
from humangate.levels import Action
from humangate.request import Request
from humangate.rules.context import RequestFields
from humangate.rules.ratelimit import parse_characteristic
from humangate.stores.memory import MemoryStore
from tests.support import WSGIClient, call_asgi
from tests.test_phases import ALWAYS, decide, make, request

WINDOW_START = 60.0 * 20_000_000  # a Unix time on a minute boundary (2008)


class Clock:
    """The engine's clock and the memory store's expiry clock, moved together."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, at: float = WINDOW_START) -> None:
        self.now = at
        monkeypatch.setattr("humangate.stores.memory.time.monotonic", self)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(monkeypatch)


def limited_after(config: Any, requests: list[Request], store: Any = None) -> list[Action]:
    store = MemoryStore() if store is None else store
    return [decide(config, req, store=store).action for req in requests]


def actions(engine: Engine, store: MemoryStore, *requests: Request) -> list[Action]:
    out = []
    for req in requests:
        verdict = run_sync(engine._decide(req, engine._visitor(req)), store)
        out.append(verdict.action)
    return out


def answer(engine: Engine, store: MemoryStore, req: Request) -> Answer | Forward:
    outcome: Answer | Forward = run_sync(engine.process(req), store)
    return outcome


def retry_after(outcome: Answer | Forward) -> int:
    assert isinstance(outcome, Answer)
    assert outcome.response.status == 429
    return int(dict(outcome.response.headers)["retry-after"])


def api_request(path: str = "/", ip: str = "192.0.2.1") -> Request:
    return Request("GET", path, headers=(("accept", "application/json"),), peer=ip)


# -- counting -----------------------------------------------------------------------------


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


# -- windows, the mitigation timeout and Retry-After ----------------------------------------


def test_windows_are_aligned_to_the_clock(clock: Clock) -> None:
    config = make(
        default_action="allow",
        rate_limits=[RateLimit(ALWAYS, period=10, requests_per_period=1)],
    )
    engine, store = Engine(config, clock=clock), MemoryStore()
    clock.advance(8)
    assert actions(engine, store, request(), request()) == [Action.ALLOW, Action.BLOCK]
    clock.advance(2)  # the next 10 s window: counting starts again
    assert actions(engine, store, request(), request()) == [Action.ALLOW, Action.BLOCK]


@pytest.mark.parametrize(("into_window", "expected"), [(0, 60), (15, 45), (59.5, 1), (59.99, 1)])
def test_retry_after_is_the_time_left_in_the_window(
    clock: Clock, into_window: float, expected: int
) -> None:
    config = make(
        default_action="allow", rate_limits=[RateLimit(ALWAYS, period=60, requests_per_period=1)]
    )
    engine, store = Engine(config, clock=clock), MemoryStore()
    clock.advance(into_window)
    assert isinstance(answer(engine, store, api_request()), Forward)
    assert retry_after(answer(engine, store, api_request())) == expected


def test_retry_after_is_the_mitigation_time_left(clock: Clock) -> None:
    config = make(
        default_action="allow",
        rate_limits=[RateLimit(ALWAYS, period=10, requests_per_period=1, mitigation_timeout=600)],
    )
    engine, store = Engine(config, clock=clock), MemoryStore()
    clock.advance(3)
    answer(engine, store, api_request())
    first = answer(engine, store, api_request())
    assert retry_after(first) == 600  # just tripped: the whole timeout
    clock.advance(100.4)
    later = answer(engine, store, api_request())
    assert retry_after(later) == 500  # 499.6 s left, rounded up
    assert isinstance(later, Answer)
    assert json.loads(later.response.body)["retry_after"] == 500
    clock.advance(499)
    assert retry_after(answer(engine, store, api_request())) == 1  # at least 1
    clock.advance(1)
    assert isinstance(answer(engine, store, api_request()), Forward)


def test_mitigation_timeout_outlasts_the_period(clock: Clock) -> None:
    config = make(
        default_action="allow",
        rate_limits=[RateLimit(ALWAYS, period=10, requests_per_period=1, mitigation_timeout=60)],
    )
    engine, store = Engine(config, clock=clock), MemoryStore()
    assert actions(engine, store, request(), request()) == [Action.ALLOW, Action.BLOCK]
    clock.advance(30)  # the 10 s window is over, the 60 s mitigation is not
    assert actions(engine, store, request()) == [Action.BLOCK]
    clock.advance(31)
    assert actions(engine, store, request()) == [Action.ALLOW]


@pytest.mark.parametrize("html", [True, False])
def test_block_answers_429_with_retry_after(clock: Clock, html: bool) -> None:
    config = make(
        default_action="allow", rate_limits=[RateLimit(ALWAYS, period=60, requests_per_period=1)]
    )
    engine, store = Engine(config, clock=clock), MemoryStore()
    clock.advance(20)
    accept = "text/html" if html else "application/json"
    req = Request("GET", "/", headers=(("accept", accept),), peer="192.0.2.1")
    assert isinstance(run_sync(engine.process(req), store), Forward)
    outcome = run_sync(engine.process(req), store)
    assert isinstance(outcome, Answer)
    response = outcome.response
    assert response.status == 429
    assert ("retry-after", "40") in response.headers
    content_type = dict(response.headers)["content-type"]
    assert content_type.startswith("text/html" if html else "application/problem+json")


def test_toml_rate_limits(tmp_path: Any) -> None:
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
counting_expression = 'http.response.code in {{401 403}}'
'''
    )
    config = Config.from_toml(path)
    assert config.rate_limits[0].characteristics == ("ip.src", 'http.request.headers["x-user"]')
    assert config.rate_limits[0].mitigation_timeout == 600
    assert config.rate_limits[0].counting_expression == "http.response.code in {401 403}"


def test_async_driver_runs_the_same_rate_limit_flow() -> None:
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


# -- counting expressions ---------------------------------------------------------------------


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


def test_an_uncounted_request_is_mitigated_but_never_counted() -> None:
    """The rule's expression decides who is mitigated; the counting expression only
    who is counted: a request it leaves out reads the counter and adds nothing."""
    config = make(
        default_action="allow",
        rate_limits=[
            RateLimit(
                'http.request.uri.path wildcard "/api/*"',
                requests_per_period=2,
                counting_expression='http.request.method eq "POST"',
            )
        ],
    )
    store = MemoryStore()
    post = Request("POST", "/api/orders", headers=(("accept", "text/html"),), peer="192.0.2.1")
    get = Request("GET", "/api/orders", headers=(("accept", "text/html"),), peer="192.0.2.1")
    # 2 POSTs reach the limit; any number of GETs would have pushed it over if counted.
    assert limited_after(config, [post, post, get, get, get], store) == [Action.ALLOW] * 5
    assert limited_after(config, [post], store) == [Action.BLOCK]  # the 3rd POST: over
    assert limited_after(config, [get], store) == [Action.BLOCK]  # uncounted, still mitigated


def test_response_fields_only_in_counting_expressions() -> None:
    with pytest.raises(ConfigError, match="response field") as err:
        make(rules=[Rule("http.response.code eq 401", "block")])
    assert err.value.field == "rules[0].expression"
    with pytest.raises(ConfigError, match="counting_expression") as err:
        make(rate_limits=[RateLimit("http.response.code eq 401")])
    assert err.value.field == "rate_limits[0].expression"
    make(rate_limits=[RateLimit(ALWAYS, counting_expression="http.response.code eq 401")])
    with pytest.raises(ConfigError, match="Int") as err:
        make(rate_limits=[RateLimit(ALWAYS, counting_expression='http.response.code eq "x"')])
    assert err.value.field == "rate_limits[0].counting_expression"


def login_app(environ: Any, start_response: Any) -> list[bytes]:
    """/login answers 401 unless the password is right; everything else 200."""
    failed = environ["PATH_INFO"] == "/login" and "pw=right" not in environ["QUERY_STRING"]
    start_response("401 Unauthorized" if failed else "200 OK", [("content-type", "text/plain")])
    return [b"no" if failed else b"ok"]


FAILED_LOGINS = RateLimit(
    'http.request.uri.path eq "/login"',
    requests_per_period=2,
    period=60,
    counting_expression="http.response.code eq 401",
    description="failed logins",
)


def test_failed_logins_counted_by_response_status_wsgi(clock: Clock) -> None:
    from humangate.wsgi import HumanGate  # noqa: PLC0415

    app = HumanGate(login_app, make(default_action="allow", rate_limits=[FAILED_LOGINS]))
    app.gate.engine._clock = clock
    client = WSGIClient(app, ip="192.0.2.1")

    def status(query: str) -> int:
        return client.request("GET", "/login", query=query, html=False).status

    # Successful logins are never counted; the limit is on failures only.
    assert [status("pw=right") for _ in range(5)] == [200] * 5
    assert [status("pw=wrong"), status("pw=wrong")] == [401, 401]  # 2 failures: at the limit
    assert status("pw=right") == 200  # not counted, and 2 is not above 2
    assert status("pw=wrong") == 401  # answered (the counter read 2), then counted: 3
    assert status("pw=right") == 429  # over: every login is refused until the window ends
    other = WSGIClient(app, ip="192.0.2.2")
    assert other.request("GET", "/login", query="pw=wrong", html=False).status == 401
    clock.advance(60)
    assert status("pw=right") == 200


def test_failed_logins_counted_by_response_status_asgi(clock: Clock) -> None:
    from humangate.asgi import HumanGate  # noqa: PLC0415

    async def app(scope: Any, receive: Any, send: Any) -> None:
        failed = scope["path"] == "/login" and b"pw=right" not in scope["query_string"]
        await send({"type": "http.response.start", "status": 401 if failed else 200})
        await send({"type": "http.response.body", "body": b""})

    gate = HumanGate(app, make(default_action="allow", rate_limits=[FAILED_LOGINS]))
    gate.gate.engine._clock = clock

    async def status(query: bytes) -> int:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/login",
            "query_string": query,
            "headers": [(b"accept", b"application/json")],
            "client": ("192.0.2.1", 1234),
        }
        sent = await call_asgi(gate, scope)
        return int(sent[0]["status"])

    async def run() -> list[int]:
        queries = [b"pw=right", b"pw=wrong", b"pw=wrong", b"pw=wrong", b"pw=right"]
        return [await status(q) for q in queries]

    assert asyncio.run(run()) == [200, 401, 401, 401, 429]


class FailingStore(MemoryStore):
    """Fails every increment after the first ``ok`` ones."""

    def __init__(self, ok: int) -> None:
        super().__init__()
        self.ok = ok

    def incr(self, key: str, window: float, amount: int = 1) -> int:
        if self.ok <= 0:
            raise StoreError("down")
        self.ok -= 1
        return super().incr(key, window, amount)


def test_response_counting_survives_a_store_outage() -> None:
    engine = Engine(make(default_action="allow", rate_limits=[FAILED_LOGINS]))
    store = FailingStore(ok=1)  # the request's read works, the count after it does not
    outcome = run_sync(engine.process(api_request("/login")), store)
    assert isinstance(outcome, Forward)
    count: Callable[[int], Any] | None = outcome.count_response
    assert count is not None
    run_sync(count(401), store)  # logged, not raised
    run_sync(count(401), MemoryStore())  # and only ever counted once
