from __future__ import annotations

import base64
import json
from ipaddress import ip_address

import pytest

from tests.rules.conftest import Evaluate

FIELDS = {
    "http.host": "WwW.ExAmPlE.com",
    "http.request.uri.path": "/webhooks/stripe",
    "http.request.uri.query": "q=a%20b+c&x=%2541",
    "http.request.headers": {
        "x-json": ['{"user": {"name": "ann", "roles": ["admin", "dev"], "age": 41, "ok": true}}'],
        "x-b64": [base64.b64encode("héllo".encode()).decode()],
        "x-b64-nopad": ["aGk"],
        "x-bad": ["not base64!"],
        "x-broken-json": ["{"],
    },
    "http.request.headers.names": ["host", "x-json"],
    "http.request.uri.args.names": ["q"],
    "ip.src": ip_address("192.0.2.77"),
    "http.user_agent": "Ünicode agent",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('lower(http.host) eq "www.example.com"', True),
        ('upper(http.host) eq "WWW.EXAMPLE.COM"', True),
        ('lower(http.user_agent) eq "Ünicode agent"', True),  # ASCII letters only
        ('upper(http.user_agent) eq "ÜNICODE AGENT"', True),
        ('starts_with(http.request.uri.path, "/webhooks/")', True),
        ('starts_with(http.request.uri.path, "/api/")', False),
        ('ends_with(http.request.uri.path, "/stripe")', True),
        ('ends_with(http.request.uri.path, "/STRIPE")', False),
        ("len(http.host) eq 15", True),
        ("len(http.user_agent) eq 14", True),  # bytes, not characters: Ü is 2 bytes
        ("len(http.request.headers.names) eq 2", True),
        ("len(http.request.headers) eq 5", True),
        ('concat(http.host, http.request.uri.path) eq "WwW.ExAmPlE.com/webhooks/stripe"', True),
        ('concat(http.request.uri.path, "?", "x") eq "/webhooks/stripe?x"', True),
        (
            "len(concat(http.request.headers.names, http.request.uri.args.names)) eq 3",
            True,
        ),
        ('url_decode(http.request.uri.query) eq "q=a b c&x=%41"', True),
        ('url_decode(http.request.uri.query, "r") eq "q=a b c&x=A"', True),
        ('decode_base64(http.request.headers["x-b64"][0]) eq "héllo"', True),
        ('decode_base64(http.request.headers["x-b64-nopad"][0]) eq "hi"', True),
        ('decode_base64(http.request.headers["x-bad"][0]) ne ""', False),  # invalid: missing
        ('lookup_json_string(http.request.headers["x-json"][0], "user", "name") eq "ann"', True),
        (
            'lookup_json_string(http.request.headers["x-json"][0], "user", "roles", 1) eq "dev"',
            True,
        ),
        ('lookup_json_string(http.request.headers["x-json"][0], "user", "age") ne ""', False),
        ('lookup_json_string(http.request.headers["x-broken-json"][0], "a") ne ""', False),
        ('lookup_json_integer(http.request.headers["x-json"][0], "user", "age") eq 41', True),
        ('lookup_json_integer(http.request.headers["x-json"][0], "user", "ok") ne 1', False),
        ('lookup_json_integer(http.request.headers["x-json"][0], "user", "roles", 5) ne 1', False),
        ("cidr(ip.src, 24, 64) eq 192.0.2.0", True),
        ("cidr(ip.src, 16, 64) eq 192.0.0.0", True),
        ("cidr6(ip.src, 64) eq 192.0.2.77", True),  # IPv4 passes through unchanged
    ],
)
def test_functions(evaluate: Evaluate, text: str, expected: bool) -> None:
    assert evaluate(text, FIELDS) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("cidr(ip.src, 24, 48) eq 2001:db8:1::", True),
        ("cidr6(ip.src, 32) eq 2001:db8::", True),
        ("cidr6(ip.src, 32) in {2001:db8::/32}", True),
    ],
)
def test_cidr_functions_on_ipv6(evaluate: Evaluate, text: str, expected: bool) -> None:
    assert evaluate(text, {"ip.src": ip_address("2001:db8:1:2::9")}) is expected


def test_url_decode_percent_u(evaluate: Evaluate) -> None:
    fields = {"http.request.uri.query": "%u0041%u00e9%uZZZZ"}
    assert evaluate('url_decode(http.request.uri.query, "u") eq "Aé%uZZZZ"', fields)
    assert evaluate('url_decode(http.request.uri.query) eq "%u0041%u00e9%uZZZZ"', fields)


def test_url_decode_recursive_terminates(evaluate: Evaluate) -> None:
    fields = {"http.request.uri.query": "%25252541"}
    assert evaluate('url_decode(http.request.uri.query, "ur") eq "A"', fields)


def test_lookup_json_ignores_deeply_nested_documents(evaluate: Evaluate) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    fields = {"http.request.headers": {"x": [deep]}}
    assert not evaluate('lookup_json_integer(http.request.headers["x"][0], 0) eq 1', fields)


def test_json_roundtrip_of_unicode_keys(evaluate: Evaluate) -> None:
    doc = json.dumps({"clé": "valeur"})
    fields = {"http.request.headers": {"x": [doc]}}
    assert evaluate('lookup_json_string(http.request.headers["x"][0], "clé") eq "valeur"', fields)


def test_functions_propagate_missing(evaluate: Evaluate) -> None:
    assert not evaluate('lower(http.host) eq ""', {})
    assert not evaluate('concat(http.host, "x") eq "x"', {})
    assert not evaluate('starts_with(http.host, "")', {})
    assert not evaluate('any(http.request.headers.names[*] eq "a")', {})
