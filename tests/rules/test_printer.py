from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_network

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humangate.rules import ast, compile_expression
from humangate.rules.ast import CompareOp, LogicOp
from humangate.rules.parser import parse
from humangate.rules.printer import to_text


@pytest.mark.parametrize(
    ("source", "canonical"),
    [
        ('http.host == "a" && !ssl', 'http.host eq "a" and not ssl'),
        ("(ssl || ssl) && ssl", "(ssl or ssl) and ssl"),
        ("ssl || (ssl && ssl)", "ssl or ssl and ssl"),
        ("(ssl ^^ ssl) || ssl", "ssl xor ssl or ssl"),
        ("(ssl or ssl) xor ssl", "(ssl or ssl) xor ssl"),
        ("!(ssl or ssl)", "not (ssl or ssl)"),
        ("((ssl))", "ssl"),
        ("(ssl and ssl) and ssl", "ssl and ssl and ssl"),
        ('not http.host ~ r"a\\d"', 'not http.host matches "a\\\\d"'),
        ('http.host eq r#"say "hi""#', 'http.host eq "say \\"hi\\""'),
        ('http.host eq "\\x01\\101"', 'http.host eq "\\x01A"'),
        (
            "ip.src in {192.0.2.9/24  10.0.0.1..10.0.0.2 ::1}",
            "ip.src in {192.0.2.0/24 10.0.0.1..10.0.0.2 ::1}",
        ),
        ("cf.bot_management.score & 0x10", "cf.bot_management.score bitwise_and 16"),
        ('http.host strict wildcard "*.a"', 'http.host strict wildcard "*.a"'),
        (
            'any(lower(http.request.headers.names[*])[*] == "x")',
            'any(lower(http.request.headers.names[*])[*] eq "x")',
        ),
        ('http.request.headers["a\\"b"][0] eq "v"', 'http.request.headers["a\\"b"][0] eq "v"'),
        ("ip.src in $office", "ip.src in $office"),
    ],
)
def test_canonical_text(source: str, canonical: str) -> None:
    lists = {"office": ["192.0.2.0/24"]}
    expression = compile_expression(source, lists)
    assert str(expression) == canonical
    assert compile_expression(canonical, lists) == expression


# --- generated well-typed expressions ------------------------------------------------------

_STRING_FIELDS = ["http.host", "http.request.uri.path", "http.user_agent", "ip.src.country"]
_INT_FIELDS = ["cf.bot_management.score", "ip.src.asnum", "http.request.timestamp.sec"]
_BOOL_FIELDS = ["ssl", "cf.client.bot", "humangate.challenge.solved"]

_strings = st.text(max_size=12)
_ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
_ipv4 = st.ip_addresses(v=4)
_ipv6 = st.ip_addresses(v=6)
_ips = st.one_of(_ipv4, _ipv6)


def _string_value() -> st.SearchStrategy[ast.Value]:
    fields = st.sampled_from(_STRING_FIELDS).map(ast.Field)
    header = _strings.map(str.lower).map(
        lambda key: ast.Index(ast.Index(ast.Field("http.request.headers"), key), 0)
    )
    lowered = fields.map(lambda f: ast.Call("lower", (f,)))
    return st.one_of(fields, header, lowered)


def _ip_items() -> st.SearchStrategy[ast.ListItem]:
    def cidr(address: IPv4Address | IPv6Address, bits: int) -> ast.CidrLit:
        return ast.CidrLit(
            ip_network(f"{address}/{bits % (address.max_prefixlen + 1)}", strict=False)
        )

    def ip_range(a: IPv4Address | IPv6Address, b: IPv4Address | IPv6Address) -> ast.IpRange:
        low, high = sorted([a, b])  # type: ignore[type-var]
        return ast.IpRange(low, high)

    return st.one_of(
        _ips.map(ast.IpLit),
        st.builds(cidr, _ips, st.integers(0, 128)),
        st.builds(ip_range, _ipv4, _ipv4),
        st.builds(ip_range, _ipv6, _ipv6),
    )


def _int_items() -> st.SearchStrategy[ast.ListItem]:
    return st.one_of(
        _ints.map(ast.IntLit),
        st.tuples(_ints, _ints).map(sorted).map(lambda p: ast.IntRange(p[0], p[1])),
    )


def _comparisons() -> st.SearchStrategy[ast.Expr]:
    string_ops = st.sampled_from(
        [CompareOp.EQ, CompareOp.NE, CompareOp.LT, CompareOp.GE, CompareOp.CONTAINS]
    )
    strings = st.builds(ast.Compare, _string_value(), string_ops, _strings.map(ast.StringLit))
    wildcards = st.builds(
        ast.Compare,
        _string_value(),
        st.sampled_from([CompareOp.WILDCARD, CompareOp.STRICT_WILDCARD]),
        st.from_regex(r"[a-z/.]*(\*[a-z/.]+)*\*?", fullmatch=True).map(ast.StringLit),
    )
    string_in = st.builds(
        ast.Compare,
        _string_value(),
        st.just(CompareOp.IN),
        st.lists(_strings.map(ast.StringLit), min_size=1, max_size=4).map(
            lambda items: ast.ListLit(tuple(items))
        ),
    )
    int_ops = st.sampled_from(
        [
            CompareOp.EQ,
            CompareOp.NE,
            CompareOp.LT,
            CompareOp.LE,
            CompareOp.GT,
            CompareOp.BITWISE_AND,
        ]
    )
    ints = st.builds(
        ast.Compare, st.sampled_from(_INT_FIELDS).map(ast.Field), int_ops, _ints.map(ast.IntLit)
    )
    int_in = st.builds(
        ast.Compare,
        st.sampled_from(_INT_FIELDS).map(ast.Field),
        st.just(CompareOp.IN),
        st.lists(_int_items(), min_size=1, max_size=4).map(lambda i: ast.ListLit(tuple(i))),
    )
    ip_in = st.builds(
        ast.Compare,
        st.just(ast.Field("ip.src")),
        st.just(CompareOp.IN),
        st.lists(_ip_items(), min_size=1, max_size=4).map(lambda i: ast.ListLit(tuple(i))),
    )
    ip_eq = st.builds(
        ast.Compare,
        st.just(ast.Field("ip.src")),
        st.sampled_from([CompareOp.EQ, CompareOp.NE]),
        _ips.map(ast.IpLit),
    )
    star = _strings.map(
        lambda s: ast.Call(
            "any",
            (
                ast.Compare(
                    ast.Unpack(
                        ast.Call("lower", (ast.Unpack(ast.Field("http.request.headers.names")),))
                    ),
                    CompareOp.EQ,
                    ast.StringLit(s),
                ),
            ),
        )
    )
    starts = st.builds(
        lambda f, s: ast.Call("starts_with", (ast.Field(f), ast.StringLit(s))),
        st.sampled_from(_STRING_FIELDS),
        _strings,
    )
    bools = st.sampled_from(_BOOL_FIELDS).map(ast.Field)
    return st.one_of(strings, wildcards, string_in, ints, int_in, ip_in, ip_eq, star, starts, bools)


def _flatten(op: LogicOp, operands: list[ast.Expr]) -> ast.Logic:
    flat: list[ast.Expr] = []
    for operand in operands:
        flat.extend(
            operand.operands if isinstance(operand, ast.Logic) and operand.op is op else [operand]
        )
    return ast.Logic(op, tuple(flat))


_expressions = st.recursive(
    _comparisons(),
    lambda inner: st.one_of(
        inner.map(ast.Not),
        st.builds(
            _flatten, st.sampled_from(list(LogicOp)), st.lists(inner, min_size=2, max_size=3)
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=400)
@given(_expressions)
def test_printing_then_parsing_round_trips(tree: ast.Expr) -> None:
    text = to_text(tree)
    assert parse(text) == tree
    expression = compile_expression(text)  # and it type-checks
    assert str(expression) == text
    assert compile_expression(str(expression)) == expression
