"""Key normalisation and argument checks shared by all backends."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from humangate.stores._validation import (
    HASHED_KEY_PREFIX,
    MAX_KEY_LENGTH,
    normalize_key,
    redact_uri,
    to_milliseconds,
)


@given(st.text(max_size=2 * MAX_KEY_LENGTH))
def test_normalized_keys_are_short_encodable_and_stable(key: str) -> None:
    name = normalize_key(key)
    assert len(name) <= MAX_KEY_LENGTH
    name.encode("utf-8")  # never raises: every backend can store it
    assert normalize_key(key) == name


@given(st.text(st.characters(blacklist_categories=["Cs"]), max_size=MAX_KEY_LENGTH))
def test_short_valid_keys_are_kept_as_they_are(key: str) -> None:
    assert normalize_key(key) == key


@given(st.text(min_size=MAX_KEY_LENGTH + 1, max_size=MAX_KEY_LENGTH + 50))
def test_long_keys_become_digests(key: str) -> None:
    name = normalize_key(key)
    assert name.startswith(HASHED_KEY_PREFIX)
    assert name != normalize_key(key + "x")


def test_milliseconds_round_up_and_are_never_zero() -> None:
    assert to_milliseconds(0.0001) == 1
    assert to_milliseconds(1.0001) == 1001
    assert to_milliseconds(60) == 60_000


def test_redact_uri() -> None:
    assert redact_uri("redis://:pw@host:6379/0") == "redis://:***@host:6379/0"
    assert redact_uri("rediss://me:pw@host/0?x=1") == "rediss://me:***@host/0?x=1"
    assert redact_uri("redis://host/0") == "redis://host/0"
    assert redact_uri("redis://[::1/0") == "redis://<unparseable>"
