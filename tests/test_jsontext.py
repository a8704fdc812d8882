from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from humangate.jsontext import compact, string

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(JSON)
def test_compact_writes_what_json_dumps_writes(value: object) -> None:
    assert compact(value) == json.dumps(value, separators=(",", ":"))
    assert json.loads(compact(value)) == value


@given(st.text())
def test_string_writes_what_compact_writes_for_text(text: str) -> None:
    assert string(text) == compact(text)


def test_a_failed_encoding_leaves_the_shared_encoder_usable() -> None:
    # compact() keeps one C encoder for every call: an error half-way through one value
    # must not leave state behind that a later value (possibly at the same address) trips.
    for _ in range(100):
        with pytest.raises(TypeError):
            compact([[object()]])
        assert compact([[1]]) == "[[1]]"
    circular: list[object] = []
    circular.append(circular)
    with pytest.raises(RecursionError):
        compact(circular)
    assert compact({"a": [circular is not None]}) == '{"a":[true]}'


@given(st.dictionaries(st.text(), JSON, max_size=4) | st.lists(JSON, max_size=4).map(tuple))
def test_compact_writes_tuples_and_top_level_containers_as_json_dumps(value: object) -> None:
    assert compact(value) == json.dumps(value, separators=(",", ":"))
