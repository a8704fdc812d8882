"""The URL normaliser: Cloudflare's default steps, its RFC 3986 subset, and the redirect
that keeps rules and app on one path."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from humangate import Config, ConfigError
from humangate.request import Request
from humangate.rules.context import RequestFields
from humangate.rules.uri import (
    MODES,
    Mode,
    decode_unreserved,
    needs_normalising,
    normalise_path,
    redirect_location,
    remove_dot_segments,
)
from tests.conftest import SECRET


@pytest.mark.parametrize(
    ("path", "cloudflare", "rfc3986"),
    [
        ("/managed/x", "/managed/x", "/managed/x"),
        ("//managed/x", "/managed/x", "//managed/x"),
        ("/managed///x", "/managed/x", "/managed///x"),
        ("/./managed/x", "/managed/x", "/managed/x"),
        ("/a/../managed/x", "/managed/x", "/managed/x"),
        ("/../../managed/x", "/managed/x", "/managed/x"),
        ("/managed/x/.", "/managed/x/", "/managed/x/"),
        ("/managed/x/..", "/managed/", "/managed/"),
        ("\\managed\\x", "/managed/x", "\\managed\\x"),
        ("/a\\..\\managed/x", "/managed/x", "/a\\..\\managed/x"),
        ("/a/.hidden/..x/...", "/a/.hidden/..x/...", "/a/.hidden/..x/..."),
        ("/Managed/x", "/Managed/x", "/Managed/x"),  # case is kept, as Cloudflare keeps it
        ("*", "*", "*"),
        ("", "", ""),
    ],
)
def test_normal_forms(path: str, cloudflare: str, rfc3986: str) -> None:
    assert normalise_path(path, "cloudflare") == cloudflare
    assert normalise_path(path, "rfc3986") == rfc3986
    assert normalise_path(path, "off") == path


def test_percent_decoding_touches_unreserved_characters_only() -> None:
    assert decode_unreserved("/%6danaged/%7e%2d%2E") == "/managed/~-."
    assert decode_unreserved("/a%2fb%3f%20c%c3%a9") == "/a%2Fb%3F%20c%C3%A9"
    assert decode_unreserved("/100%/%zz/%4") == "/100%/%zz/%4"


def test_dot_segments_follow_rfc_3986_examples() -> None:
    # RFC 3986 §5.4 "normal examples" resolved against /b/c/d;p?q, path part only.
    assert remove_dot_segments("/b/c/./g") == "/b/c/g"
    assert remove_dot_segments("/b/c/../g") == "/b/g"
    assert remove_dot_segments("/b/c/../../g") == "/g"
    assert remove_dot_segments("/b/c/../../../g") == "/g"
    assert remove_dot_segments("/b/c/.") == "/b/c/"
    assert remove_dot_segments("/b/c/..") == "/b/"


def test_redirect_location_is_never_another_host_nor_a_header_break() -> None:
    assert redirect_location("//evil.example/x", "", "cloudflare") == "/evil.example/x"
    assert redirect_location("//evil.example/./x", "", "rfc3986") == "/evil.example/x"
    assert redirect_location("/a/../b c", "q=1 2&r=\r\n", "cloudflare") == (
        "/b%20c?q=1%202&r=%0D%0A"
    )


def test_the_field_values_and_the_raw_ones() -> None:
    request = Request(
        "GET", "/a/../Managed/x", query="q=%7e", raw_path="/a/../%4danaged/x", scheme="https"
    )
    fields = RequestFields(request, None)
    assert fields.get("http.request.uri.path") == "/Managed/x"
    assert fields.get("http.request.uri") == "/Managed/x?q=%7e"
    assert fields.get("raw.http.request.uri.path") == "/a/../%4danaged/x"
    assert fields.get("raw.http.request.uri") == "/a/../%4danaged/x?q=%7e"
    assert fields.get("raw.http.request.uri.query") == "q=%7e"
    assert fields.get("raw.http.request.full_uri") == "https:///a/../%4danaged/x?q=%7e"
    off = RequestFields(request, None, uri_mode="off")
    assert off.get("http.request.uri.path") == "/a/../Managed/x"


def test_an_unknown_mode_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="uri_normalization"):
        Config(secret_keys=[SECRET], store="memory://", uri_normalization="nginx")


PATHS = st.text(alphabet="/\\.%6dAaZ~-_ 2fFe", max_size=40).map(lambda text: "/" + text)


@settings(max_examples=2000, deadline=None)
@given(path=PATHS, mode=st.sampled_from(MODES))
def test_normalising_is_idempotent_and_agrees_with_the_cheap_test(path: str, mode: Mode) -> None:
    once = normalise_path(path, mode)
    assert normalise_path(once, mode) == once
    assert needs_normalising(path, mode) == (once != path)
    assert not needs_normalising(once, mode)
    if mode == "cloudflare":
        assert once.startswith("/") and "//" not in once and "\\" not in once
    location = redirect_location(path, "", mode)
    assert location.startswith("/") and not location.startswith("//")
    assert not any(char in location for char in "\r\n \\")
