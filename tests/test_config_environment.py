"""Config.from_env / from_toml: the documented HUMANGATE_* variables, and which wins."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from humangate import Binding, Config, ConfigError, Rule
from humangate.config import environment
from tests.conftest import SECRET

ENV_SECRET = "env-secret-0123456789abcdefghijklmnopqrstuvwxyz"


def test_config_itself_never_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUMANGATE_SECRET_KEYS", ENV_SECRET)
    monkeypatch.setenv("HUMANGATE_DEFAULT_ACTION", "block")
    config = Config(secret_keys=[SECRET], store="memory://")
    assert config.secret_keys == (SECRET,)
    assert config.default_action == "managed_challenge"
    with pytest.raises(ConfigError) as err:
        Config(store="memory://")  # the variable alone does not configure Config(...)
    assert "Config.from_env()" in str(err.value)


def test_from_env_reads_every_documented_variable() -> None:
    environ = {
        "HUMANGATE_SECRET_KEYS": f" {ENV_SECRET} , {SECRET} ",
        "HUMANGATE_STORE": "memory://",
        "HUMANGATE_DEFAULT_ACTION": "js_challenge",
        "HUMANGATE_TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1",
        "HUMANGATE_DEV_MODE": "no",
    }
    config = Config.from_env(environ)
    assert config.secret_keys == (ENV_SECRET, SECRET)
    assert config.store == "memory://"
    assert config.default_action == "js_challenge"
    assert config.trusted_proxies == ("10.0.0.0/8", "192.0.2.1")
    assert config.dev_mode is False
    assert set(environment.VARIABLES) == set(environ)


def test_a_hop_count_and_dev_mode() -> None:
    with pytest.warns(UserWarning, match="EPHEMERAL"):
        config = Config.from_env(
            {"HUMANGATE_TRUSTED_PROXIES": "2", "HUMANGATE_DEV_MODE": "1"}, store="memory://"
        )
    assert config.trusted_proxies == 2
    assert config.dev_mode is True


def test_blank_variables_are_unset() -> None:
    config = Config.from_env({"HUMANGATE_STORE": "  "}, secret_keys=[SECRET])
    assert config.store == Config(secret_keys=[SECRET]).store


def test_a_bad_value_names_the_variable() -> None:
    with pytest.raises(ConfigError) as err:
        Config.from_env({"HUMANGATE_DEV_MODE": "maybe"}, secret_keys=[SECRET])
    assert err.value.field == "HUMANGATE_DEV_MODE"
    with pytest.raises(ConfigError) as err:
        Config.from_env({"HUMANGATE_DEFAULT_ACTION": "explode"}, secret_keys=[SECRET])
    assert err.value.field == "default_action"


def test_code_wins_over_the_environment_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    environ = {"HUMANGATE_SECRET_KEYS": ENV_SECRET, "HUMANGATE_STORE": "memory://"}
    with caplog.at_level(logging.INFO, logger="humangate"):
        config = Config.from_env(environ, secret_keys=[SECRET])
    assert config.secret_keys == (SECRET,)
    assert config.store == "memory://"  # what code leaves unset still comes from the env
    logged = [r.getMessage() for r in caplog.records if "HUMANGATE_SECRET_KEYS" in r.getMessage()]
    assert logged == [
        "humangate: HUMANGATE_SECRET_KEYS is set in the environment, but secret_keys "
        "given in code wins"
    ]


def test_toml_then_environment_then_code(tmp_path: Path) -> None:
    path = tmp_path / "humangate.toml"
    path.write_text(
        f'[humangate]\nsecret_keys = ["{SECRET}"]\nstore = "memory://"\ndefault_action = "block"\n'
    )
    assert Config.from_toml(path, {}).default_action == "block"
    from_env = Config.from_toml(path, {"HUMANGATE_DEFAULT_ACTION": "js_challenge"})
    assert from_env.default_action == "js_challenge"
    assert from_env.secret_keys == (SECRET,)
    from_code = Config.from_toml(
        path, {"HUMANGATE_DEFAULT_ACTION": "js_challenge"}, default_action="allow"
    )
    assert from_code.default_action == "allow"


def test_the_environment_gives_the_secret_a_toml_file_leaves_out(tmp_path: Path) -> None:
    path = tmp_path / "humangate.toml"
    path.write_text('store = "memory://"\n')
    config = Config.from_toml(path, {"HUMANGATE_SECRET_KEYS": ENV_SECRET})
    assert config.secret_keys == (ENV_SECRET,)


def test_from_env_takes_what_code_builds() -> None:
    rule = Rule('http.request.uri.path eq "/healthz"', "skip")
    binding = Binding(16, 48, False)
    config = Config.from_env({}, secret_keys=[SECRET], rules=[rule], clearance_binding=binding)
    assert config.rules == (rule,)
    assert config.clearance_binding == binding
