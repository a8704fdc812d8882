"""``wildcard`` / ``strict wildcard`` patterns → compiled regular expressions."""

from __future__ import annotations

import re


class WildcardError(ValueError):
    """A pattern is malformed; ``offset`` is the index in the pattern value."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def wildcard_regex(pattern: str, *, case_sensitive: bool) -> re.Pattern[str]:
    """A regex that matches the **whole** value against ``pattern``.

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
        else:
            parts.append(re.escape(char))
            i += 1
    # Case-insensitive here means ASCII letters only, like Cloudflare's byte matching.
    flags = re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE | re.ASCII
    return re.compile("".join(parts), flags)
