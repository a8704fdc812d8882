"""Did-you-mean hints for misspelt names in configuration errors."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(name: str, choices: Iterable[str]) -> str | None:
    """The one of ``choices`` ``name`` most likely misspells, or None.

    Only the names passed in are ever suggested: callers pass the public ones.
    """
    close = difflib.get_close_matches(str(name), sorted(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """``" (did you mean 'x'?)"`` for the closest of ``choices``, or ``""``."""
    found = closest(name, choices)
    return f" (did you mean {found!r}?)" if found else ""
