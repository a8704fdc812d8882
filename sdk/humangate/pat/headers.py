"""The HTTP authentication grammar of RFC 9110 §11, as PrivateToken uses it.

``WWW-Authenticate`` carries a comma-separated list of challenges and ``Authorization``
one set of credentials; both are ``auth-scheme [ 1*SP ( token68 / #auth-param ) ]`` with
``auth-param = token BWS "=" BWS ( token / quoted-string )``. Written by hand: the
grammar is small, and the libraries that parse it (werkzeug's WWWAuthenticate) read one
challenge per header, where RFC 9577 puts several in one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

SCHEME = "PrivateToken"
MAX_HEADER = 16 * 1024  # several challenges with 2048-bit keys fit many times over

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
_OWS = " \t"
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # what a quoted-string cannot carry


class HeaderError(ValueError):
    """A header that does not follow the grammar."""


@dataclass(slots=True)
class AuthItem:
    """One challenge (WWW-Authenticate) or set of credentials (Authorization)."""

    scheme: str
    params: dict[str, str] = field(default_factory=dict)  # names lower-cased
    token68: str | None = None

    @property
    def is_private_token(self) -> bool:
        return self.scheme.lower() == SCHEME.lower()


def parse(value: str) -> list[AuthItem]:
    """Every challenge or credentials in ``value``, in order; HeaderError if malformed."""
    if len(value) > MAX_HEADER:
        raise HeaderError("header too long")
    items: list[AuthItem] = []
    current: AuthItem | None = None
    pos, end = 0, len(value)
    while True:
        pos = _skip(value, pos, _OWS + ",")
        if pos >= end:
            return items
        name = _TOKEN.match(value, pos)
        if name is None:
            raise HeaderError(f"expected a token at {pos}")
        after = _skip(value, name.end(), _OWS)
        if current is not None and current.token68 is None and value[after : after + 1] == "=":
            pos, param = _param_value(value, _skip(value, after + 1, _OWS))
            key = name.group().lower()
            # A repeated parameter is ambiguous: refuse rather than guess which one counts.
            if key in current.params:
                raise HeaderError(f"parameter {key!r} given twice")
            current.params[key] = param
        else:
            if name.end() < end and value[name.end()] not in _OWS + ",":
                raise HeaderError(f"unexpected character after the scheme at {name.end()}")
            current = AuthItem(name.group())
            items.append(current)
            pos = after
            if pos < end and value[pos] != "," and not _looks_like_param(value, pos):
                token68 = _TOKEN68.match(value, pos)
                if token68 is None:
                    raise HeaderError(f"expected token68 or parameters at {pos}")
                current.token68 = token68.group()
                pos = token68.end()
            # Otherwise the first auth-param follows the scheme without a comma: the next
            # round reads it.
            if pos < end and value[pos] != "," and current.token68 is None:
                continue
        pos = _skip(value, pos, _OWS)
        if pos < end and value[pos] != ",":
            raise HeaderError(f"expected ',' at {pos}")


def _looks_like_param(value: str, pos: int) -> bool:
    """``name=value`` starts an auth-param; ``abc==`` is a token68 ending in '='."""
    match = _TOKEN.match(value, pos)
    if match is None:
        return False
    after = _skip(value, match.end(), _OWS)
    if value[after : after + 1] != "=":
        return False
    rest = _skip(value, after + 1, _OWS)
    return rest < len(value) and value[rest] not in ",="


def _skip(value: str, pos: int, chars: str) -> int:
    while pos < len(value) and value[pos] in chars:
        pos += 1
    return pos


def _param_value(value: str, pos: int) -> tuple[int, str]:
    if pos < len(value) and value[pos] == '"':
        out: list[str] = []
        pos += 1
        while pos < len(value):
            ch = value[pos]
            if ch == "\\":
                if pos + 1 >= len(value):
                    break
                out.append(value[pos + 1])
                pos += 2
            elif ch == '"':
                return pos + 1, "".join(out)
            elif ch in "\r\n\x00" or (ord(ch) < 0x20 and ch != "\t") or ch == "\x7f":
                raise HeaderError("control character in quoted-string")
            else:
                out.append(ch)
                pos += 1
        raise HeaderError("unterminated quoted-string")
    match = _TOKEN.match(value, pos)
    if match is None:
        raise HeaderError(f"expected a parameter value at {pos}")
    return match.end(), match.group()


def quote(text: str) -> str:
    """``text`` as a quoted-string."""
    if _CONTROL.search(text):
        raise ValueError("control characters cannot be quoted")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_item(scheme: str, params: list[tuple[str, str | int]]) -> str:
    """``scheme name="value", ...``: values quoted unless they are integers."""
    rendered = ", ".join(
        f"{name}={value}" if isinstance(value, int) else f"{name}={quote(value)}"
        for name, value in params
    )
    return f"{scheme} {rendered}" if rendered else scheme


def private_token_param(value: str, name: str) -> str | None:
    """The first ``name`` parameter of a PrivateToken item in ``value``, or None.

    Raises HeaderError for a malformed header."""
    for item in parse(value):
        if item.is_private_token and name in item.params:
            return item.params[name]
    return None
