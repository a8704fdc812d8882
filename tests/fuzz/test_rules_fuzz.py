"""The rules parser and compiler on generated expressions: well-formed in structure but
of any types (so the type checker, not luck, must refuse what cannot run), ill-formed
token soup, and mutations of real rules. Compiling gives an Expression or an
ExpressionError; evaluating a compiled one on a generated request gives a bool."""

from __future__ import annotations

from ipaddress import ip_address

from hypothesis import given
from hypothesis import strategies as st

from humangate.errors import ExpressionError
from humangate.request import Request
from humangate.rules import compile_expression
from humangate.rules.context import RequestFields
from humangate.rules.expression import Expression
from humangate.rules.fields import FIELDS
from humangate.rules.functions import FUNCTIONS
from humangate.rules.printer import to_text
from tests.fuzz.conftest import BATCH, COMPILED, batch, count, examples
from tests.rules.test_printer import _expressions as typed_trees

LISTS = {"offices": ["192.0.2.0/24"], "ports": [80, 443], "paths": ["/a"]}
OPERATORS = [
    "eq", "==", "ne", "!=", "lt", "<", "le", "<=", "gt", ">", "ge", ">=", "contains",
    "matches", "~", "in", "wildcard", "strict wildcard", "bitwise_and", "&",
]  # fmt: skip
LOGIC = ["and", "&&", "or", "||", "xor", "^^"]
fields = st.sampled_from(sorted(FIELDS))
functions = st.sampled_from(sorted(FUNCTIONS))
string_literals = st.one_of(
    st.text(max_size=10).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.sampled_from(
        [r'"\x41"', r'"\101"', 'r"a\\b"', 'r#"x"y"#', '"^(a+)+$"', '"(?=x)"', '"*a*"', '"**"']
    ),
)
int_literals = st.one_of(
    st.integers(-(2**64), 2**64).map(str), st.sampled_from(["0x1F", "-0", "0x", "1e3"])
)
ip_literals = st.one_of(
    st.ip_addresses().map(str), st.sampled_from(["192.0.2.0/24", "::1/129", "1.2.3.4/33"])
)
literals = st.one_of(string_literals, int_literals, ip_literals)
lists = st.one_of(
    st.lists(literals, min_size=1, max_size=4).map(lambda items: "{" + " ".join(items) + "}"),
    st.sampled_from(["{1..5}", "{5..1}", "{192.0.2.1..192.0.2.9}", "$offices", "$nope", "{}"]),
)


def values(depth: int) -> st.SearchStrategy[str]:
    """Field references, indexes, unpacks and calls, of any type."""
    plain = st.one_of(
        fields,
        st.builds(lambda f, k: f'{f}["{k}"]', fields, st.text("abc-", max_size=4)),
        st.builds(lambda f, i: f"{f}[{i}]", fields, st.integers(-1, 3)),
        fields.map(lambda f: f"{f}[*]"),
    )
    if depth == 0:
        return plain
    arguments = st.lists(st.one_of(values(depth - 1), literals), max_size=3)
    calls = st.builds(lambda f, a: f"{f}({', '.join(a)})", functions, arguments)
    return st.one_of(plain, calls, calls.map(lambda c: c + "[*]"), calls.map(lambda c: c + "[0]"))


comparisons = st.deferred(
    lambda: st.one_of(
        st.builds(lambda v, o, r: f"{v} {o} {r}", values(2), st.sampled_from(OPERATORS), literals),
        st.builds(lambda v, r: f"{v} in {r}", values(1), lists),
        values(2),  # a bare value: valid only when it is a Bool
    )
)
# deferred: a short repr (Hypothesis warns about the nested one's size).
well_formed = st.deferred(
    lambda: st.recursive(
        comparisons,
        lambda inner: st.one_of(
            inner.map(lambda e: f"not {e}"),
            inner.map(lambda e: f"({e})"),
            st.builds(lambda a, op, b: f"{a} {op} {b}", inner, st.sampled_from(LOGIC), inner),
        ),
        max_leaves=6,
    )
)
tokens = st.one_of(
    fields, functions, literals, st.sampled_from([*OPERATORS, *LOGIC, "not", "!"]),
    st.sampled_from(["(", ")", "[", "]", "{", "}", ",", "[*]", "..", "$offices", '"', "r#"]),
)  # fmt: skip
soup = st.lists(tokens, max_size=12).map(" ".join)


def compile_or_error(text: str) -> Expression | None:
    try:
        expression = compile_expression(text, LISTS)
    except ExpressionError as error:
        assert 0 <= error.position <= len(text), text  # noqa: PT017 - outcome varies
        return None
    COMPILED["rules"] += 1  # reported apart: how often the checker let one through
    return expression


requests = st.builds(
    lambda method, path, query, headers, body: Request(
        method, path, query, tuple(headers), peer="192.0.2.7", body=body
    ),
    st.sampled_from(["GET", "POST", "HEAD", "OPTIONS", "get", ""]),
    st.text(max_size=20).map(lambda p: "/" + p),
    st.text(max_size=20),
    st.lists(
        st.tuples(
            st.sampled_from(["cookie", "user-agent", "host", "accept-language", "x", "referer"]),
            st.text(st.characters(max_codepoint=255), max_size=20),
        ),
        max_size=4,
    ),
    st.binary(max_size=20),
)


def evaluate(expression: Expression, request: Request) -> None:
    ip = ip_address(request.peer or "192.0.2.7")
    assert expression.evaluate(RequestFields(request, ip, {})) in (True, False)


@examples(600)
@given(batch(well_formed, BATCH // 2), requests)
def test_well_formed_expressions(texts: list[str], request: Request) -> None:
    count("rules", len(texts))
    for text in texts:
        expression = compile_or_error(text)
        if expression is not None:
            evaluate(expression, request)


@examples(300)
@given(batch(typed_trees.map(to_text), BATCH // 2), requests)
def test_typed_expressions_compile_and_evaluate(texts: list[str], request: Request) -> None:
    count("rules", len(texts))
    for text in texts:
        expression = compile_or_error(text)
        assert expression is not None, text  # well-typed by construction
        evaluate(expression, request)


@examples(500)
@given(batch(soup))
def test_token_soup(texts: list[str]) -> None:
    count("rules", len(texts))
    for text in texts:
        compile_or_error(text)


@examples(400)
@given(batch(st.text(max_size=80)))
def test_random_text(texts: list[str]) -> None:
    count("rules", len(texts))
    for text in texts:
        compile_or_error(text)


REAL = [
    'http.request.uri.path matches "^/api/v[0-9]+/" and not ip.src in $offices',
    'any(lower(http.request.headers.names[*])[*] == "x-forwarded-for")',
    'concat("a", http.host) eq "ax" or len(http.request.cookies["s"]) > 0',
    'lookup_json_integer(http.request.uri.query, "a", 0) ge 3',
    'cidr(ip.src, 24, 64) == 192.0.2.0 && http.request.method in {"GET" "HEAD"}',
    'url_decode(http.request.uri.query, "r") contains "<script"',
]


@examples(400)
@given(st.data(), requests)
def test_mutated_real_rules(data: st.DataObject, request: Request) -> None:
    for _ in range(BATCH // 2):
        text = data.draw(st.sampled_from(REAL))
        for _ in range(data.draw(st.integers(1, 3))):
            i = data.draw(st.integers(0, len(text)))
            j = data.draw(st.integers(i, min(len(text), i + 6)))
            text = text[:i] + data.draw(st.one_of(tokens, st.text(max_size=3))) + text[j:]
        expression = compile_or_error(text)
        if expression is not None:
            evaluate(expression, request)
    count("rules", BATCH // 2)
