"""Hypothesis strategies shared by the fuzz tests: tokens, JSON, mutations."""

from __future__ import annotations

import base64
import json
from typing import Any

from hypothesis import strategies as st

from humangate.tokens import KeyRing
from tests.conftest import SECRET

KEYS = KeyRing([SECRET], purposes=("ticket", "clearance", "replay"))

# JSON values, including the awkward ones: huge ints, floats json.loads still reads
# back (Infinity, NaN), deep nesting, long strings, non-ASCII and lone surrogates.
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=40),
    st.sampled_from(
        ["", "0", "1", "-1", "1e400", "managed", "interactive", "\U0001d4b3", "\ud800"]
    ),
)
json_values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=6), scalars, max_size=3),
)


def dumps(value: Any) -> str:
    # ensure_ascii keeps lone surrogates encodable (as \\udXXX escapes), as a forger would.
    return json.dumps(value, allow_nan=True)


def sealed(purpose: str, payload: dict[str, Any]) -> str:
    """An authentic token carrying ``payload``: what a decoder sees if the key leaked or
    a bug ever sealed something unexpected. Past authentication, it must still hold."""
    return KEYS.seal(purpose, payload)


def mutate(token: str, data: st.DataObject) -> str:
    """Flip, cut, extend or re-encode ``token`` the ways a forger would try."""
    how = data.draw(st.sampled_from(["flip", "cut", "extend", "pad", "respell", "raw"]))
    if not token:
        return data.draw(st.text(max_size=60))
    if how == "flip":
        i = data.draw(st.integers(0, len(token) - 1))
        c = data.draw(st.characters())
        return token[:i] + c + token[i + 1 :]
    if how == "cut":
        return token[: data.draw(st.integers(0, len(token)))]
    if how == "extend":
        return token + data.draw(st.text(max_size=20))
    if how == "pad":
        return token + "=" * data.draw(st.integers(1, 3))
    if how == "respell":  # standard alphabet, whitespace: other spellings of the bytes
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        return data.draw(
            st.sampled_from([base64.b64encode(raw).decode(), " " + token, token + "\n"])
        )
    return data.draw(st.text(max_size=300))
