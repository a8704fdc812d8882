"""Owner configuration that once crashed the gate: each is a ConfigError naming the field
and the position (issue 14, point 6), never a KeyError/UnicodeEncodeError/ValueError."""

from __future__ import annotations

import json
from ipaddress import ip_address
from typing import Any

import pytest

from humangate import Config, ConfigError
from humangate.cli import main
from humangate.config import Rule
from humangate.pages.custom import check_template
from humangate.rules import compile_expression
from tests.conftest import SECRET
from tests.rules.conftest import DictSource

PAGE = "<html><head></head><body>::CF_WIDGET_BOX::{}</body></html>"


def config(**overrides: Any) -> Config:
    return Config(secret_keys=[SECRET], **overrides)


def test_literal_first_argument_of_concat_compiles_and_evaluates() -> None:
    # Was KeyError: the compiler asked for the type of a literal argument.
    built = config(rules=[Rule('concat("a", http.host) eq "ax"', "block")])
    expression = compile_expression(built.rules[0].expression)
    assert expression.evaluate(DictSource({"http.host": "x"})) is True
    assert expression.evaluate(DictSource({"http.host": "y"})) is False


def test_lone_surrogate_in_template_is_a_config_error_with_its_position() -> None:
    text = PAGE.format("caf\ud800")
    position = text.index("\ud800")
    assert check_template(text) == [
        f"character {position} is a lone surrogate (U+D800), which is not text; "
        "save the template as UTF-8"
    ]
    with pytest.raises(ConfigError) as caught:
        config(challenge_template=text)
    assert caught.value.field == "challenge_template"
    assert f"character {position}" in caught.value.reason


@pytest.mark.parametrize("value", ["abc\x00def", "\ud800/page.html"])
def test_template_that_is_neither_html_nor_a_path_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config(challenge_template=value)
    assert caught.value.field == "challenge_template"
    position = 3 if "\x00" in value else 0
    assert f"character {position}" in caught.value.reason


@pytest.mark.parametrize("value", ["icon\x00.png", "icon\ud800.png"])
def test_unusable_favicon_path_is_a_config_error(value: str) -> None:
    with pytest.raises(ConfigError) as caught:
        config(favicon=value)
    assert caught.value.field == "favicon"


def test_backtracking_regex_is_refused_with_the_position() -> None:
    text = 'http.request.uri.path matches r"^/(?!public/)"'
    with pytest.raises(ConfigError) as caught:
        config(rules=[Rule(text, "block")])
    assert caught.value.field == "rules[0].expression"
    pattern_at = text.index('r"')
    assert f"at position {pattern_at}" in caught.value.reason
    assert "look-ahead" in caught.value.reason


def test_template_check_command_reports_a_surrogate(
    tmp_path: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(PAGE.format("\ud800").encode("utf-8", "surrogatepass"))
    code = main(["template", "check", str(path)])
    assert code != 0
    assert "is not UTF-8 text" in capsys.readouterr().out


def test_bots_file_regexes_run_on_the_linear_engine(tmp_path: Any) -> None:
    from humangate.bots import VerifiedBots  # noqa: PLC0415

    path = tmp_path / "bots.json"
    crawler = {"prefixes": ["192.0.2.0/24"], "user_agent": "^(a+)+$"}
    path.write_text(json.dumps({"crawlers": {"slow": crawler}}))
    bots = VerifiedBots.load(str(path))
    assert bots.is_verified(ip_address("192.0.2.1"), "A" * 10_000) is True  # (?i), one pass
    assert bots.is_verified(ip_address("192.0.2.1"), "a" * 10_000 + "!") is False
    path.write_text(json.dumps({"crawlers": {"x": {**crawler, "user_agent": "(?!x)bot"}}}))
    with pytest.raises(ConfigError, match="look-ahead") as caught:
        VerifiedBots.load(str(path))
    assert caught.value.field == "bots_file"
