"""The value types of the rules language and how they print in error messages."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Primitive:
    """A scalar type: Bool, Int, String or IP."""

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class ArrayType:
    """``Array<T>``: an ordered list of values of one type."""

    element: Type

    def __str__(self) -> str:
        return f"Array<{self.element}>"


@dataclass(frozen=True, slots=True)
class MapType:
    """``Map<T>``: string keys to values of one type."""

    element: Type

    def __str__(self) -> str:
        return f"Map<{self.element}>"


@dataclass(frozen=True, slots=True)
class EachType:
    """The elements of an array or map unpacked with ``[*]``.

    Not a storable type: it exists only while type-checking, so that a comparison or a
    function call knows it must be applied to every element (and then yields an Array).
    """

    element: Type

    def __str__(self) -> str:
        return f"{self.element} (each element, from [*])"


Type = Primitive | ArrayType | MapType | EachType

BOOL = Primitive("Bool")
INT = Primitive("Int")
STRING = Primitive("String")
IP = Primitive("IP")
