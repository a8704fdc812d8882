"""Runtime values shared by the evaluator and field sources."""

from __future__ import annotations

import enum
from typing import Final, Protocol, runtime_checkable


class _Missing(enum.Enum):
    # An enum member is a singleton that survives pickling/copying and types cleanly
    # as ``Literal[_Missing.MISSING]``.
    MISSING = "MISSING"

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Final = _Missing.MISSING
"""The value of an absent field, map key or array index: every comparison with it is false."""


@runtime_checkable
class FieldSource(Protocol):
    """Where an expression reads its fields from (one instance per request)."""

    def get(self, name: str) -> object:
        """The field's Python value, or :data:`MISSING`.

        Types: String → ``str``, Int → ``int``, Bool → ``bool``, IP →
        ``ipaddress.IPv4Address | IPv6Address``, Array<T> → ``Sequence[T]``,
        Map<T> → ``Mapping[str, T]``.
        """
        ...
