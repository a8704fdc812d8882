"""Where humangate may send a visitor back to: a path on this origin, never elsewhere."""

from __future__ import annotations

import re

# Control characters (CR, LF and tab among them) have no place in a redirect target.
_CONTROL = re.compile(r"[\x00-\x1f]")


def safe_target(target: str) -> str:
    """A same-origin path to redirect to. Anything else collapses to a local path.

    ``//evil.example`` and ``/\\evil.example`` are protocol-relative URLs to browsers,
    so leading slashes and backslashes fold into one slash.
    """
    if not target.startswith("/"):
        return "/"
    target = "/" + target.lstrip("/\\")
    if _CONTROL.search(target):  # one scan in C: a challenged path can be long
        return "/"
    return target
