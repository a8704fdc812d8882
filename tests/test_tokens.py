from __future__ import annotations

import base64

import pytest

from humangate.errors import ConfigError, TokenError
from humangate.tokens import KeyRing, generate_secret
from tests.conftest import OLD_SECRET, SECRET

PURPOSES = ("ticket", "clearance")
URL_SAFE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def test_round_trip() -> None:
    ring = KeyRing([SECRET], PURPOSES)
    token = ring.seal("ticket", {"a": 1, "b": "x"})
    assert ring.open("ticket", token) == {"a": 1, "b": "x"}


def test_token_is_opaque() -> None:
    token = KeyRing([SECRET], PURPOSES).seal("ticket", {"secret-field": "visible?"})
    assert b"visible" not in base64.urlsafe_b64decode(token + "==")


def test_purposes_do_not_cross() -> None:
    ring = KeyRing([SECRET], PURPOSES)
    with pytest.raises(TokenError):
        ring.open("clearance", ring.seal("ticket", {"a": 1}))


def test_tampering_is_detected() -> None:
    ring = KeyRing([SECRET], PURPOSES)
    token = ring.seal("clearance", {"l": 3})
    raw = bytearray(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    for index in (0, 3, 10, len(raw) - 1):
        forged = bytearray(raw)
        forged[index] ^= 0x01
        text = base64.urlsafe_b64encode(bytes(forged)).rstrip(b"=").decode()
        with pytest.raises(TokenError):
            ring.open("clearance", text)


def test_other_secret_cannot_open() -> None:
    token = KeyRing([OLD_SECRET], PURPOSES).seal("clearance", {"l": 1})
    with pytest.raises(TokenError):
        KeyRing([SECRET], PURPOSES).open("clearance", token)


def test_rotation_keeps_old_tokens_valid_and_seals_with_newest() -> None:
    old_token = KeyRing([OLD_SECRET], PURPOSES).seal("clearance", {"l": 1})
    rotated = KeyRing([SECRET, OLD_SECRET], PURPOSES)
    assert rotated.open("clearance", old_token) == {"l": 1}
    new_token = rotated.seal("clearance", {"l": 2})
    assert KeyRing([SECRET], PURPOSES).open("clearance", new_token) == {"l": 2}


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "x",
        "!!!!",
        "é" * 10,
        "A" * 5000,
        "AQAAAAA",
        base64.urlsafe_b64encode(b"\x02" + b"\0" * 40).decode(),
    ],
)
def test_garbage_is_a_token_error(garbage: str) -> None:
    with pytest.raises(TokenError):
        KeyRing([SECRET], PURPOSES).open("ticket", garbage)


def test_short_secret_is_refused() -> None:
    with pytest.raises(ConfigError) as err:
        KeyRing(["short"], PURPOSES)
    assert err.value.field == "secret_keys"


def test_generated_secrets_are_long_and_distinct() -> None:
    a, b = generate_secret(), generate_secret()
    assert a != b
    assert len(a) >= 43


def _spellings(token: str) -> list[str]:
    """Other ways to write ``token`` that a lenient base64 decoder reads as the same bytes."""
    last = token[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # The last character carries unused low bits unless the length is a multiple of 4.
    unused = {2: 4, 3: 2, 0: 0}[len(token) % 4]
    index = alphabet.index(last)
    twins = [alphabet[index ^ bit] for bit in range(1, 1 << unused)]
    variants = [
        token + "=" * (-len(token) % 4 or 4),  # padded
        token[:10] + "...." + token[10:],  # characters outside the alphabet, skipped
        token[:10] + "\r\n\r\n" + token[10:],
        *(token[:-1] + twin for twin in twins),  # other unused low bits
    ]
    if "-" in token or "_" in token:
        variants.append(token.replace("-", "+").replace("_", "/"))  # the standard alphabet
    return variants


@pytest.mark.parametrize("attempt", range(6))
def test_only_the_canonical_spelling_opens(attempt: int) -> None:
    ring = KeyRing([SECRET], PURPOSES)
    token = ring.seal("clearance", {"n": attempt, "pad": "x" * attempt})
    assert ring.open("clearance", token) == {"n": attempt, "pad": "x" * attempt}
    same = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for variant in _spellings(token):
        lenient = base64.urlsafe_b64decode(variant + "=" * (-len(variant) % 4))
        assert lenient == same, "a real second spelling of the same bytes"
        with pytest.raises(TokenError):
            ring.open("clearance", variant)


def test_sealing_for_a_purpose_the_ring_was_not_made_for_is_refused() -> None:
    ring = KeyRing([SECRET], ["clearance"])
    with pytest.raises(TokenError, match="no key for purpose 'ticket'"):
        ring.seal("ticket", {"a": 1})


def test_tokens_are_url_safe_base64_without_padding_of_every_length() -> None:
    ring = KeyRing([SECRET], ["clearance"])
    for size in range(40):
        token = ring.seal_json("clearance", '{"x":"' + "y" * size + '"}')
        assert "=" not in token and set(token) <= set(URL_SAFE_ALPHABET)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        assert base64.urlsafe_b64encode(raw).rstrip(b"=").decode() == token
        assert ring.open("clearance", token) == {"x": "y" * size}
