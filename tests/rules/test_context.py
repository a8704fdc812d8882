from __future__ import annotations

from ipaddress import ip_address

import pytest

from humangate.request import MAX_HEADER_VALUE, Request
from humangate.rules import MISSING, compile_expression
from humangate.rules.context import RequestFields

REQUEST = Request(
    method="post",
    path="/a b/c",
    query="x=1&x=2&empty=&flag",
    headers=(
        ("host", "shop.example"),
        ("user-agent", "Mozilla/5.0"),
        ("accept", "text/html"),
        ("accept", "application/json"),
        ("cookie", "session=abc"),
        ("cookie", 'theme="dark"'),
        ("referer", "https://ref.example/"),
        ("x-forwarded-for", "198.51.100.1"),
    ),
    scheme="https",
    raw_path="/a%20b/c",
)


def fields(**kwargs: object) -> RequestFields:
    extra = kwargs.pop("extra", None)
    return RequestFields(
        REQUEST, ip_address("192.0.2.1"), extra, ray_id="0123456789abcdef", now=1700000000.9
    )  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("http.host", "shop.example"),
        ("http.request.method", "POST"),
        ("http.request.uri", "/a%20b/c?x=1&x=2&empty=&flag"),
        ("http.request.uri.path", "/a b/c"),
        ("http.request.uri.query", "x=1&x=2&empty=&flag"),
        ("http.request.full_uri", "https://shop.example/a%20b/c?x=1&x=2&empty=&flag"),
        ("http.request.uri.args", {"x": ["1", "2"], "empty": [""], "flag": [""]}),
        ("http.request.uri.args.names", ["x", "empty", "flag"]),
        ("http.request.uri.args.values", ["1", "2", "", ""]),
        ("http.user_agent", "Mozilla/5.0"),
        ("http.referer", "https://ref.example/"),
        ("http.x_forwarded_for", "198.51.100.1"),
        ("http.cookie", 'session=abc; theme="dark"'),
        ("http.request.cookies", {"session": ["abc"], "theme": ["dark"]}),
        (
            "http.request.headers.names",
            [
                "host",
                "user-agent",
                "accept",
                "accept",
                "cookie",
                "cookie",
                "referer",
                "x-forwarded-for",
            ],
        ),
        ("ssl", True),
        ("ip.src", ip_address("192.0.2.1")),
        ("http.request.timestamp.sec", 1700000000),
        ("http.request.timestamp.msec", 1700000000900),
        ("http.request.uri.path.extension", ""),
        ("cf.ray_id", "0123456789abcdef"),
    ],
)
def test_request_derived_fields(name: str, value: object) -> None:
    assert fields().get(name) == value


def test_header_map_keeps_repeats_in_order() -> None:
    headers = fields().get("http.request.headers")
    assert isinstance(headers, dict)
    assert headers["accept"] == ["text/html", "application/json"]
    assert compile_expression('http.request.headers["accept"][1] eq "application/json"').evaluate(
        fields()
    )


def test_absent_headers_are_empty_strings_like_cloudflare() -> None:
    source = RequestFields(Request("GET", "/"), None)
    assert source.get("http.user_agent") == ""
    assert source.get("http.referer") == ""
    assert source.get("http.host") == ""
    assert source.get("ssl") is False
    assert source.get("ip.src") is MISSING
    assert source.get("cf.ray_id") is MISSING
    assert source.get("http.request.uri") == "/"


def test_over_long_header_values_are_absent() -> None:
    request = Request("GET", "/", headers=(("x-big", "a" * (MAX_HEADER_VALUE + 1)), ("x-ok", "1")))
    source = RequestFields(request, None)
    assert source.get("http.request.headers") == {"x-ok": ["1"]}


@pytest.mark.parametrize(
    ("path", "extension"),
    [("/a/b.PHP", "php"), ("/a/.env", ""), ("/a.b/c", ""), ("/x.tar.gz", "gz"), ("/", "")],
)
def test_path_extension(path: str, extension: str) -> None:
    assert (
        RequestFields(Request("GET", path), None).get("http.request.uri.path.extension")
        == extension
    )


def test_websocket_secure_scheme_is_ssl() -> None:
    assert RequestFields(Request("GET", "/", scheme="wss"), None).get("ssl") is True
    assert RequestFields(Request("GET", "/", scheme="ws"), None).get("ssl") is False


def test_extra_fields_are_type_checked_against_the_catalog() -> None:
    source = fields(
        extra={
            "ip.src.country": "DE",
            "ip.src.asnum": 13335,
            "cf.bot_management.score": "12",  # wrong type → missing
            "cf.bot_management.verified_bot": True,
            "humangate.clearance.level": None,
            "not.a.field": "x",
        }
    )
    assert source.get("ip.src.country") == "DE"
    assert source.get("ip.geoip.country") == "DE"  # alias
    assert source.get("ip.src.asnum") == 13335
    assert source.get("cf.bot_management.score") is MISSING
    assert source.get("cf.client.bot") is True
    assert source.get("humangate.clearance.level") is MISSING
    assert source.get("not.a.field") is MISSING
    assert source.get("http.request.version") is MISSING


def test_containers_from_extra_are_checked_deeply() -> None:
    good = fields(extra={"cf.bot_management.detection_ids": [1, 2]})
    bad = fields(extra={"cf.bot_management.detection_ids": [1, "2"]})
    assert good.get("cf.bot_management.detection_ids") == [1, 2]
    assert bad.get("cf.bot_management.detection_ids") is MISSING


def test_fields_are_computed_lazily_and_cached() -> None:
    source = fields()
    assert source._cache == {}
    compile_expression('http.request.uri.path eq "/a b/c"').evaluate(source)
    assert set(source._cache) == {"http.request.uri.path"}
    args = source.get("http.request.uri.args")
    assert source.get("http.request.uri.args") is args


def test_timestamp_defaults_to_now() -> None:
    stamp = RequestFields(Request("GET", "/"), None).get("http.request.timestamp.sec")
    assert isinstance(stamp, int)
    assert stamp > 1_700_000_000


def test_end_to_end_allowlist_rule() -> None:
    expr = compile_expression(
        '(ip.src in {192.0.2.0/24 2001:db8::/32}) or (http.request.uri.path wildcard "/api/*")'
    )
    assert expr.evaluate(fields())
    outsider = RequestFields(Request("GET", "/API/v1"), ip_address("203.0.113.9"))
    assert expr.evaluate(outsider)
    assert not expr.evaluate(RequestFields(Request("GET", "/home"), ip_address("203.0.113.9")))
