"""Boolean literals: ``true`` alone is Cloudflare's "match every request" expression."""

from __future__ import annotations

import pytest

from humangate import Config, Rule
from humangate.rules import compile_expression
from tests.conftest import SECRET
from tests.rules.conftest import DictSource


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("false", False),
        ("not false", True),
        ("(true)", True),
        ("true and false", False),
        ("false or true", True),
        ('true and http.host eq "a.example"', True),
        ('false or http.host eq "b.example"', False),
    ],
)
def test_boolean_literals(text: str, expected: bool) -> None:
    source = DictSource({"http.host": "a.example"})
    assert compile_expression(text).evaluate(source) is expected


def test_literals_read_no_field() -> None:
    expression = compile_expression("true")
    assert expression.fields == frozenset()
    source = DictSource({})
    expression.evaluate(source)
    assert source.asked == []
    assert str(expression) == "true"


def test_true_as_a_rule_is_accepted_by_config() -> None:
    config = Config(secret_keys=[SECRET], store="memory://", rules=[Rule("true", "block")])
    assert config.rules[0].expression == "true"


def test_field_prefixed_like_a_literal_is_still_unknown() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        compile_expression("truely")
