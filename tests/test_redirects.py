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
