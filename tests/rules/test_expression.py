"""The public API and Cloudflare's documented example rules."""

from __future__ import annotations

from ipaddress import ip_address

import pytest

from humangate.errors import ExpressionError
from humangate.rules import FIELDS, MISSING, Expression, FieldSource, compile_expression
from tests.rules.conftest import DictSource, Evaluate


def test_public_names() -> None:
    expr = compile_expression("ssl")
    assert isinstance(expr, Expression)
    assert isinstance(DictSource({}), FieldSource)
    assert "ssl" in FIELDS
    assert DictSource({}).get("ssl") is MISSING


def test_text_fields_and_equality() -> None:
    a = compile_expression('http.host == "a"  &&  ip.geoip.country eq "DE"')
    b = compile_expression('http.host eq "a" and ip.src.country eq "DE"')
    c = compile_expression('http.host eq "a" and ip.geoip.country eq "DE"')
    assert a.text == 'http.host == "a"  &&  ip.geoip.country eq "DE"'
    assert a.fields == frozenset({"http.host", "ip.src.country"})
    assert a == c
    assert hash(a) == hash(c)
    assert a != b  # the alias is kept as written, so the canonical text differs
    assert a != "ssl"
    assert str(a) == 'http.host eq "a" and ip.geoip.country eq "DE"'
    assert repr(a) == 'Expression(\'http.host == "a"  &&  ip.geoip.country eq "DE"\')'


def test_expression_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown field"):
        compile_expression("nope")
    with pytest.raises(ExpressionError) as caught:
        compile_expression('ip.src contains "x"')
    assert caught.value.expression == 'ip.src contains "x"'
    assert caught.value.position == 7


@pytest.mark.parametrize(
    ("text", "fields", "expected"),
    [
        # Allowlists from Cloudflare's custom-rules examples.
        (
            '(ip.src in {192.0.2.0/24 2001:db8::/32}) or (http.request.uri.path wildcard "/api/*")',
            {"ip.src": ip_address("2001:db8::7"), "http.request.uri.path": "/"},
            True,
        ),
        (
            'not http.request.uri.path contains "/admin"',
            {"http.request.uri.path": "/x/admin"},
            False,
        ),
        (
            'starts_with(http.request.uri.path, "/webhooks/")',
            {"http.request.uri.path": "/webhooks/gh"},
            True,
        ),
        (
            'http.request.uri.path contains "/wp-login.php" and not ip.src in {192.0.2.0/24}',
            {"http.request.uri.path": "/wp-login.php", "ip.src": ip_address("203.0.113.1")},
            True,
        ),
        (
            'ip.src.country in {"CN" "RU"} and not cf.client.bot',
            {"ip.src.country": "RU", "cf.bot_management.verified_bot": False},
            True,
        ),
        (
            "cf.bot_management.score lt 30 and not cf.bot_management.verified_bot",
            {"cf.bot_management.score": 2, "cf.bot_management.verified_bot": False},
            True,
        ),
        (
            'http.request.method eq "POST" and http.request.uri.path eq "/login"',
            {"http.request.method": "POST", "http.request.uri.path": "/login"},
            True,
        ),
        (
            'http.user_agent contains "curl" or http.user_agent eq ""',
            {"http.user_agent": "Mozilla"},
            False,
        ),
        (
            'any(http.request.headers["x-api-key"][*] eq "s3cret")',
            {"http.request.headers": {"x-api-key": ["s3cret"]}},
            True,
        ),
        (
            'humangate.clearance.level in {"managed" "interactive"} or humangate.service.verified',
            {"humangate.clearance.level": "non_interactive", "humangate.service.verified": False},
            False,
        ),
        (
            'http.host eq "example.com" and http.request.uri.path matches "^/(api|graphql)/"',
            {"http.host": "example.com", "http.request.uri.path": "/graphql/q"},
            True,
        ),
    ],
)
def test_documented_examples(
    evaluate: Evaluate, text: str, fields: dict[str, object], expected: bool
) -> None:
    assert evaluate(text, fields) is expected
