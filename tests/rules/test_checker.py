from __future__ import annotations

import pytest

from humangate.errors import ExpressionError
from humangate.rules import compile_expression
from tests.rules.conftest import DictSource, ErrorAt


@pytest.mark.parametrize(
    ("text", "position", "fragment"),
    [
        # Unknown names, with suggestions.
        ('http.hots eq "a"', 0, "unknown field 'http.hots'; did you mean http.host"),
        ('lowr(http.host) eq "a"', 0, "unknown function 'lowr'; did you mean lower"),
        # Operators that do not apply to the operand type.
        ('ip.src contains "x"', 7, "'contains' does not apply to IP"),
        ("ip.src lt 1.2.3.4", 7, "'lt' does not apply to IP"),
        ('cf.bot_management.score matches "1"', 24, "'matches' does not apply to Int"),
        ("http.host bitwise_and 1", 10, "'bitwise_and' does not apply to String"),
        ('ssl eq "true"', 4, "Bool values cannot be compared"),
        ('http.request.headers eq "a"', 21, "cannot compare Map<Array<String>>"),
        ('http.request.headers.names eq "a"', 27, "cannot compare Array<String>"),
        # Right-hand sides of the wrong type.
        ("http.host > 5", 12, "expected a String literal"),
        ('cf.bot_management.score lt "30"', 27, "expected an Int literal"),
        ('ip.src eq "192.0.2.1"', 10, "expected an IP literal"),
        ("ip.src == 1.2.3.0/24", 10, "CIDR range is only allowed inside a list"),
        ('http.host eq {"a"}', 13, "a list is only allowed after 'in'"),
        ('http.host in "a"', 13, "expected a list"),
        ('http.host in {"a" 1}', 18, "expected a String list element"),
        ("ip.src in {192.0.2.1 5}", 21, "expected an IP list element"),
        ('cf.bot_management.score in {1 "2"}', 30, "expected an Int list element"),
        ("http.host in {1..3}", 14, "expected a String list element"),
        # Regular expressions and wildcards are validated once, here.
        ('http.host matches "(unclosed"', 18, "invalid regular expression"),
        ('http.host wildcard "a**b"', 19, "'**' is not allowed"),
        ('http.host strict wildcard "a\\\\qb"', 26, "invalid escape in wildcard"),
        # Expressions must be Bool.
        ("http.host", 0, "expected a Bool expression, got String; compare it"),
        ("ssl and http.host", 8, "expected a Bool expression, got String"),
        ("not http.request.uri.path", 4, "expected a Bool expression"),
        ('http.request.headers.names[*] eq "a"', 0, "wrap it in any(...) or all(...)"),
        ("lower(http.host)", 0, "expected a Bool expression, got String"),
        # Indexing.
        ('http.host[0] eq "a"', 10, "[number] index needs an Array, got String"),
        ('http.request.headers[0][0] eq "a"', 21, "[number] index needs an Array, got Map"),
        ('http.request.headers.names["a"] eq "a"', 27, "index needs a Map"),
        ('http.request.headers["X-Api-Key"][0] eq "a"', 21, "expected 'x-api-key'"),
        ('any(http.host[*] eq "a")', 14, "[*] needs an Array or a Map, got String"),
        # Functions: arity, argument types, literal-only arguments.
        ('lower() eq "a"', 0, "lower(): wrong number of arguments; expected lower(String)"),
        ('lower(http.host, http.host) eq "a"', 0, "wrong number of arguments"),
        ('lower(ip.src) eq "a"', 6, "lower(): expected a String, got IP"),
        ('lower("A") eq "a"', 6, "expected a field or function call"),
        ("starts_with(http.host, http.host)", 23, "expected a String literal"),
        ("starts_with(http.host, 1)", 23, "expected a String literal"),
        ("len(ip.src) eq 1", 4, "expected a String, Array or Map"),
        ("any(ssl)", 4, "expected an Array<Bool>, e.g. any(field[*] == value), got Bool"),
        ("all(http.request.headers.names)", 4, "expected an Array<Bool>"),
        ('concat(http.host, 1) eq "a"', 18, "expected String like the first argument"),
        ('url_decode(http.host, "x") eq "a"', 22, 'options made of "r"'),
        ('lookup_json_string(http.host) eq "a"', 0, "wrong number of arguments"),
        ('lookup_json_string(http.host, ip.src) eq "a"', 30, "expected a String key"),
        ("cidr(ip.src, 33, 64) eq 1.2.3.4", 13, "prefix length from 1 to 32"),
        ("cidr(ip.src, 24, 0) eq 1.2.3.4", 17, "prefix length from 1 to 128"),
        ("cidr6(http.host, 64) eq ::1", 6, "expected an IP"),
        ('starts_with(http.request.headers.names[*], "x")', 0, "expected a Bool expression"),
        ('lower(http.host, http.request.headers.names[*]) eq "a"', 17, "first argument"),
        ("any(lower(http.host, {1}))", 21, "unexpected '{'"),
        ("len(cidr(ip.src, 1.2.3.0/24, 1)) eq 1", 17, "CIDR range is only allowed inside a list"),
        # Named lists.
        ("ip.src in $nope", 10, "unknown list $nope; expected one of: $bad, $ips"),
        ("ip.src in $bad", 10, "list $bad: 'example.com' is not an IP list element"),
        ("cf.bot_management.score in $ips", 27, "is not an Int list element"),
    ],
)
def test_type_errors(error_at: ErrorAt, text: str, position: int, fragment: str) -> None:
    lists = {"ips": ["192.0.2.0/24"], "bad": ["example.com"]}
    error_at(text, position, fragment, lists)


def test_named_list_without_any_lists(error_at: ErrorAt) -> None:
    error_at("ip.src in $office", 10, "unknown list $office; expected one of: none are defined")


@pytest.mark.parametrize(
    "text",
    [
        'http.host in {"a" "b"}',
        "cf.bot_management.score in {1 5..10}",
        "ip.src in {192.0.2.1 192.0.2.0/24 10.0.0.1..10.0.0.9 ::1 2001:db8::/32}",
        "cf.bot_management.score & 4",
        'any(http.request.headers["accept"][*] contains "html")',
        'all(http.request.uri.args.values[*] ne "")',
        "len(lower(http.request.headers.names[*])) eq 3",
        "any(len(http.request.headers.names[*])[*] gt 100)",
        'concat(http.host, "/", http.request.uri.path) eq "a/b"',
        "len(concat(http.request.headers.names, http.request.uri.args.names)) gt 2",
        'lookup_json_integer(http.request.headers["x"][0], "a", 0, "b") eq 1',
        "cidr6(ip.src, 64) in {2001:db8::/64}",
        'humangate.clearance.level in {"managed" "interactive"}',
        "cf.client.bot or ip.geoip.asnum eq 13335",
        'any(http.request.headers[*][0] eq "x")',
    ],
)
def test_well_typed_expressions_compile(text: str) -> None:
    compile_expression(text)


def test_response_fields_need_a_counting_expression(error_at: ErrorAt) -> None:
    error_at(
        "http.response.code eq 401",
        0,
        "http.response.code is a response field: only a rate limit's counting_expression",
    )
    with pytest.raises(ExpressionError, match="expected an Int literal"):
        compile_expression('http.response.code eq "401"', response=True)


def test_response_fields_compile_for_counting() -> None:
    expression = compile_expression("http.response.code in {401 403}", response=True)
    assert expression.fields == {"http.response.code"}
    assert expression.evaluate(DictSource({"http.response.code": 403}))
    assert not expression.evaluate(DictSource({"http.response.code": 200}))
    assert not expression.evaluate(DictSource({}))  # unknown before the response: missing
