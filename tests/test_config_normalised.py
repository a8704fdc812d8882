"""Config fields held normalised by data descriptors (humangate.config.normalised)."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import dataclass
from datetime import timedelta

import pytest

from humangate import Config, ConfigError, Difficulty
from humangate.config.normalised import DifficultySetting, Duration
from tests.conftest import SECRET


@dataclass(frozen=True)
class Timing:
    ttl: Duration = Duration(60, minimum=1, maximum=120)
    work: DifficultySetting = DifficultySetting(Difficulty())


def test_a_duration_is_held_as_whole_seconds() -> None:
    assert Timing().ttl == 60
    assert Timing(ttl=timedelta(minutes=1, seconds=30)).ttl == 90
    assert Timing(ttl=45.9).ttl == 45
    assert Timing.ttl == 60  # the class reads the default, as the dataclass does


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "must be between 1 and 120 seconds"),
        (timedelta(hours=1), "must be between 1 and 120 seconds"),
        (True, "expected seconds or a timedelta, got bool"),
        ("30s", "expected seconds or a timedelta, got str"),
    ],
)
def test_a_bad_duration_names_its_field(value: object, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        Timing(ttl=value)  # type: ignore[arg-type]
    assert err.value.field == "ttl"
    assert message in str(err.value)


def test_difficulty_is_held_as_a_policy() -> None:
    assert Timing().work == Difficulty()
    assert Timing(work=12).work == Difficulty.uniform(12)
    assert Timing(work={"ceiling": 20}).work == Difficulty(ceiling=20)


def test_config_fields_read_as_what_they_hold() -> None:
    config = Config(
        secret_keys=[SECRET],
        store="memory://",
        ticket_ttl=timedelta(minutes=2),
        clock_skew=5.5,
        xhr_grace=timedelta(0),
        difficulty=10,
    )
    assert (config.ticket_ttl, config.clock_skew, config.xhr_grace) == (120, 5, 0)
    assert config.difficulty == Difficulty.uniform(10)
    assert "ticket_ttl=120," in repr(config)


def test_config_copies_keep_the_normalised_values() -> None:
    config = Config(secret_keys=[SECRET], store="memory://", passage_ttl=timedelta(hours=1))
    assert dataclasses.replace(config) == config
    assert dataclasses.replace(config, clock_skew=timedelta(seconds=9)).clock_skew == 9
    assert pickle.loads(pickle.dumps(config)) == config
    assert config == Config(secret_keys=[SECRET], store="memory://", passage_ttl=3600)
    assert dataclasses.asdict(config)["passage_ttl"] == 3600


def test_the_fields_default_to_the_descriptors_defaults() -> None:
    defaults = {f.name: f.default for f in dataclasses.fields(Config)}
    assert defaults["passage_ttl"] == 1800
    assert defaults["difficulty"] == Difficulty()
