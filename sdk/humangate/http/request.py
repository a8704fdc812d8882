"""The neutral request that adapters translate to: cookies and JSON bodies read from it.

The core never sees a framework object: adapters build a :class:`Request` from WSGI
environ / ASGI scope and write a :class:`~humangate.http.response.Response` back.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import field
from http.cookies import CookieError, SimpleCookie

from humangate.http.response import Response
from humangate.immutable import immutable

__all__ = [
    "MAX_HEADER_VALUE",
    "Request",
    "Response",  # re-exported: its old home, kept for imports from here
    "cookie_pairs",
    "cookie_value",
    "json_object",
]

# Headers longer than this are treated as absent by the core: ordinary attacker noise
# must not cost parsing time or produce errors.
MAX_HEADER_VALUE = 16 * 1024


@immutable
class Request:
    """One HTTP request as the core sees it.

    ``headers`` keeps every header line in order with lower-cased names and values
    decoded as latin-1 (so no byte sequence can fail to decode). ``path`` is the
    percent-decoded path as text (undecodable bytes replaced); ``raw_path`` is the path
    as sent. ``peer`` is the address of the connecting socket, or ``None`` (unix sockets).
    """

    method: str
    path: str
    query: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    peer: str | None = None
    scheme: str = "http"
    raw_path: str = ""
    body: bytes = b""
    websocket: bool = False
    _cookies: dict[str, str] | None = field(default=None, repr=False, compare=False)
    _joined: dict[str, str] | None = field(default=None, repr=False, compare=False)

    def header(self, name: str, default: str | None = None) -> str | None:
        """The header's value; repeated lines are joined with ", " (RFC 9110 §5.3)."""
        joined = self._joined
        if joined is None:
            joined = self._join()
        found = joined.get(name) if name.islower() else joined.get(name.lower())
        if found is None or len(found) > MAX_HEADER_VALUE:
            return default
        return found

    def header_values(self, names: tuple[str, ...]) -> tuple[str | None, ...]:
        """:meth:`header` of each of ``names`` (lower-case), in one call."""
        joined = self._joined
        if joined is None:
            joined = self._join()
        found = tuple(map(joined.get, names))
        for value in found:
            if value is not None and len(value) > MAX_HEADER_VALUE:  # rare: no generator
                return tuple(
                    None if other is None or len(other) > MAX_HEADER_VALUE else other
                    for other in found
                )
        return found

    def _join(self) -> dict[str, str]:
        # Built once per request: the pass path asks for several headers.
        joined: dict[str, str] = {}
        for key, value in self.headers:
            joined[key] = f"{joined[key]}, {value}" if key in joined else value
        object.__setattr__(self, "_joined", joined)
        return joined

    def header_list(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k == name]

    @property
    def user_agent(self) -> str:
        return self.header("user-agent", "") or ""

    @property
    def host(self) -> str:
        return self.header("host", "") or ""

    @property
    def cookies(self) -> dict[str, str]:
        """Cookies sent with the request; a malformed Cookie header yields what parses."""
        if self._cookies is None:
            jar: dict[str, str] = {}
            for key, line in self.headers:
                if key == "cookie":
                    for name, value in cookie_pairs(line):
                        jar.setdefault(name, value)
            object.__setattr__(self, "_cookies", jar)
        assert self._cookies is not None  # for the type checker: set just above
        return self._cookies

    @property
    def accepts_html(self) -> bool:
        accept = self.header("accept", "") or ""
        return "text/html" in accept or "application/xhtml+xml" in accept

    @property
    def is_background_fetch(self) -> bool:
        """XHR/fetch rather than a top-level navigation (gets extra clearance grace)."""
        if (self.header("x-requested-with") or "").lower() == "xmlhttprequest":
            return True
        mode = self.header("sec-fetch-mode")
        return mode is not None and mode not in ("navigate", "nested-navigate")

    @property
    def target(self) -> str:
        """Path plus query, as the app would see it (for redirects back after a solve)."""
        path = self.raw_path or self.path
        return f"{path}?{self.query}" if self.query else path


def cookie_pairs(line: str) -> Iterator[tuple[str, str]]:
    """The (name, value) pairs of one Cookie header line, in order; an over-long line
    has none. Request.cookies and Engine.settle both read cookies through this, so the
    two can never disagree about which value a name has (the first one wins)."""
    if len(line) <= MAX_HEADER_VALUE:
        for part in line.split(";"):
            name, sep, value = part.strip().partition("=")
            if sep and name:
                yield name, _unquote_cookie(value.strip())


def cookie_value(line: str, name: str) -> str | None:
    """The first cookie called ``name`` in a Cookie header line."""
    return next((value for key, value in cookie_pairs(line) if key == name), None)


def _unquote_cookie(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            parsed = SimpleCookie(f"x={value}")
        except CookieError:
            return value[1:-1]
        morsel = parsed.get("x")
        return morsel.value if morsel is not None else value[1:-1]
    return value


def json_object(body: bytes) -> dict[str, object] | None:
    """A request body that is one JSON object, or None for anything else (malformed,
    another JSON type, or nested too deep to parse)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
