"""A floor under secret quality: refuse secrets that are plainly guessable.

Length alone lets ``"x" * 32`` or ``"changeme" * 4`` through. This estimates the
information in a secret from its shortest repeating unit and that unit's character
frequencies (Shannon entropy times length). It is an estimate that catches repetition
and tiny alphabets, not a password-strength meter: `humangate keygen` output (256
random bits) scores around 210, a 128-bit hex secret around 120.
"""

from __future__ import annotations

import math
from collections import Counter

MIN_ESTIMATED_BITS = 80


def shortest_period(text: str) -> str:
    """The shortest unit ``text`` is a whole repetition of (``text`` itself if none)."""
    length = len(text)
    for size in range(1, length // 2 + 1):
        if length % size == 0 and text[:size] * (length // size) == text:
            return text[:size]
    return text


def estimated_bits(secret: str) -> float:
    """Shannon entropy of the repeating unit's characters, times the unit's length."""
    unit = shortest_period(secret)
    if not unit:
        return 0.0
    counts = Counter(unit)
    total = len(unit)
    per_char = -sum(n / total * math.log2(n / total) for n in counts.values())
    return max(0.0, per_char * total)


def weakness(secret: str) -> str | None:
    """Why ``secret`` is too guessable to sign with, or ``None``."""
    bits = estimated_bits(secret)
    if bits >= MIN_ESTIMATED_BITS:
        return None
    return (
        f"looks guessable (about {bits:.0f} bits of randomness; at least "
        f"{MIN_ESTIMATED_BITS} needed): generate one with `humangate keygen`"
    )
