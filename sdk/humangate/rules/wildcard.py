"""``wildcard`` / ``strict wildcard`` patterns → compiled regular expressions.

They run on RE2 (see :mod:`humangate.rules.regex`): with several stars a backtracking
engine takes polynomial time in the value's length, RE2 linear.
"""

from __future__ import annotations

import re

from humangate.rules.regex import Searcher, compile_fullmatch


class WildcardError(ValueError):
    """A pattern is malformed; ``offset`` is the index in the pattern value."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def wildcard_regex(pattern: str, *, case_sensitive: bool) -> Searcher:
    """A test that ``pattern`` matches the **whole** value.

    ``*`` matches any run of characters (including none); ``\\*`` is a literal star and
    ``\\\\`` a literal backslash. An unescaped ``**`` is rejected, as in Cloudflare.
    """
    parts: list[str] = []
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            if pattern.startswith("**", i):
                raise WildcardError(i, "'**' is not allowed in a wildcard pattern; use '*'")
            parts.append(".*")
            i += 1
        elif char == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped not in ("*", "\\"):
                raise WildcardError(i, "invalid escape in wildcard pattern; expected \\* or \\\\")
            parts.append(re.escape(escaped))
            i += 2
        elif not case_sensitive and char.isascii() and char.isalpha():
            # Case-insensitive means ASCII letters only, like Cloudflare's byte matching
            # (RE2's own case folding would also fold non-ASCII letters).
            parts.append(f"[{char.lower()}{char.upper()}]")
            i += 1
        else:
            parts.append(re.escape(char))
            i += 1
    return compile_fullmatch("(?s)" + "".join(parts), case_sensitive=True)
