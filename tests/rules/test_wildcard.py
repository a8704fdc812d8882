from __future__ import annotations

import pytest

from humangate.rules.wildcard import WildcardError, wildcard_regex


@pytest.mark.parametrize(
    ("pattern", "value", "insensitive", "sensitive"),
    [
        ("/api/*", "/api/v1/x", True, True),
        ("/api/*", "/API/v1", True, False),
        ("/api/*", "/v2/api/x", False, False),  # must match the whole value
        ("*", "", True, True),
        ("a*b*c", "aXXbYYc", True, True),
        ("a*b*c", "aXXbYYcd", False, False),
        ("\\*.example.com", "*.example.com", True, True),
        ("\\*.example.com", "www.example.com", False, False),
        ("C:\\\\dir", "C:\\dir", True, True),
        ("a.b", "aXb", False, False),  # regex metacharacters are literal
        ("line*", "line1\nline2", True, True),
        ("ÉTÉ*", "été", False, False),  # ASCII-only case folding
    ],
)
def test_matching(pattern: str, value: str, insensitive: bool, sensitive: bool) -> None:
    assert wildcard_regex(pattern, case_sensitive=False)(value) is insensitive
    assert wildcard_regex(pattern, case_sensitive=True)(value) is sensitive


@pytest.mark.parametrize(
    ("pattern", "offset", "fragment"),
    [("a**", 1, "'**'"), ("\\q", 0, "invalid escape"), ("ab\\", 2, "invalid escape")],
)
def test_invalid_patterns(pattern: str, offset: int, fragment: str) -> None:
    with pytest.raises(WildcardError) as caught:
        wildcard_regex(pattern, case_sensitive=True)
    assert caught.value.offset == offset
    assert fragment in caught.value.message
