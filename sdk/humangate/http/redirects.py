"""Where humangate may send a visitor back to: a path on this origin, never elsewhere."""

from __future__ import annotations


def safe_target(target: str) -> str:
    """A same-origin path to redirect to. Anything else collapses to a local path.

    ``//evil.example`` and ``/\\evil.example`` are protocol-relative URLs to browsers,
    so leading slashes and backslashes fold into one slash.
    """
    if not target.startswith("/"):
        return "/"
    target = "/" + target.lstrip("/\\")
    if any(ch in target for ch in "\r\n\t") or any(ord(ch) < 0x20 for ch in target):
        return "/"
    return target
