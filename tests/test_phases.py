"""The rule phases: IP access, custom rules (skip/allow/block/log/challenges), rate
limits, the default action and under-attack mode, driven through the engine."""

from __future__ import annotations

from typing import Any

import pytest

from humangate import Config, ConfigError, Rule
from humangate.config import IPAccessRule, RateLimit
from humangate.effects import Increment, IsSpent, Spend, run_sync
from humangate.engine import Answer, Engine, Forward
from humangate.geo import GeoInfo, NoGeo
from humangate.levels import Action
from humangate.request import Request
from humangate.rules.phases import CUSTOM, DEFAULT, IP_ACCESS, RATE_LIMIT, UNDER_ATTACK, Phases
from humangate.rules.service import HEADER, mint
from humangate.stores.memory import MemoryStore
from humangate.tokens import KeyRing
from tests.conftest import BROWSER_UA, SECRET

ALLOWLIST = "ip.src in {192.0.2.1 198.51.100.42 203.0.113.0/24}"
ALWAYS = 'http.request.method eq "GET"'
CLOUDS = "(ip.src.asnum in {16509 15169} and not cf.client.bot)"


class FakeGeo:
    def __init__(self, table: dict[str, GeoInfo]) -> None:
        self.table = table
        self.calls = 0

    def lookup(self, ip: Any) -> GeoInfo:
        self.calls += 1
        return self.table.get(str(ip), GeoInfo())


def make(**settings: Any) -> Config:
    settings.setdefault("store", "memory://")
    return Config(secret_keys=[SECRET], **settings)


def request(path: str = "/", ip: str = "198.51.100.7", **headers: str) -> Request:
    lines = [("user-agent", BROWSER_UA), ("accept", "text/html"), ("host", "example.com")]
    lines += [(k.replace("_", "-"), v) for k, v in headers.items()]
    return Request("GET", path, headers=tuple(lines), peer=ip)


def decide(config: Config, req: Request, geo: FakeGeo | None = None, store: Any = None) -> Any:
    # A fixed clock: rate limit windows are aligned to it, so real time could straddle one.
    engine = Engine(config, clock=lambda: 1_800_000_010.0)
    if geo is not None:
        engine._parts.phases = Phases(config, geo, engine._phases._bots)  # a test database
    visitor = engine._visitor(req)
    return run_sync(engine._decide(req, visitor), MemoryStore() if store is None else store)


CLOUD_GEO = FakeGeo(
    {
        "52.95.110.1": GeoInfo("US", "NA", 16509),  # an AWS address
        "66.249.66.1": GeoInfo("US", "NA", 15169),  # Googlebot's published range
        "35.190.0.9": GeoInfo("US", "NA", 15169),  # a GCP VM
        "192.0.2.1": GeoInfo("US", "NA", 16509),
    }
)


# -- the seed's allowlist examples, verbatim ---------------------------------------------


@pytest.mark.parametrize(
    ("ip", "ua", "expected"),
    [
        ("52.95.110.1", BROWSER_UA, Action.BLOCK),  # AWS, not a verified bot
        ("35.190.0.9", "Mozilla/5.0 (compatible; Googlebot/2.1)", Action.BLOCK),  # spoofed
        ("66.249.66.1", "Mozilla/5.0 (compatible; Googlebot/2.1)", Action.ALLOW),  # real bot
        ("192.0.2.1", BROWSER_UA, Action.ALLOW),  # allowlisted IP inside AWS
        ("203.0.113.9", BROWSER_UA, Action.ALLOW),  # allowlisted range
    ],
)
def test_seed_skip_rule_before_block(ip: str, ua: str, expected: Action) -> None:
    config = make(
        default_action="allow",
        rules=[
            Rule(ALLOWLIST, "skip", "allowlist"),  # Action: Skip > All remaining custom rules
            Rule(CLOUDS, "block", "clouds"),
        ],
    )
    verdict = decide(config, request(ip=ip, user_agent=ua), CLOUD_GEO)
    assert verdict.action is expected


@pytest.mark.parametrize("ip", ["52.95.110.1", "192.0.2.1", "66.249.66.1"])
def test_seed_single_rule_with_exclusion_matches_two_rule_form(ip: str) -> None:
    one = make(
        default_action="allow",
        rules=[Rule(f"{CLOUDS} and not ({ALLOWLIST})", "block")],
    )
    two = make(default_action="allow", rules=[Rule(ALLOWLIST, "skip"), Rule(CLOUDS, "block")])
    req = request(ip=ip)
    assert decide(one, req, CLOUD_GEO).action is decide(two, req, CLOUD_GEO).action


def test_seed_allowlist_examples_load_from_toml(tmp_path: Any) -> None:
    path = tmp_path / "humangate.toml"
    path.write_text(
        f'''
secret_keys = ["{SECRET}"]
store = "memory://"
default_action = "allow"

[[rules]]
expression = "ip.src in {{192.0.2.1 198.51.100.42 203.0.113.0/24}}"
action = "skip"

[[rules]]
expression = "(ip.src.asnum in {{16509 15169}} and not cf.client.bot)"
action = "block"
'''
    )
    config = Config.from_toml(path)
    assert decide(config, request(ip="52.95.110.1"), CLOUD_GEO).action is Action.BLOCK
    assert decide(config, request(ip="192.0.2.1"), CLOUD_GEO).action is Action.ALLOW


# -- custom rules --------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", ["block", "js_challenge", "managed_challenge", "challenge", "allow"]
)
def test_terminating_custom_actions(action: str) -> None:
    config = make(rules=[Rule('http.request.uri.path eq "/x"', action)])
    verdict = decide(config, request("/x"))
    assert verdict.action is Action(action)
    assert verdict.phase == CUSTOM
    assert decide(config, request("/y")).phase == DEFAULT


def test_first_terminating_rule_wins_and_log_continues(caplog: pytest.LogCaptureFixture) -> None:
    config = make(
        rules=[
            Rule(ALWAYS, "log", "audit"),
            Rule(ALWAYS, "js_challenge"),
            Rule(ALWAYS, "block"),
        ]
    )
    with caplog.at_level("INFO", logger="humangate.events"):
        verdict = decide(config, request())
    assert verdict.action is Action.JS_CHALLENGE
    assert [m.label for m in verdict.matches] == ["audit", ALWAYS]
    assert "rule matched (log)" in caplog.text


def test_bare_skip_skips_remaining_rules_and_default() -> None:
    config = make(default_action="block", rules=[Rule(ALWAYS, "skip"), Rule(ALWAYS, "block")])
    assert config.rules[0].skip == ("rules",)
    verdict = decide(config, request())
    assert (verdict.action, verdict.phase) == (Action.ALLOW, CUSTOM)


def test_skip_rate_limits_only_keeps_evaluating_rules() -> None:
    config = make(
        default_action="allow",
        rules=[Rule(ALWAYS, "skip", skip=["rate_limits"]), Rule(ALWAYS, "challenge")],
        rate_limits=[RateLimit(ALWAYS, requests_per_period=1)],
    )
    store = MemoryStore()
    for _ in range(3):
        assert decide(config, request(), store=store).action is Action.CHALLENGE


def test_skip_rate_limits_bypasses_counting() -> None:
    config = make(
        default_action="allow",
        rules=[Rule('http.request.uri.path eq "/health"', "skip", skip="rate_limits")],
        rate_limits=[RateLimit(ALWAYS, requests_per_period=1)],
    )
    store = MemoryStore()
    for _ in range(5):
        assert decide(config, request("/health"), store=store).action is Action.ALLOW
    assert decide(config, request("/"), store=store).action is Action.ALLOW
    assert decide(config, request("/"), store=store).action is Action.BLOCK


def test_skip_rules_still_rate_limited_but_skip_all_is_not() -> None:
    limit = RateLimit(ALWAYS, requests_per_period=1)
    rules_only = make(rules=[Rule(ALWAYS, "skip")], rate_limits=[limit])
    everything = make(rules=[Rule(ALWAYS, "skip", skip=["all"])], rate_limits=[limit])
    for config, last in ((rules_only, Action.BLOCK), (everything, Action.ALLOW)):
        store = MemoryStore()
        assert decide(config, request(), store=store).action is Action.ALLOW
        assert decide(config, request(), store=store).action is last


def test_skip_parameters_are_validated() -> None:
    with pytest.raises(ConfigError, match="skip"):
        Rule(ALWAYS, "skip", skip=["managed"])
    with pytest.raises(ConfigError, match="only a rule with action 'skip'"):
        Rule(ALWAYS, "block", skip=["rules"])


def test_positional_rule_signature_still_works() -> None:
    rule = Rule(ALWAYS, "block", "desc")
    assert (rule.expression, rule.action, rule.description, rule.skip) == (
        ALWAYS,
        "block",
        "desc",
        (),
    )


# -- under attack --------------------------------------------------------------------


def test_under_attack_challenges_what_is_not_skipped_or_allowed() -> None:
    config = make(
        default_action="allow",
        under_attack=True,
        rules=[
            Rule('http.request.uri.path eq "/api"', "skip"),
            Rule('http.request.uri.path eq "/ok"', "allow"),
            Rule('http.request.uri.path eq "/js"', "js_challenge"),
            Rule('http.request.uri.path eq "/hard"', "challenge"),
        ],
    )
    assert decide(config, request("/")).action is Action.MANAGED_CHALLENGE
    assert decide(config, request("/")).phase == UNDER_ATTACK
    assert decide(config, request("/api")).action is Action.ALLOW
    assert decide(config, request("/ok")).action is Action.ALLOW
    assert decide(config, request("/js")).action is Action.MANAGED_CHALLENGE
    assert decide(config, request("/hard")).action is Action.CHALLENGE


def test_under_attack_without_rules_answers_with_a_challenge() -> None:
    engine = Engine(make(default_action="allow", under_attack=True))
    outcome = run_sync(engine.process(request()), MemoryStore())
    assert isinstance(outcome, Answer)
    assert outcome.response.status == 403
    assert ("cf-mitigated", "challenge") in outcome.response.headers


# -- IP access phase -------------------------------------------------------------------


def test_ip_access_runs_before_custom_rules() -> None:
    config = make(
        default_action="allow",
        ip_access_rules=[IPAccessRule("203.0.113.0/24", "block")],
        rules=[Rule(ALWAYS, "skip")],
    )
    verdict = decide(config, request(ip="203.0.113.7"))
    assert (verdict.action, verdict.phase) == (Action.BLOCK, IP_ACCESS)


def test_ip_access_allow_bypasses_custom_rules_rate_limits_and_under_attack() -> None:
    config = make(
        under_attack=True,
        ip_access_rules=[IPAccessRule("198.51.100.7", "allow")],
        rules=[Rule(ALWAYS, "block")],
        rate_limits=[RateLimit(ALWAYS, requests_per_period=1)],
    )
    store = MemoryStore()
    for _ in range(3):
        verdict = decide(config, request(), store=store)
        assert (verdict.action, verdict.phase) == (Action.ALLOW, IP_ACCESS)


# -- service tokens --------------------------------------------------------------------


def test_service_token_lets_the_image_worker_skip_the_country_challenge() -> None:
    config = make(
        default_action="allow",
        rules=[
            Rule("humangate.service.verified", "skip", "trusted servers"),
            Rule('ip.src.country in {"CN" "RU"}', "managed_challenge", "suspicious countries"),
        ],
    )
    geo = FakeGeo({"198.51.100.7": GeoInfo("RU", "EU", 64500)})
    token = mint(KeyRing([SECRET], purposes=("service",)), "imgworker")
    worker = request("/images/sample.jpg", **{HEADER: token})
    assert decide(config, worker, geo).action is Action.ALLOW
    forged = request("/images/sample.jpg", **{HEADER: token[:-4] + "AAAA"})
    assert decide(config, forged, geo).action is Action.MANAGED_CHALLENGE
    assert decide(config, request("/images/sample.jpg"), geo).action is Action.MANAGED_CHALLENGE


def test_a_clearance_cookie_is_not_a_service_token() -> None:
    keys = KeyRing([SECRET], purposes=("clearance",))
    config = make(default_action="block", rules=[Rule("humangate.service.verified", "skip")])
    fake = keys.seal("clearance", {"svc": "x", "jti": "y"})
    assert decide(config, request(**{HEADER: fake})).action is Action.BLOCK


def test_revoked_service_token() -> None:
    config = make(
        default_action="block",
        rules=[Rule("humangate.service.verified", "skip")],
        revoked_service_tokens=["imgworker"],
    )
    token = mint(KeyRing([SECRET], purposes=("service",)), "imgworker")
    assert decide(config, request(**{HEADER: token})).action is Action.BLOCK


def test_expired_service_token() -> None:
    config = make(default_action="block", rules=[Rule("humangate.service.verified", "skip")])
    token = mint(KeyRing([SECRET], purposes=("service",)), "w", ttl=60, now=1000.0)
    assert decide(config, request(**{HEADER: token})).action is Action.BLOCK


# -- cheap pass path -------------------------------------------------------------------


class CountingStore(MemoryStore):
    calls = 0

    def incr(self, key: str, window: float, amount: int = 1) -> int:
        CountingStore.calls += 1
        return super().incr(key, window, amount)


def test_no_store_access_when_no_rate_limit_matches() -> None:
    config = make(
        default_action="allow",
        rules=[Rule('http.request.uri.path eq "/admin"', "challenge")],
        rate_limits=[RateLimit('http.request.uri.path eq "/login"')],
    )
    CountingStore.calls = 0
    store = CountingStore()
    engine = Engine(config)
    assert isinstance(run_sync(engine.process(request("/")), store), Forward)
    assert CountingStore.calls == 0
    run_sync(engine.process(request("/login")), store)
    assert CountingStore.calls == 1


def test_geo_is_looked_up_only_when_a_rule_reads_it() -> None:
    geo = FakeGeo({})
    config = make(default_action="allow", rules=[Rule('http.request.uri.path eq "/x"', "block")])
    decide(config, request("/"), geo)
    assert geo.calls == 0
    config = make(default_action="allow", rules=[Rule('ip.src.country eq "US"', "block")])
    decide(config, request("/"), geo)
    assert geo.calls == 1


def test_country_header_trusted_only_from_a_trusted_proxy() -> None:
    config = make(
        default_action="allow",
        trusted_proxies=["10.0.0.0/8"],
        country_header="cf-ipcountry",
        rules=[Rule('ip.geoip.country eq "NZ"', "block")],
    )
    via_proxy = request(ip="10.1.2.3", cf_ipcountry="NZ", x_forwarded_for="203.0.113.5")
    assert decide(config, via_proxy).action is Action.BLOCK
    direct = request(ip="203.0.113.5", cf_ipcountry="NZ")
    assert decide(config, direct).action is Action.ALLOW


def test_rate_limit_phase_label() -> None:
    config = make(default_action="allow", rate_limits=[RateLimit(ALWAYS, requests_per_period=1)])
    store = MemoryStore()
    decide(config, request(), store=store)
    verdict = decide(config, request(), store=store)
    assert (verdict.action, verdict.phase) == (Action.BLOCK, RATE_LIMIT)


def test_rate_limit_phase_is_sans_io() -> None:
    """The phases only yield store operations (effects); the caller performs them."""
    limit = RateLimit(ALWAYS, requests_per_period=1, mitigation_timeout=60, action="challenge")
    engine = Engine(make(default_action="allow", rate_limits=[limit]))
    store = MemoryStore()
    seen: list[type] = []
    for _ in range(2):
        req = request()
        flow = engine.phases.decide(engine.rule_fields(req, None, None), None, 1_000.0)
        try:
            operation = next(flow)
            while True:
                seen.append(type(operation))
                assert isinstance(operation, Spend | Increment | IsSpent)
                result = _perform(store, operation)
                operation = flow.send(result)
        except StopIteration as done:
            verdict = done.value
    assert verdict.action is Action.CHALLENGE
    assert set(seen) == {IsSpent, Increment, Spend}


def _perform(store: MemoryStore, operation: object) -> object:
    if isinstance(operation, Spend):
        return store.spend(operation.key, operation.ttl)
    if isinstance(operation, IsSpent):
        return store.is_spent(operation.key)
    assert isinstance(operation, Increment)
    return store.incr(operation.key, operation.window, operation.amount)


def test_phases_locate_visits_only_with_a_geo_database_or_a_country_header() -> None:
    # Events skip the rule fields (a lookup per challenge answer) when nothing could
    # fill their country or network.
    assert Phases(make(), NoGeo(), None).locates is False
    assert Phases(make(), CLOUD_GEO, None).locates is True
    assert Phases(make(country_header="cf-ipcountry"), NoGeo(), None).locates is True
    assert Engine(make())._phases.locates is False
