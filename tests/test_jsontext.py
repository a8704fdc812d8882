from __future__ import annotations

import json

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
