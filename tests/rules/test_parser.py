from __future__ import annotations

from ipaddress import ip_address, ip_network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humangate.errors import ExpressionError
from humangate.rules import ast, compile_expression
from humangate.rules.ast import CompareOp, LogicOp
from humangate.rules.parser import MAX_DEPTH, MAX_LENGTH, parse
from tests.rules.conftest import ErrorAt

HOST = ast.Field("http.host")


def rhs(text: str) -> ast.Rhs:
    node = parse(f"http.host eq {text}")
    assert isinstance(node, ast.Compare)
    return node.rhs


@pytest.mark.parametrize(
    ("english", "symbol", "op"),
    [
        ("eq", "==", CompareOp.EQ),
        ("ne", "!=", CompareOp.NE),
        ("lt", "<", CompareOp.LT),
        ("le", "<=", CompareOp.LE),
        ("gt", ">", CompareOp.GT),
        ("ge", ">=", CompareOp.GE),
        ("matches", "~", CompareOp.MATCHES),
        ("bitwise_and", "&", CompareOp.BITWISE_AND),
    ],
)
def test_both_notations_parse_to_the_same_operator(
    english: str, symbol: str, op: CompareOp
) -> None:
    assert (
        parse(f"x {english} 1")
        == parse(f"x {symbol} 1")
        == ast.Compare(ast.Field("x"), op, ast.IntLit(1))
    )


@pytest.mark.parametrize(
    ("text", "op"),
    [
        ('x contains "a"', CompareOp.CONTAINS),
        ("x in {1}", CompareOp.IN),
        ('x wildcard "a"', CompareOp.WILDCARD),
        ('x strict wildcard "a"', CompareOp.STRICT_WILDCARD),
    ],
)
def test_word_only_operators(text: str, op: CompareOp) -> None:
    node = parse(text)
    assert isinstance(node, ast.Compare)
    assert node.op is op


def test_english_operators_are_lowercase_only(error_at: ErrorAt) -> None:
    error_at('http.host EQ "a"', 10, "unexpected character 'E'")
    error_at("ssl AND ssl", 4, "unexpected character 'A'")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("a and b", "a && b"),
        ("a or b", "a || b"),
        ("a xor b", "a ^^ b"),
        ("not a", "! a"),
        ("not a", "!a"),
    ],
)
def test_logical_notations(left: str, right: str) -> None:
    assert parse(left) == parse(right)


def test_precedence_not_and_xor_or() -> None:
    a, b, c, d = (ast.Field(n) for n in "abcd")
    expected = ast.Logic(
        LogicOp.OR,
        (a, ast.Logic(LogicOp.XOR, (b, ast.Logic(LogicOp.AND, (c, ast.Not(d)))))),
    )
    assert parse("a or b xor c and not d") == expected
    assert parse("a or (b xor (c and (not d)))") == expected


def test_parentheses_override_precedence() -> None:
    a, b, c = (ast.Field(n) for n in "abc")
    assert parse("(a or b) and c") == ast.Logic(LogicOp.AND, (ast.Logic(LogicOp.OR, (a, b)), c))


def test_runs_of_one_operator_are_flattened() -> None:
    a, b, c = (ast.Field(n) for n in "abc")
    assert parse("a and b and c") == parse("(a and b) and c") == ast.Logic(LogicOp.AND, (a, b, c))


def test_not_applies_to_the_whole_comparison() -> None:
    node = parse('not http.request.uri.path contains "/admin"')
    assert isinstance(node, ast.Not)
    assert isinstance(node.operand, ast.Compare)


@pytest.mark.parametrize(
    ("source", "value"),
    [
        (r'"plain"', "plain"),
        (r'"say \"hi\""', 'say "hi"'),
        (r'"back\\slash"', "back\\slash"),
        (r'"\x41\x7e"', "A~"),
        (r'"\101"', "A"),
        (r'""', ""),
        (r'r"C:\path\*"', r"C:\path\*"),
        (r'r#"a "quoted" word"#', 'a "quoted" word'),
        (r'r##"ends with "# still"##', 'ends with "# still'),
        ('"line\nbreak"', "line\nbreak"),
        ('"ünïcödé"', "ünïcödé"),
    ],
)
def test_string_literals(source: str, value: str) -> None:
    assert rhs(source) == ast.StringLit(value)


def test_invalid_escape_points_at_the_backslash(error_at: ErrorAt) -> None:
    error_at(r'http.host eq "ab\qc"', 16, "invalid escape")
    error_at(r'http.host eq "\x4"', 14, "invalid escape")


def test_unterminated_string(error_at: ErrorAt) -> None:
    error_at('http.host eq "abc', 13, "unterminated string")


@pytest.mark.parametrize(("source", "value"), [("0", 0), ("42", 42), ("-7", -7), ("0x1F", 31)])
def test_integers(source: str, value: int) -> None:
    assert rhs(source) == ast.IntLit(value)


def test_integer_out_of_64_bit_range(error_at: ErrorAt) -> None:
    error_at("cf.bot_management.score eq 9223372036854775808", 27, "64-bit")


@pytest.mark.parametrize(
    "source", ["192.0.2.1", "2001:db8::1", "::1", "fe80::1", "::ffff:192.0.2.1"]
)
def test_ip_literals(source: str) -> None:
    assert rhs(source) == ast.IpLit(ip_address(source))


def test_invalid_ip_literal(error_at: ErrorAt) -> None:
    error_at("ip.src eq 300.1.1.1", 10, "not a valid IP address")
    error_at("ip.src eq 1:2:3:4:5:6:7:8:9", 10, "not a valid IP address")


def test_lists_ranges_and_cidrs() -> None:
    node = rhs('{"a" 1 3..5 192.0.2.0/24 2001:db8::/32 10.0.0.1..10.0.0.9}')
    assert node == ast.ListLit(
        (
            ast.StringLit("a"),
            ast.IntLit(1),
            ast.IntRange(3, 5),
            ast.CidrLit(ip_network("192.0.2.0/24")),
            ast.CidrLit(ip_network("2001:db8::/32")),
            ast.IpRange(ip_address("10.0.0.1"), ip_address("10.0.0.9")),
        )
    )


def test_cidr_host_bits_are_dropped() -> None:
    assert rhs("{192.0.2.77/24}") == ast.ListLit((ast.CidrLit(ip_network("192.0.2.0/24")),))


def test_bad_ranges(error_at: ErrorAt) -> None:
    error_at("x in {5..3}", 9, "range end >= 5")
    error_at("ip.src in {10.0.0.9..10.0.0.1}", 21, "range end")
    error_at("ip.src in {10.0.0.1..::1}", 21, "IPv4")
    error_at("ip.src in {192.0.2.0/33}", 21, "prefix length from 0 to 32")


def test_empty_list_is_a_syntax_error(error_at: ErrorAt) -> None:
    error_at("http.host in {}", 14, "unexpected '}'")


def test_named_list() -> None:
    assert rhs("$my_list_2") == ast.NamedList("my_list_2")


def test_index_and_unpack() -> None:
    node = parse('any(http.request.headers["a"][0][*] eq "x")')
    assert isinstance(node, ast.Call)
    compare = node.args[0]
    assert isinstance(compare, ast.Compare)
    assert compare.lhs == ast.Unpack(
        ast.Index(ast.Index(ast.Field("http.request.headers"), "a"), 0)
    )


def test_negative_index(error_at: ErrorAt) -> None:
    error_at('http.request.headers.names[-1] eq "a"', 27, "index >= 0")


def test_positions_are_recorded() -> None:
    node = parse('ssl and http.host eq "x"')
    assert isinstance(node, ast.Logic)
    compare = node.operands[1]
    assert isinstance(compare, ast.Compare)
    assert (compare.lhs.pos, compare.pos, compare.rhs.pos) == (8, 18, 21)


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        ("http.host eq", 12, "unexpected end of expression; expected"),
        ('http.host "x"', 10, "expected a comparison operator"),
        ('(http.host eq "x"', 17, "expected ')'"),
        ('http.host eq "x")', 16, "unexpected ')'"),
        ('http.host eq "x" and', 20, "unexpected end"),
        ("ssl @ ssl", 4, "unexpected character '@'"),
        ("", 0, "expected an expression"),
        ("   ", 0, "expected an expression"),
    ],
)
def test_syntax_errors_have_positions(
    error_at: ErrorAt, text: str, position: int, fragment: str
) -> None:
    error_at(text, position, fragment)


def test_error_message_has_a_caret_under_the_position() -> None:
    with pytest.raises(ExpressionError) as caught:
        parse('http.host eq "x" and and')
    lines = str(caught.value).splitlines()
    assert lines[1] == '  http.host eq "x" and and'
    assert lines[2] == "  " + " " * 21 + "^"


def test_expression_length_cap() -> None:
    clause = 'http.host eq "a" or '
    text = clause * (MAX_LENGTH // len(clause) + 1) + "ssl"
    with pytest.raises(ExpressionError) as caught:
        compile_expression(text)
    assert caught.value.position == MAX_LENGTH
    assert "maximum is 4096" in caught.value.reason
    # Exactly at the limit is still accepted.
    at_limit = " " * (MAX_LENGTH - 3) + "ssl"
    assert compile_expression(at_limit).text == at_limit
    with pytest.raises(ExpressionError):
        compile_expression(" " + at_limit)


def test_long_flat_chains_are_fine() -> None:
    text = " or ".join(f'http.host eq "h{i}"' for i in range(150))
    assert len(text) < MAX_LENGTH
    node = parse(text)
    assert isinstance(node, ast.Logic)
    assert len(node.operands) == 150


def test_deep_nesting_is_rejected_not_a_crash(error_at: ErrorAt) -> None:
    error_at("!" * 2000 + "ssl", 0, f"more than {MAX_DEPTH} levels")
    alternating = "".join(f"ssl {('and', 'or')[i % 2]} (" for i in range(200))
    error_at(alternating + "ssl" + ")" * 200, 0, "levels deep")
    # Redundant parentheses add no depth.
    assert parse("(" * 1000 + "ssl" + ")" * 1000) == ast.Field("ssl")


# An alphabet that reaches deep into the grammar more often than arbitrary text does.
_TOKENS = st.sampled_from(
    [
        "ssl", "http.host", "ip.src", "http.request.headers", "any(", "lower(", "len(",
        "cidr(", ")", "(", "[", "]", "[*]", "[0]", '["a"]', ",", " eq ", " == ", " ne ",
        " < ", " in ", " contains ", " matches ", " wildcard ", " strict ", " & ", " and ",
        " or ", " xor ", " not ", "!", " && ", " || ", '"x"', '"\\', 'r#"', '"#', "1",
        "-1", "0x", "1..2", "192.0.2.1", "::1", "/24", "{", "}", "$l", "..", "*", "\\",
        "€", "\n",
    ]
)  # fmt: skip


def _only_expression_errors(text: str) -> None:
    error: ExpressionError | None = None
    try:
        compile_expression(text, {"l": ["a"]})
    except ExpressionError as caught:
        error = caught
    if error is not None:
        assert 0 <= error.position <= max(len(text), MAX_LENGTH)


@settings(max_examples=300)
@given(st.text(max_size=200))
def test_arbitrary_text_never_crashes(text: str) -> None:
    _only_expression_errors(text)


@settings(max_examples=500)
@given(st.lists(_TOKENS, max_size=30).map("".join))
def test_token_soup_never_crashes(text: str) -> None:
    _only_expression_errors(text)
