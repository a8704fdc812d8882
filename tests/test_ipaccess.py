"""IP access rules: targets, precedence (allow beats block; most specific wins)."""

from __future__ import annotations

import pytest

from humangate import ConfigError
from humangate.config import IPAccessRule
from humangate.geo import GeoInfo
from humangate.levels import Action
from humangate.rules.ipaccess import parse_target
from humangate.rules.phases import IP_ACCESS
from tests.test_phases import FakeGeo, decide, make, request

GEO = FakeGeo({"192.0.2.10": GeoInfo("NZ", "OC", 13335), "2001:db8::5": GeoInfo("DE", "EU", 3320)})


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("192.0.2.1", "ip"),
        ("2001:db8::1", "ip"),
        ("192.0.2.0/24", "ip_range"),
        ("2001:db8::/32", "ip_range"),
        ("AS13335", "asn"),
        ("as64500", "asn"),
        ("US", "country"),
        ("T1", "country"),
    ],
)
def test_targets(value: str, kind: str) -> None:
    assert parse_target(value).kind == kind


@pytest.mark.parametrize("value", ["", "192.0.2.1/24", "ASX", "usa", "not an ip"])
def test_bad_targets(value: str) -> None:
    with pytest.raises(ConfigError):
        IPAccessRule(value, "block")


def test_bad_mode() -> None:
    with pytest.raises(ConfigError, match="mode"):
        IPAccessRule("192.0.2.1", "skip")


@pytest.mark.parametrize(
    ("value", "ip"),
    [
        ("192.0.2.10", "192.0.2.10"),
        ("192.0.2.0/24", "192.0.2.10"),
        ("2001:db8::/48", "2001:db8::5"),
        ("AS13335", "192.0.2.10"),
        ("NZ", "192.0.2.10"),
        ("DE", "2001:db8::5"),
    ],
)
@pytest.mark.parametrize(
    "mode", ["block", "js_challenge", "managed_challenge", "challenge", "allow", "whitelist"]
)
def test_every_target_and_mode(value: str, ip: str, mode: str) -> None:
    config = make(default_action="block", ip_access_rules=[IPAccessRule(value, mode)])
    verdict = decide(config, request(ip=ip), GEO)
    expected = Action.ALLOW if mode == "whitelist" else Action(mode)
    assert (verdict.action, verdict.phase) == (expected, IP_ACCESS)


def test_no_match_falls_through() -> None:
    config = make(default_action="js_challenge", ip_access_rules=[IPAccessRule("US", "block")])
    assert decide(config, request(ip="192.0.2.10"), GEO).action is Action.JS_CHALLENGE


def test_allow_beats_block_even_when_less_specific() -> None:
    config = make(
        ip_access_rules=[IPAccessRule("192.0.2.10", "block"), IPAccessRule("NZ", "allow")]
    )
    assert decide(config, request(ip="192.0.2.10"), GEO).action is Action.ALLOW


def test_most_specific_wins_among_non_allow() -> None:
    config = make(
        ip_access_rules=[
            IPAccessRule("NZ", "block"),
            IPAccessRule("AS13335", "challenge"),
            IPAccessRule("192.0.2.0/24", "js_challenge"),
        ]
    )
    assert decide(config, request(ip="192.0.2.10"), GEO).action is Action.JS_CHALLENGE


def test_ip_rules_skip_geo_lookups() -> None:
    geo = FakeGeo({})
    config = make(default_action="allow", ip_access_rules=[IPAccessRule("192.0.2.10", "block")])
    decide(config, request(ip="198.51.100.1"), geo)
    assert geo.calls == 0


def test_from_toml(tmp_path: object) -> None:
    from pathlib import Path  # noqa: PLC0415

    from humangate import Config  # noqa: PLC0415
    from tests.conftest import SECRET  # noqa: PLC0415

    path = Path(str(tmp_path)) / "c.toml"
    path.write_text(
        f'secret_keys = ["{SECRET}"]\nstore = "memory://"\n'
        '[[ip_access_rules]]\nvalue = "203.0.113.0/24"\nmode = "block"\nnote = "scrapers"\n'
    )
    config = Config.from_toml(path)
    assert decide(config, request(ip="203.0.113.7")).action is Action.BLOCK
