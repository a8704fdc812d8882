"""The snippets in docs/difficulty.md run as written (with a real secret)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from humangate import Config, Difficulty
from tests.conftest import SECRET

DOC = Path(__file__).resolve().parents[1] / "docs" / "difficulty.md"
BLOCK = re.compile(r"```(python|toml)\n(.*?)```", re.DOTALL)


def blocks(language: str) -> list[str]:
    return [code for lang, code in BLOCK.findall(DOC.read_text()) if lang == language]


@pytest.mark.parametrize("code", blocks("python"))
def test_python_snippets_build_a_config(code: str) -> None:
    namespace: dict[str, object] = {}
    exec(code.replace('["..."]', repr([SECRET])), namespace)
    assert isinstance(namespace["config"], Config)


def test_toml_snippet_and_its_alternative() -> None:
    (text,) = blocks("toml")
    table = tomllib.loads(text)["humangate"]
    config = Config.from_mapping({"secret_keys": [SECRET], "store": "memory://", **table})
    assert config.difficulty == Difficulty(managed_challenge=19, under_attack=3, ceiling=23)
    alternative = text.split("# or: ", 1)[1].splitlines()[0]
    table = tomllib.loads(f"[humangate]\n{alternative}")["humangate"]
    config = Config.from_mapping({"secret_keys": [SECRET], "store": "memory://", **table})
    assert config.difficulty == Difficulty.for_target(0.25, 2_000_000)
