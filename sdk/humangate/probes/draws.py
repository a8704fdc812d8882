"""Random draws exactly as :class:`random.Random` makes them, with less call overhead.

A probe program is a function of its seed: the same seed must give the same program in
every release (tests pin answers to fixed seeds), so the generators draw from the seeded
``random.Random``. Its ``choice``/``randrange``/``shuffle`` each run two Python
functions around one ``getrandbits``, and a program makes hundreds of draws: for each
ticket's challenge page, that was a large share of its cost. :class:`Draws` makes the
same draws from the same generator (so they interleave with direct calls on it) in one
function; the hottest loops call ``getrandbits`` themselves through :func:`draw_bits`.
"""

from __future__ import annotations

import random
from collections.abc import Callable, MutableSequence, Sequence
from typing import TypeVar

T = TypeVar("T")

# What random.Random draws integers with (private, the same in 3.11 to 3.13; checked by
# tests/probes/test_draws.py against the public methods).
_WITH_BITS = getattr(random.Random, "_randbelow_with_getrandbits", None)


def draw_bits(r: random.Random) -> Callable[[int], int]:
    """``r.getrandbits``, once it is certain that ``r`` draws its integers from it.

    ``random.Random`` (and a subclass that keeps its ``getrandbits``) draws
    ``randrange(n)`` as ``getrandbits(n.bit_length())``, again while ``>= n``; a subclass
    that only overrides ``random()`` does not, and is refused.
    """
    if _WITH_BITS is None or getattr(type(r), "_randbelow", None) is not _WITH_BITS:
        raise TypeError("probe programs draw from a random.Random")
    return r.getrandbits


def below(bits: Callable[[int], int], n: int) -> int:
    """``r.randrange(n)`` for ``bits = draw_bits(r)``."""
    k = n.bit_length()
    value = bits(k)
    while value >= n:
        value = bits(k)
    return value


class Draws:
    """The draws the probe generators make, each equal to ``random.Random``'s."""

    __slots__ = ("bits", "random", "source")

    def __init__(self, source: random.Random) -> None:
        self.source = source
        self.bits = draw_bits(source)
        self.random = source.random

    def randrange(self, start: int, stop: int | None = None) -> int:
        if stop is None:
            start, stop = 0, start
        n = stop - start
        if n <= 0:
            raise ValueError(f"empty range in randrange({start}, {stop})")
        bits = self.bits
        k = n.bit_length()
        value = bits(k)
        while value >= n:
            value = bits(k)
        return start + value

    def choice(self, seq: Sequence[T]) -> T:
        n = len(seq)
        if not n:
            raise IndexError("Cannot choose from an empty sequence")
        bits = self.bits
        k = n.bit_length()
        value = bits(k)
        while value >= n:
            value = bits(k)
        return seq[value]

    def word(self, alphabet: str, length: int) -> str:
        """``"".join(choice(alphabet) for _ in range(length))``."""
        bits = self.bits
        n = len(alphabet)
        k = n.bit_length()
        letters = []
        for _ in range(length):
            value = bits(k)
            while value >= n:
                value = bits(k)
            letters.append(alphabet[value])
        return "".join(letters)

    def shuffle(self, x: MutableSequence[T]) -> None:
        bits = self.bits
        for i in range(len(x) - 1, 0, -1):
            n = i + 1
            k = n.bit_length()
            j = bits(k)
            while j >= n:
                j = bits(k)
            x[i], x[j] = x[j], x[i]

    def sample(self, population: Sequence[T], k: int) -> list[T]:
        return self.source.sample(population, k)

    def uniform(self, a: float, b: float) -> float:
        return a + (b - a) * self.random()

    def randbytes(self, n: int) -> bytes:
        return self.bits(n * 8).to_bytes(n, "little")
