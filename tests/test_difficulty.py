"""The difficulty policy: bases per action, risk and load steps, the ceiling."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from humangate import Config, ConfigError, Difficulty, RateLimit, Rule
from humangate.difficulty import MAX_COUNTED_FAILURES, REFERENCE_HASH_RATE, Risk
from humangate.levels import Level
from tests.conftest import SECRET


def test_defaults_are_per_action() -> None:
    policy = Difficulty()
    assert policy.bits(Level.NON_INTERACTIVE) == 18
    assert policy.bits(Level.MANAGED) == 18
    assert policy.bits(Level.INTERACTIVE) == 16


def test_config_default_is_the_default_policy() -> None:
    assert Config(secret_keys=[SECRET], store="memory://").difficulty == Difficulty()


def test_an_integer_sets_every_base() -> None:
    policy = Config(secret_keys=[SECRET], store="memory://", difficulty=12).difficulty
    assert {policy.bits(level) for level in Level if level} == {12}


def test_an_integer_above_the_default_ceiling_raises_the_ceiling() -> None:
    policy = Difficulty.uniform(26)
    assert policy.ceiling == 26
    assert policy.bits(Level.MANAGED, Risk(failures=3)) == 26


@pytest.mark.parametrize(
    ("risk", "under_attack", "extra"),
    [
        (Risk(), False, 0),
        (Risk(failures=1), False, 1),
        (Risk(failures=3), False, 3),
        (Risk(header_mismatch=True), False, 2),
        (Risk(low_score=True), False, 2),
        (Risk(), True, 2),
        (Risk(failures=1, header_mismatch=True), True, 5),
    ],
)
def test_risk_and_load_add_bits(risk: Risk, under_attack: bool, extra: int) -> None:
    policy = Difficulty(managed_challenge=14, ceiling=24)
    assert policy.bits(Level.MANAGED, risk, under_attack=under_attack) == 14 + extra


def test_the_ceiling_caps_every_addition() -> None:
    policy = Difficulty(managed_challenge=20, ceiling=22)
    worst = Risk(failures=MAX_COUNTED_FAILURES, header_mismatch=True, low_score=True)
    assert policy.bits(Level.MANAGED, worst, under_attack=True) == 22


def test_failures_count_up_to_a_limit() -> None:
    policy = Difficulty(managed_challenge=0, ceiling=32)
    assert policy.bits(Level.MANAGED, Risk(failures=1000)) == MAX_COUNTED_FAILURES


def test_a_rules_bits_replace_the_action_base() -> None:
    policy = Difficulty(managed_challenge=18, ceiling=24)
    assert policy.bits(Level.MANAGED, rule_bits=21) == 21
    assert policy.bits(Level.MANAGED, Risk(failures=2), rule_bits=21) == 23
    assert policy.bits(Level.MANAGED, Risk(failures=9), rule_bits=21) == 24
    # Fewer bits than the base are the owner's choice too (an API route, say).
    assert policy.bits(Level.MANAGED, rule_bits=10) == 10


def test_for_target_picks_the_largest_base_whose_median_solve_fits() -> None:
    policy = Difficulty.for_target(0.5, hash_rate=4_000_000)
    bits = policy.managed_challenge
    median = math.log(2) * 2**bits / 4_000_000
    assert median <= 0.5 < 2 * median
    assert policy.js_challenge == policy.challenge == bits


def test_for_target_default_rate_is_the_reference() -> None:
    assert Difficulty.for_target(1.0) == Difficulty.for_target(1.0, REFERENCE_HASH_RATE)


def test_for_target_keeps_other_steps() -> None:
    policy = Difficulty.for_target(0.1, per_failure=2, ceiling=24)
    assert policy.per_failure == 2
    assert policy.ceiling == 24


@pytest.mark.parametrize("seconds", [0, -1, 601, "1"])
def test_for_target_rejects_bad_times(seconds: object) -> None:
    with pytest.raises(ConfigError, match="target_seconds"):
        Difficulty.for_target(seconds)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "where"),
    [
        (33, "difficulty"),
        (-1, "difficulty"),
        (True, "difficulty"),
        ("18", "difficulty"),
        ({"managed_challenge": 40}, "difficulty.managed_challenge"),
        ({"managed_challenge": 23, "ceiling": 22}, "difficulty.managed_challenge"),
        ({"per_failure": 1.5}, "difficulty.per_failure"),
        ({"bogus": 1}, "difficulty.bogus"),
        ({"target_seconds": 0.5, "managed_challenge": 18}, "difficulty.managed_challenge"),
        ({"hash_rate": 10}, "difficulty.hash_rate"),
        ({"target_seconds": 0.5, "hash_rate": 0}, "difficulty.hash_rate"),
    ],
)
def test_bad_settings_name_the_field(value: object, where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Config(secret_keys=[SECRET], store="memory://", difficulty=value)  # type: ignore[arg-type]
    assert caught.value.field == where


def test_a_toml_table(tmp_path: Path) -> None:
    path = tmp_path / "humangate.toml"
    path.write_text(
        f"""
        secret_keys = ["{SECRET}"]
        store = "memory://"
        [difficulty]
        managed_challenge = 19
        under_attack = 3
        ceiling = 23
        """
    )
    policy = Config.from_toml(path).difficulty
    assert policy == Difficulty(managed_challenge=19, under_attack=3, ceiling=23)


def test_a_toml_target_time(tmp_path: Path) -> None:
    path = tmp_path / "humangate.toml"
    path.write_text(
        f"""
        secret_keys = ["{SECRET}"]
        store = "memory://"
        difficulty = {{ target_seconds = 0.25, hash_rate = 2000000 }}
        """
    )
    policy = Config.from_toml(path).difficulty
    assert policy == Difficulty.for_target(0.25, 2_000_000)


def test_rule_difficulty_must_be_bits() -> None:
    with pytest.raises(ConfigError) as caught:
        Rule("true", "managed_challenge", difficulty=40)
    assert caught.value.field == "rule.difficulty"


def test_rule_difficulty_needs_a_challenge_action() -> None:
    with pytest.raises(ConfigError, match="only a challenge action"):
        Rule("true", "block", difficulty=20)
    with pytest.raises(ConfigError, match="only a challenge action"):
        RateLimit("true", action="block", difficulty=20)


def test_rule_difficulty_above_the_ceiling_is_refused_at_load() -> None:
    with pytest.raises(ConfigError) as caught:
        Config(
            secret_keys=[SECRET],
            store="memory://",
            rules=[Rule("true", "challenge"), Rule("true", "challenge", difficulty=24)],
        )
    assert caught.value.field == "rules[1].difficulty"
    assert "ceiling" in str(caught.value)
    with pytest.raises(ConfigError) as caught:
        Config(
            secret_keys=[SECRET],
            store="memory://",
            rate_limits=[RateLimit("true", action="managed_challenge", difficulty=23)],
        )
    assert caught.value.field == "rate_limits[0].difficulty"
