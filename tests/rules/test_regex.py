"""Owner regexes run on RE2: linear in the input, refusing what would need backtracking."""

from __future__ import annotations

import pytest

from humangate.errors import ExpressionError
from humangate.rules import compile_expression
from humangate.rules.regex import RegexError, compile_fullmatch, compile_search, program_size
from tests.rules.conftest import DictSource

# Each with an input that makes a backtracking engine try every way to split it.
CATASTROPHIC = [
    ("^(a+)+$", "a" * 10_000 + "!"),
    ("^(a|a)*$", "a" * 10_000 + "!"),
    ("^(a|aa)+$", "a" * 10_000 + "!"),
    ("(x+x+)+y", "x" * 10_000),
    ("^(\\w+\\s?)*$", "word " * 2_000 + "!"),
]


@pytest.mark.parametrize(("pattern", "attack"), CATASTROPHIC)
def test_catastrophic_patterns_are_accepted_and_stay_small(pattern: str, attack: str) -> None:
    # RE2 accepts a pattern only if it can run it in time linear in the input, with
    # per-character work bounded by the compiled program's size; these stay tiny.
    assert program_size(pattern) < 64
    search = compile_search(pattern)
    # 10,000 characters that defeat the match at the very end: exponential in `re`
    # (25 characters already take about a second), one pass here.
    assert search(attack) is False


def test_catastrophic_rule_on_a_long_user_agent_evaluates() -> None:
    rule = compile_expression('http.user_agent matches "^(a+)+$"')
    assert rule.evaluate(DictSource({"http.user_agent": "a" * 10_000 + "b"})) is False
    assert rule.evaluate(DictSource({"http.user_agent": "a" * 10_000})) is True


@pytest.mark.parametrize(
    ("pattern", "fragment"),
    [
        ("(?=admin)", "look-ahead"),
        ("(?!admin)", "look-ahead"),
        ("(?<=/)x", "look-behind"),
        ("(?<!/)x", "look-behind"),
        ("(?>a+)", "atomic"),
        ("(a)\\1", "backreferences"),
        ("a++", "bad repetition operator"),
        ("a{1001}", "repetition size"),
        ("(", "missing \\)"),
    ],
)
def test_refused_features_name_the_reason(pattern: str, fragment: str) -> None:
    with pytest.raises(RegexError, match=fragment):
        compile_search(pattern)


def test_refused_pattern_is_an_expression_error_at_the_pattern() -> None:
    text = 'http.host eq "a" and http.request.uri.path matches r"^/(?!public)"'
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    assert caught.value.position == text.index('r"')
    assert "look-ahead" in caught.value.reason


@pytest.mark.parametrize(
    ("pattern", "value", "found"),
    [
        ("^/articles/200[7-8]/$", "/articles/2008/", True),
        ("(?i)^/ADMIN", "/admin/x", True),
        ("^/admin", "/Admin", False),
        ("/autodiscover\\.(xml|src)$", "/x/autodiscover.xml", True),
        ("\\p{Greek}", "abc λ", True),
        ("[[:digit:]]{3}", "ab123", True),
        ("é", "caf\u00e9", True),  # latin-1 decoded header bytes are characters
        ("^a.c$", "a\ud800c", True),  # a lone surrogate in request text: no exception
        ("(?s)a.c", "a\nc", True),
        ("a.c", "a\nc", False),
        ("end$", "the end\n", False),  # $ is the end of the value, as in Rust's regex
    ],
)
def test_syntax_as_documented(pattern: str, value: str, found: bool) -> None:
    assert compile_search(pattern)(value) is found


def test_fullmatch_case() -> None:
    assert compile_fullmatch("abc", case_sensitive=False)("ABC") is True
    assert compile_fullmatch("abc", case_sensitive=True)("ABC") is False
    assert compile_fullmatch("abc", case_sensitive=True)("abcd") is False


def test_surrogate_in_pattern_is_refused() -> None:
    with pytest.raises(RegexError, match="surrogate"):
        compile_search("a\ud800")
