"""URL normalisation before rules, as Cloudflare's "Normalize incoming URLs" does.

Rules must see the path the app routes on, or ``//admin``, ``/./admin`` and
``/%61dmin`` fall to the default action while the app serves ``/admin``. Three modes
(``Config.uri_normalization``):

``"cloudflare"`` (default)
    RFC 3986 normalisation — percent-decode unreserved characters (``A-Z a-z 0-9 - . _
    ~``), upper-case the hex of the other escapes, remove ``.`` and ``..`` segments —
    plus ``\\`` to ``/`` and runs of ``/`` merged into one.
``"rfc3986"``
    The RFC 3986 steps only.
``"off"``
    Rules see the path as it came.

Letter case is kept, as Cloudflare keeps it: ``/Admin`` is another path to most routers
(Werkzeug, Starlette, Django). Write ``lower(http.request.uri.path)`` in a rule when your
app routes without regard to case.

Cloudflare evaluates rules on the normalised URL and, by default, sends the original
to the origin. In process that would let an app route a path the rules never saw
(``/admin/x/../../public`` is ``/public`` to rules but ``/admin/{rest:path}`` to a
catch-all route). So a request whose path is not already in normal form is redirected
(308, method and body kept) to its normal form: the rules and the app then see one and
the same path. Browsers never send such paths themselves.
"""

from __future__ import annotations

import re
import string
from typing import Final, Literal
from urllib.parse import quote

Mode = Literal["cloudflare", "rfc3986", "off"]
MODES: Final = ("cloudflare", "rfc3986", "off")

_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
_SLASHES = re.compile(r"/{2,}")
# What a Location path may carry unescaped (RFC 3986 pchar and "/").
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?%"


def decode_unreserved(raw: str) -> str:
    """Percent-decode unreserved characters; upper-case the hex of the rest."""

    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else f"%{match.group(1).upper()}"

    return _ESCAPE.sub(one, raw) if "%" in raw else raw


def remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4 for an absolute path: ``/a/./b/../c`` -> ``/a/c``."""
    output: list[str] = []
    segments = path.split("/")[1:]
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == ".":
            if last:
                output.append("")
        elif segment == "..":
            if output:
                output.pop()
            if last:
                output.append("")
        else:
            output.append(segment)
    return "/" + "/".join(output)


def normalise_path(path: str, mode: Mode) -> str:
    """``path`` in normal form for ``mode`` (only absolute paths; others as they are)."""
    if mode == "off" or not path.startswith(("/", "\\")):
        return path
    if mode == "cloudflare":
        path = _SLASHES.sub("/", path.replace("\\", "/"))
    return remove_dot_segments(path) if path.startswith("/") else path


def needs_normalising(path: str, mode: Mode) -> bool:
    """Whether :func:`normalise_path` would change ``path`` (a cheap test first)."""
    if mode == "off":
        return False
    if "/." not in path and (mode == "rfc3986" or ("//" not in path and "\\" not in path)):
        return False
    return normalise_path(path, mode) != path


def redirect_location(path: str, query: str, mode: Mode) -> str:
    """Where a request for the percent-decoded ``path`` is sent: its normal form,
    re-encoded. Never ``//host``: slashes are merged first (or ``/`` stays alone)."""
    target = quote(normalise_path(path, mode), safe=_PATH_SAFE)
    if target.startswith("//"):  # "rfc3986" keeps merged slashes; not a host here
        target = "/" + target.lstrip("/")
    return f"{target}?{quote(query, safe=_QUERY_SAFE)}" if query else target
