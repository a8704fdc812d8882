"""Redirect targets (humangate.http.redirects): a path on this origin, never elsewhere."""

from __future__ import annotations

import pytest

from humangate.crypto import tickets
from humangate.http.redirects import safe_target


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/page?x=1", "/page?x=1"),
        ("/", "/"),
        ("//evil.example/x", "/evil.example/x"),
        ("/\\evil.example", "/evil.example"),
        ("///evil.example", "/evil.example"),
        ("https://evil.example/", "/"),
        ("evil.example", "/"),
        ("/a\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ],
)
def test_safe_target_never_leaves_the_origin(target: str, expected: str) -> None:
    assert safe_target(target) == expected


def test_the_old_name_still_imports() -> None:
    assert tickets.safe_target is safe_target


@pytest.mark.parametrize("code", range(0x20))
def test_any_control_character_anywhere_collapses_the_target(code: int) -> None:
    # A header split or a log forgery needs one of these; the check scans the whole path.
    assert safe_target(f"/a/{'x' * 500}{chr(code)}b?q=1") == "/"
    assert safe_target(f"/{chr(code)}") == "/"


def test_printable_and_non_ascii_characters_are_kept() -> None:
    path = "/caf\u00e9/\u65e5\u672c/ ~!$&'()*+,;=:@%20\x7f?q=\u2028"
    assert safe_target(path) == path
