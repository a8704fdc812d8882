from __future__ import annotations

import logging
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from humangate import Binding, Config, ConfigError, Rule
from humangate.tokens import generate_secret
from tests.conftest import SECRET


def make(**overrides: object) -> Config:
    return Config(**{"secret_keys": [SECRET], "store": "memory://", **overrides})  # type: ignore[arg-type]


def test_defaults() -> None:
    config = make()
    assert config.passage_ttl == 1800
    assert config.default_action == "managed_challenge"
    assert config.path_prefix == "/.humangate/"
    assert config.clearance_binding == Binding(24, 64, True)
    assert config.trusted_proxies is None
    assert Config(secret_keys=[SECRET]).store.startswith("sqlite:///")


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        make().difficulty = 3  # type: ignore[misc]


def test_timedelta_and_seconds_accepted() -> None:
    assert make(passage_ttl=timedelta(minutes=45)).passage_ttl == 2700


def test_missing_secret_is_an_error_at_construction() -> None:
    with pytest.raises(ConfigError) as err:
        Config(store="memory://")
    assert err.value.field == "secret_keys"
    assert "humangate keygen" in str(err.value)


def test_dev_mode_makes_an_ephemeral_key_loudly(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level("WARNING", logger="humangate"):
        config = Config(store="memory://", dev_mode=True)
    assert len(config.secret_keys) == 1
    # Once: a log record (printed to stderr when logging is not configured), no
    # second copy through the warnings module.
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "EPHEMERAL" in caplog.records[0].message


def test_dev_mode_warning_prints_once_on_stderr() -> None:
    code = "from humangate import Config; Config(store='memory://', dev_mode=True)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stderr.count("EPHEMERAL") == 1, result.stderr


def test_environment_gives_the_secret_through_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # Issue 19: the environment is read by the explicit Config.from_env() step, and never
    # silently overrides secret_keys given in code (tests/test_config_environment.py).
    new, old = generate_secret(), generate_secret()
    monkeypatch.setenv("HUMANGATE_SECRET_KEYS", f"{new}, {old}")
    assert Config.from_env(store="memory://").secret_keys == (new, old)
    assert make().secret_keys == (SECRET,)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("passage_ttl", -5),
        ("passage_ttl", "30m"),
        ("trusted_proxies", ["nope"]),
        ("store", "postgres://x"),
        ("store", "no-scheme"),
        ("default_action", "explode"),
        ("default_action", "log"),
        ("path_prefix", "humangate"),
        ("path_prefix", "/x"),
        ("cookie_name", "bad name;"),
        ("cookie_samesite", "lax"),
        ("difficulty", 99),
        ("difficulty", True),
        ("max_solve_body", 10),
        ("secret_keys", ["short"]),
    ],
)
def test_bad_values_name_the_field(field: str, value: object) -> None:
    with pytest.raises(ConfigError) as err:
        make(**{field: value})
    assert err.value.field.startswith(field.split("[", maxsplit=1)[0]) or field == "secret_keys"


def test_samesite_none_needs_secure() -> None:
    with pytest.raises(ConfigError):
        make(cookie_samesite="None", cookie_secure=False)


def test_rule_action_validated() -> None:
    with pytest.raises(ConfigError) as err:
        Rule("ssl", "bogus")
    assert "bogus" in str(err.value)


def test_rule_parse_error_at_config_time_with_position() -> None:
    with pytest.raises(ConfigError) as err:
        make(rules=[Rule('http.request.uri.path eq "/a"', "skip"), Rule("http.host eq", "block")])
    assert err.value.field == "rules[1].expression"
    assert "^" in str(err.value)


def test_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "humangate.toml"
    path.write_text(
        f"""
[humangate]
secret_keys = ["{SECRET}"]
store = "memory://"
passage_ttl = 900
trusted_proxies = ["10.0.0.0/8"]
default_action = "js_challenge"
clearance_binding = {{ ipv4_prefix = 32, ipv6_prefix = 128 }}

[[humangate.rules]]
expression = 'starts_with(http.request.uri.path, "/api/")'
action = "skip"
""",
        encoding="utf-8",
    )
    config = Config.from_toml(path)
    assert config.passage_ttl == 900
    assert config.trusted_proxies == ("10.0.0.0/8",)
    assert config.rules[0].action == "skip"
    assert config.clearance_binding.ipv4_prefix == 32


def test_from_toml_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        Config.from_toml(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("not = [valid", encoding="utf-8")
    with pytest.raises(ConfigError):
        Config.from_toml(bad)
    unknown = tmp_path / "unknown.toml"
    unknown.write_text(f'secret_keys = ["{SECRET}"]\nsecrets = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        Config.from_toml(unknown)
    assert err.value.field == "secrets"


def test_a_hop_count_without_proxy_peers_warns_at_start(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="humangate")
    Config(secret_keys=[SECRET], store="memory://", trusted_proxies=1)
    assert "chooses its own IP address" in caplog.text
    caplog.clear()
    peers = ["10.0.0.0/8"]
    config = Config(
        secret_keys=[SECRET], store="memory://", trusted_proxies=1, trusted_proxy_peers=peers
    )
    assert config.trusted_proxy_peers == ("10.0.0.0/8",) and caplog.text == ""


def test_the_default_clock_skew_grace_is_short() -> None:
    # Clearances and tickets are issued and checked by the owner's own servers.
    assert Config(secret_keys=[SECRET], store="memory://").clock_skew == 30
