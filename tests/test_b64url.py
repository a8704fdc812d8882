"""humangate.b64url: the one spelling of URL-safe base64 that tokens, nonces and held
forms use, and nothing else accepted back."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from humangate import b64url


@given(st.binary(max_size=200))
def test_encode_is_urlsafe_base64_without_padding(data: bytes) -> None:
    text = b64url.encode(data)
    assert text == base64.urlsafe_b64encode(data).rstrip(b"=").decode()
    assert b64url.decode(text) == data


@pytest.mark.parametrize(
    "text",
    [
        "AQI=",  # padding: not what encode writes
        "AQ==",
        "AQ",  # fine so far; the rest are not
        "AR",  # unused low bits set: decodes to the same byte as "AQ"
        "A Q",  # a character outside the alphabet (the decoder alone would skip it)
        "AQ\n",
        "A+8",  # the standard alphabet's characters, not the URL-safe ones
        "A/8",
        "AQé",  # not ASCII
        "A",  # a length no encoding has
    ],
)
def test_decode_takes_only_the_one_spelling(text: str) -> None:
    if text == "AQ":
        assert b64url.decode(text) == b"\x01"
        return
    with pytest.raises(ValueError):  # noqa: PT011 (binascii.Error is one too)
        b64url.decode(text)
