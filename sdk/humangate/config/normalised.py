"""Config fields that accept several spellings and hold one: data descriptors.

Used as a dataclass field's default (``passage_ttl: Duration = Duration(1800, ...)``),
a descriptor normalises the value when ``__init__`` assigns it, so the field reads as
what it holds. mypy types such a field from the descriptor: the ``__init__`` parameter
takes the ``__set__`` value type, attribute reads give the ``__get__`` type.

The value is kept in the instance ``__dict__`` under the field's name, so the owning
dataclass must not use ``slots=True``: that replaces the descriptor with a plain slot,
and the raw value would be stored unchecked.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any, Generic, TypeVar

from humangate.difficulty import Difficulty
from humangate.errors import ConfigError

T = TypeVar("T")


class Normalised(Generic[T]):
    """The shared part: the default, the field's name, reading the stored value.

    Subclasses define ``__set__`` with the types they accept and store through
    :meth:`_store`.
    """

    __slots__ = ("default", "name")

    def __init__(self, default: T) -> None:
        self.default = default
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: object | None, owner: type | None = None) -> T:
        if obj is None:
            return self.default  # the dataclass reads the field's default this way
        value: T = obj.__dict__[self.name]
        return value

    def _store(self, obj: object, value: T) -> None:
        # Not setattr: it would come back here, and frozen dataclasses refuse it.
        obj.__dict__[self.name] = value


class Duration(Normalised[int]):
    """Seconds given as a number or a ``timedelta``, held as whole seconds in a range."""

    __slots__ = ("maximum", "minimum")

    def __init__(self, default: int, *, minimum: float, maximum: float) -> None:
        super().__init__(default)
        self.minimum = minimum
        self.maximum = maximum

    def __set__(self, obj: object, value: int | float | timedelta) -> None:
        seconds: object = value.total_seconds() if isinstance(value, timedelta) else value
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ConfigError(
                self.name, f"expected seconds or a timedelta, got {type(value).__name__}"
            )
        if not self.minimum <= seconds <= self.maximum:
            raise ConfigError(
                self.name, f"must be between {self.minimum:g} and {self.maximum:g} seconds"
            )
        self._store(obj, int(seconds))


class DifficultySetting(Normalised[Difficulty]):
    """Proof-of-work bits, a :class:`Difficulty` or a table of its fields, held as a
    :class:`Difficulty` (see :meth:`Difficulty.from_setting`)."""

    __slots__ = ()

    def __set__(self, obj: object, value: int | Difficulty | Mapping[str, Any]) -> None:
        self._store(obj, Difficulty.from_setting(value))
