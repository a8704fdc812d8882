"""Verified bots: true only for a crawler User-Agent from its operator's ranges."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

import pytest

from humangate import ConfigError, Rule
from humangate.bots import VerifiedBots, prefixes_from_published, refresh
from humangate.engine import Engine
from humangate.levels import Action
from tests.test_phases import decide, make, request

GOOGLEBOT = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"


def ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    return ipaddress.ip_address(text)


def test_shipped_snapshot_cites_its_source() -> None:
    bots = VerifiedBots.load()
    raw = json.loads(
        (Path(__file__).parents[1] / "sdk/humangate/data/verified_bots.json").read_text()
    )
    google = raw["crawlers"]["googlebot"]
    assert google["source"].startswith("https://developers.google.com/")
    assert google["creationTime"]
    assert bots.crawlers[0].networks


def test_real_googlebot_is_verified_and_a_spoof_is_not() -> None:
    bots = VerifiedBots.load()
    assert bots.is_verified(ip("66.249.66.1"), GOOGLEBOT)
    assert not bots.is_verified(ip("203.0.113.7"), GOOGLEBOT)  # spoofed UA
    assert not bots.is_verified(ip("66.249.66.1"), "curl/8.0")  # Google's IP, not the bot
    assert not bots.is_verified(None, GOOGLEBOT)


def test_cf_client_bot_field_in_rules() -> None:
    config = make(default_action="allow", rules=[Rule("not cf.client.bot", "managed_challenge")])
    assert decide(config, request(ip="66.249.66.1", user_agent=GOOGLEBOT)).action is Action.ALLOW
    spoof = request(ip="203.0.113.7", user_agent=GOOGLEBOT)
    assert decide(config, spoof).action is Action.MANAGED_CHALLENGE


def test_verified_bots_can_be_turned_off() -> None:
    config = make(
        default_action="allow",
        verified_bots=False,
        rules=[Rule("cf.bot_management.verified_bot", "block")],
    )
    assert decide(config, request(ip="66.249.66.1", user_agent=GOOGLEBOT)).action is Action.ALLOW


def test_refresh_replaces_prefixes_from_a_published_list() -> None:
    current = {"crawlers": {"googlebot": {"user_agent": "Googlebot", "prefixes": ["1.2.3.0/24"]}}}
    published = {
        "creationTime": "2030-01-01T00:00:00",
        "prefixes": [{"ipv4Prefix": "192.0.2.0/24"}, {"ipv6Prefix": "2001:db8::/32"}],
    }
    updated = refresh(current, "googlebot", published)
    assert updated["crawlers"]["googlebot"]["prefixes"] == ["192.0.2.0/24", "2001:db8::/32"]
    assert current["crawlers"]["googlebot"]["prefixes"] == ["1.2.3.0/24"]  # not mutated
    with pytest.raises(ValueError, match="unknown crawler"):
        refresh(current, "nobot", published)
    with pytest.raises(ValueError, match="does not appear to be"):
        refresh(current, "googlebot", {"prefixes": [{"ipv4Prefix": "not-a-net"}]})
    assert prefixes_from_published({"prefixes": []}) == []


def test_bad_bots_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "bots.json"
    bad.write_text("{}")
    with pytest.raises(ConfigError, match="bots_file"):
        Engine(make(bots_file=str(bad)))
