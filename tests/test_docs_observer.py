"""The custom observer snippet in docs/observability.md runs as written and observes."""

from __future__ import annotations

import re
from pathlib import Path

from tests.support import WSGIClient

DOC = Path(__file__).resolve().parents[1] / "docs" / "observability.md"


def snippet() -> str:
    section = DOC.read_text().split("## Your own observer", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None
    return found.group(1)


def test_the_observer_snippet_counts_a_challenge() -> None:
    namespace: dict[str, object] = {}
    exec(snippet(), namespace)
    response = WSGIClient(namespace["gated"]).request("GET", "/")
    assert response.status == 403
    assert namespace["challenges"].issued == 1  # type: ignore[attr-defined]
