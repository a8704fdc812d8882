"""humangate.immutable: values read-only to the type checker, hashable, cheap to build."""

from __future__ import annotations

from pathlib import Path

from mypy import api

from humangate.events import Event, Kind
from humangate.request import Request


def test_equal_values_are_equal_and_hash_alike() -> None:
    # What a frozen dataclass gives and callers may rely on (sets, dict keys).
    one = Request("GET", "/a", headers=(("user-agent", "x"),), peer="192.0.2.1")
    two = Request("GET", "/a", headers=(("user-agent", "x"),), peer="192.0.2.1")
    assert one == two and hash(one) == hash(two)
    assert one.cookies == {}  # the lazily filled cache is not part of equality or hash
    assert one == two and hash(one) == hash(two)
    assert {Event(Kind.BLOCKED, "r", 1.0), Event(Kind.BLOCKED, "r", 1.0)} == {
        Event(Kind.BLOCKED, "r", 1.0)
    }


def test_assigning_a_field_is_a_type_error(tmp_path: Path) -> None:
    """The promise that replaces frozen=True: mypy refuses the assignment."""
    program = tmp_path / "assign.py"
    program.write_text(
        "from humangate.request import Request\n"
        "from humangate.events import Event, Kind\n"
        "request = Request('GET', '/')\n"
        "request.path = '/admin'\n"
        "event = Event(Kind.BLOCKED, 'r', 1.0)\n"
        "event.rule = 'other'\n"
    )
    out, _, status = api.run(
        [
            "--no-incremental",
            "--cache-dir=/dev/null",
            "--config-file=",
            "--python-version=3.11",
            str(program),
        ]
    )
    assert status == 1, out
    assert 'assign.py:4: error: Property "path" defined in "Request" is read-only' in out
    assert 'assign.py:6: error: Property "rule" defined in "Event" is read-only' in out
