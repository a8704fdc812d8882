"""Evaluation semantics: operators, logic, missing values, [*], lists."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from humangate.rules import MISSING, compile_expression
from tests.rules.conftest import DictSource, Evaluate

HOST = {"http.host": "www.example.com"}
SCORE = {"cf.bot_management.score": 20}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('http.host eq "www.example.com"', True),
        ('http.host == "WWW.example.com"', False),  # case-sensitive
        ('http.host ne "example.com"', True),
        ('http.host != "www.example.com"', False),
        ('http.host lt "x"', True),
        ('http.host le "www.example.com"', True),
        ('http.host gt "www"', True),
        ('http.host ge "z"', False),
        ('http.host contains "example"', True),
        ('http.host contains "EXAMPLE"', False),
        ('http.host matches "^www\\\\.[a-z]+\\\\.com$"', True),
        ('http.host ~ "example"', True),  # unanchored search, like Rust's is_match
        ('http.host matches "^example"', False),
        ('http.host in {"a.com" "www.example.com"}', True),
        ('http.host in {"a.com"}', False),
        ('http.host wildcard "*.EXAMPLE.com"', True),  # case-insensitive
        ('http.host wildcard "*.example"', False),  # whole value
        ('http.host strict wildcard "*.EXAMPLE.com"', False),
        ('http.host strict wildcard "www.*.com"', True),
    ],
)
def test_string_operators(evaluate: Evaluate, text: str, expected: bool) -> None:
    assert evaluate(text, HOST) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cf.bot_management.score eq 20", True),
        ("cf.bot_management.score ne 20", False),
        ("cf.bot_management.score lt 30", True),
        ("cf.bot_management.score < 20", False),
        ("cf.bot_management.score le 20", True),
        ("cf.bot_management.score gt 19", True),
        ("cf.bot_management.score >= 21", False),
        ("cf.bot_management.score in {1 2 10..25}", True),
        ("cf.bot_management.score in {1..19 21..99}", False),
        ("cf.bot_management.score in {-5..-1 0x14}", True),
        ("cf.bot_management.score & 4", True),  # 20 = 0b10100
        ("cf.bot_management.score bitwise_and 3", False),
    ],
)
def test_int_operators(evaluate: Evaluate, text: str, expected: bool) -> None:
    assert evaluate(text, SCORE) is expected


@pytest.mark.parametrize(
    ("address", "text", "expected"),
    [
        ("192.0.2.7", "ip.src eq 192.0.2.7", True),
        ("192.0.2.7", "ip.src ne 192.0.2.7", False),
        ("192.0.2.7", "ip.src in {192.0.2.0/24}", True),
        ("192.0.3.7", "ip.src in {192.0.2.0/24}", False),
        ("10.0.0.5", "ip.src in {10.0.0.1..10.0.0.9}", True),
        ("10.0.0.10", "ip.src in {10.0.0.1..10.0.0.9}", False),
        ("2001:db8:1::5", "ip.src in {192.0.2.0/24 2001:db8::/32}", True),
        ("2001:db9::5", "ip.src in {192.0.2.0/24 2001:db8::/32}", False),
        ("2001:db8::1", "ip.src eq 2001:0db8:0:0::1", True),
        ("::ffff:192.0.2.1", "ip.src eq 192.0.2.1", False),  # v4-mapped v6 is not v4
        ("192.0.2.1", "ip.src in {::/0}", False),
        ("192.0.2.1", "ip.src in {0.0.0.0/0}", True),
    ],
)
def test_ip_operators(evaluate: Evaluate, address: str, text: str, expected: bool) -> None:
    assert evaluate(text, {"ip.src": ip_address(address)}) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ssl", True),
        ("not ssl", False),
        ("!ssl", False),
        ("cf.client.bot", False),
        ("ssl and cf.client.bot", False),
        ("ssl && not cf.client.bot", True),
        ("ssl or cf.client.bot", True),
        ("cf.client.bot || cf.client.bot", False),
        ("ssl xor cf.client.bot", True),
        ("ssl ^^ ssl", False),
        ("ssl xor ssl xor ssl", True),  # odd number of true operands
        ("cf.client.bot or ssl and not ssl", False),  # and binds tighter than or
        ("(cf.client.bot or ssl) and ssl", True),
        ("ssl or ssl xor ssl", True),  # xor binds tighter than or: ssl or (ssl xor ssl)
        ("ssl and ssl xor ssl", False),  # and binds tighter than xor: (ssl and ssl) xor ssl
        ("not not ssl", True),
        ("not ssl or ssl", True),  # not binds tightest
        ("ssl and ssl and ssl and not cf.client.bot", True),
        ("cf.client.bot or cf.client.bot or cf.client.bot or ssl", True),
    ],
)
def test_logic_and_precedence(evaluate: Evaluate, text: str, expected: bool) -> None:
    fields = {"ssl": True, "cf.bot_management.verified_bot": False}
    assert evaluate(text, fields) is expected


@pytest.mark.parametrize(
    "text",
    [
        'http.host eq "a"',
        'http.host ne "a"',
        'http.host lt "zzz"',
        'http.host ge ""',
        'http.host contains ""',
        'http.host matches ""',
        'http.host wildcard "*"',
        'http.host in {"a" ""}',
        "cf.bot_management.score ne 1",
        "cf.bot_management.score & 1",
        "ip.src ne 1.2.3.4",
        "ip.src in {0.0.0.0/0 ::/0}",
        "ssl",
        'http.request.headers["x-absent"][0] eq "a"',
        'http.request.headers["x-absent"][0] ne "a"',
        'http.request.headers["accept"][5] ne "a"',
        'starts_with(http.host, "")',
        'lower(http.host) ne "a"',
        'any(http.request.headers["x-absent"][*] ne "a")',
        'all(http.request.headers["x-absent"][*] ne "a")',
        "len(http.host) ne 0",
        'lookup_json_string(http.host, "a") ne "b"',
    ],
)
def test_every_comparison_with_a_missing_value_is_false(evaluate: Evaluate, text: str) -> None:
    fields = {"http.request.headers": {"accept": ["text/html"]}}
    assert evaluate(text, fields) is False
    # ...so its negation is true, as in wirefilter: `not` sees a false comparison.
    assert evaluate(f"not ({text})", fields) is True


def test_missing_is_a_falsy_singleton() -> None:
    assert not MISSING
    assert repr(MISSING) == "MISSING"


def test_wrong_runtime_types_are_false_not_errors(evaluate: Evaluate) -> None:
    # A FieldSource that breaks its contract must not crash a request.
    assert evaluate('http.host lt "a"', {"http.host": 5}) is False
    assert evaluate('http.host contains "a"', {"http.host": None}) is False
    assert evaluate("cf.bot_management.score gt 1", {"cf.bot_management.score": "5"}) is False
    assert evaluate("ssl", {"ssl": 1}) is False


def test_index_into_maps_and_arrays(evaluate: Evaluate) -> None:
    fields = {
        "http.request.headers": {"x-api-key": ["k1", "k2"]},
        "http.request.headers.names": ["host", "x-api-key"],
    }
    assert evaluate('http.request.headers["x-api-key"][0] eq "k1"', fields)
    assert evaluate('http.request.headers["x-api-key"][1] eq "k2"', fields)
    assert not evaluate('http.request.headers["x-api-key"][2] eq "k2"', fields)
    assert evaluate('http.request.headers.names[1] eq "x-api-key"', fields)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('any(http.request.headers.names[*] eq "x-foo")', False),
        ('any(lower(http.request.headers.names[*])[*] == "x-foo")', True),
        ('all(lower(http.request.headers.names[*])[*] contains "-")', False),
        ('all(http.request.headers.values[*] ne "")', True),
        ('any(http.request.headers["accept"][*] contains "json")', True),
        ('any(http.request.headers[*][0] eq "bar")', True),  # [*] over map values
        ("any(len(http.request.headers.names[*])[*] gt 6)", False),
        ("any(len(http.request.headers.names[*])[*] eq 5)", True),
        ('any(starts_with(http.request.headers.names[*], "x-"))', True),
        ('all(starts_with(http.request.headers.names[*], "x-"))', False),
        ('any(http.request.uri.args["id"][*] in {"1" "2"})', True),
        ('any(http.request.uri.args["nope"][*] eq "1")', False),
        ('all(http.request.uri.args["nope"][*] eq "1")', False),
        ("len(http.request.headers.names) eq 3", True),
    ],
)
def test_unpack_with_star(evaluate: Evaluate, text: str, expected: bool) -> None:
    fields = {
        "http.request.headers.names": ["Accept", "X-Foo", "x-bar"],
        "http.request.headers.values": ["text/html", "1", "bar"],
        "http.request.headers": {"accept": ["text/html", "application/json"], "x-bar": ["bar"]},
        "http.request.uri.args": {"id": ["3", "2"]},
    }
    assert evaluate(text, fields) is expected


def test_named_lists(evaluate: Evaluate) -> None:
    lists = {
        "office": ["192.0.2.0/24", "2001:db8::1", "10.0.0.1..10.0.0.9"],
        "hosts": ["a.example", "b.example"],
        "asns": [13335, "64500..64510", "7"],
    }
    ip = {"ip.src": ip_address("10.0.0.3")}
    assert evaluate("ip.src in $office", ip, lists)
    assert not evaluate("ip.src in $office", {"ip.src": ip_address("10.0.0.30")}, lists)
    assert evaluate("http.host in $hosts", {"http.host": "b.example"}, lists)
    for asn, expected in [(13335, True), (64505, True), (7, True), (8, False)]:
        assert evaluate("ip.src.asnum in $asns", {"ip.src.asnum": asn}, lists) is expected


def test_named_list_contents_are_read_at_compile_time() -> None:
    hosts = ["a.example"]
    expr = compile_expression("http.host in $hosts", {"hosts": hosts})
    hosts.append("b.example")
    assert not expr.evaluate(DictSource({"http.host": "b.example"}))


def test_large_ip_list_uses_merged_intervals(evaluate: Evaluate) -> None:
    networks = " ".join(f"10.{i}.0.0/16" for i in range(200))
    text = f"ip.src in {{{networks} 192.0.2.1}}"
    assert evaluate(text, {"ip.src": ip_address("10.199.255.255")})
    assert evaluate(text, {"ip.src": ip_address("192.0.2.1")})
    assert not evaluate(text, {"ip.src": ip_address("10.200.0.0")})
    assert not evaluate(text, {"ip.src": ip_address("9.255.255.255")})


def test_aliases_read_the_canonical_field() -> None:
    source = DictSource({"ip.src.country": "DE", "cf.bot_management.verified_bot": True})
    assert compile_expression('ip.geoip.country eq "DE" and cf.client.bot').evaluate(source)
    assert set(source.asked) == {"ip.src.country", "cf.bot_management.verified_bot"}


def test_short_circuit_reads_only_what_it_needs() -> None:
    source = DictSource({"ssl": False})
    compile_expression('ssl and http.host eq "a"').evaluate(source)
    assert source.asked == ["ssl"]


def test_evaluate_returns_a_real_bool(evaluate: Evaluate) -> None:
    assert evaluate('http.request.headers["a"][0] eq "x"', {}) is False
    assert evaluate("ssl or ssl or ssl", {"ssl": True}) is True
