"""Small pieces of the redemption side: the origin name a Host header gives, and the
redemption context a ticket id gives."""

from __future__ import annotations

import pytest

from humangate.pat.gate import origin_name, redemption_context


@pytest.mark.parametrize(
    ("host", "name"),
    [
        ("Shop.Example", "shop.example"),
        ("shop.example:8443", "shop.example"),
        ("127.0.0.1:8000", "127.0.0.1"),
        ("[::1]:8080", "[::1]"),
        ("[2001:db8::1]", "[2001:db8::1]"),
        ("", ""),
    ],
)
def test_origin_name(host: str, name: str) -> None:
    assert origin_name(host) == name


def test_redemption_context_is_32_bytes_and_a_function_of_the_ticket() -> None:
    one = redemption_context("a" * 24)
    assert len(one) == 32
    assert redemption_context("a" * 24) == one
    assert redemption_context("b" * 24) != one
