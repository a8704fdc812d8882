"""Configuration mistakes a new user makes, and the errors that name them."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest

from humangate import Config, ConfigError, IPAccessRule, RateLimit, Rule
from humangate.secret_strength import estimated_bits, weakness
from humangate.tokens import generate_secret
from tests.conftest import SECRET


def test_unknown_setting_suggests_the_public_name() -> None:
    with pytest.raises(ConfigError, match="did you mean 'secret_keys'") as caught:
        Config.from_mapping({"secret_key": [SECRET]})
    assert caught.value.field == "secret_key"


@pytest.mark.parametrize("internal", ["compiled_rules", "compiled_rule", "favicon_byte"])
def test_internal_fields_are_neither_accepted_nor_suggested(internal: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config.from_mapping({"secret_keys": [SECRET], internal: ()})
    message = str(caught.value)
    assert "compiled_rules" not in message.partition(":")[2]
    assert "favicon_bytes" not in message


def test_misspelt_rule_key_is_named() -> None:
    table = {"expresion": "true", "action": "skip"}
    with pytest.raises(ConfigError, match="did you mean 'expression'") as caught:
        Config.from_mapping({"secret_keys": [SECRET], "rules": [table]})
    assert caught.value.field == "rules[0].expresion"


def test_missing_rule_key_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        Config(secret_keys=[SECRET], rules=[{"expression": "true"}])
    assert caught.value.field == "rules[0].action"


def test_rules_as_dicts_equal_rules_as_objects() -> None:
    as_dicts = Config(
        secret_keys=[SECRET],
        store="memory://",
        rules=[{"expression": 'http.host eq "a"', "action": "block", "description": "d"}],
        rate_limits=[{"expression": "true", "requests_per_period": 5}],
        ip_access_rules=[{"value": "192.0.2.0/24", "mode": "block"}],
        clearance_binding={"user_agent": False},
    )
    as_objects = Config(
        secret_keys=[SECRET],
        store="memory://",
        rules=[Rule('http.host eq "a"', "block", "d")],
        rate_limits=[RateLimit("true", requests_per_period=5)],
        ip_access_rules=[IPAccessRule("192.0.2.0/24", "block")],
        clearance_binding=as_dicts.clearance_binding,
    )
    assert as_dicts == as_objects
    assert as_dicts.clearance_binding.user_agent is False


def test_a_bare_dict_for_rules_is_refused() -> None:
    with pytest.raises(ConfigError, match="a list"):
        Config(secret_keys=[SECRET], rules={"expression": "true", "action": "skip"})  # type: ignore[arg-type]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "humangate.toml"
    path.write_text(text)
    return path


def test_toml_typo_in_table_name_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, f'[humangte]\nsecret_keys = ["{SECRET}"]\n')
    with pytest.raises(ConfigError, match="did you mean 'humangate'"):
        Config.from_toml(path)


def test_toml_unknown_table_next_to_humangate_is_an_error(tmp_path: Path) -> None:
    text = f'[humangate]\nsecret_keys = ["{SECRET}"]\n\n[humangate_extra]\nx = 1\n'
    with pytest.raises(ConfigError, match="unknown top-level table") as caught:
        Config.from_toml(write(tmp_path, text))
    assert caught.value.field == "humangate_extra"


def test_toml_with_humangate_table_loads(tmp_path: Path) -> None:
    text = f'[humangate]\nsecret_keys = ["{SECRET}"]\nstore = "memory://"\n'
    assert Config.from_toml(write(tmp_path, text)).store == "memory://"


@pytest.mark.parametrize("secret", ["x" * 32, "changeme" * 4, "0123456789abcdef" * 2])
def test_low_entropy_secrets_are_refused_with_the_keygen_hint(secret: str) -> None:
    with pytest.raises(ConfigError, match="humangate keygen") as caught:
        Config(secret_keys=[secret], store="memory://")
    assert caught.value.field == "secret_keys"
    assert secret not in str(caught.value)  # never echo a secret


def test_generated_and_hex_secrets_pass() -> None:
    for _ in range(200):
        assert weakness(generate_secret()) is None
        assert weakness(secrets.token_hex(16)) is None  # 128 random bits as hex
    assert estimated_bits("x" * 64) == 0


def test_weak_old_secret_on_the_ring_is_refused_too() -> None:
    with pytest.raises(ConfigError, match="secret #1"):
        Config(secret_keys=[SECRET, "a" * 40], store="memory://")


def test_errors_name_nested_settings(tmp_path: Path) -> None:
    settings: dict[str, Any] = {
        "secret_keys": [SECRET],
        "rate_limits": [{"expression": "true", "period": 0}],
    }
    with pytest.raises(ConfigError) as caught:
        Config.from_mapping(settings)
    assert caught.value.field == "rate_limit.period"
