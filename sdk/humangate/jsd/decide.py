"""The injection decision table: which responses get the detection script.

Only page views of HTML get it, as Cloudflare does it: ``GET``/``POST`` navigations
(not ``HEAD``, not XHR/fetch, not subresources), answered ``200`` with a ``text/html``
body in an ASCII-compatible charset, uncompressed, unranged, and without
``Cache-Control: no-transform``. Each function answers ``None`` (inject) or the reason
it skips, a short fixed label that metrics count.
"""

from __future__ import annotations

from collections.abc import Callable

Header = Callable[[str], str | None]  # a header by lower-case name, or None

INJECTED_STATUSES = frozenset({200})
"""Only a plain 200 page: redirects, errors, 204/304 and 206 partial content are left alone."""

INJECTED_METHODS = frozenset({"GET", "POST"})
"""A form POST answered with a page is a page view too; HEAD has no body to change."""

# Charsets in which the ASCII bytes of "</head>" and of the tag mean the same characters:
# every byte < 0x80 is that ASCII character. UTF-16/32, UTF-7 and the ISO-2022 family
# (whose escape states reuse ASCII bytes) are left alone, as is any charset not listed.
_ASCII_COMPATIBLE = frozenset(
    {
        "utf-8",
        "utf8",
        "us-ascii",
        "ascii",
        "latin1",
        "l1",
        "shift_jis",
        "shift-jis",
        "sjis",
        "windows-31j",
        "cp932",
        "euc-jp",
        "euc-kr",
        "gbk",
        "gb2312",
        "gb18030",
        "big5",
        "big5-hkscs",
        "tis-620",
    }
)
_ASCII_FAMILIES = ("iso-8859-", "windows-125", "cp125", "koi8-", "x-mac-", "macintosh")


def request_skip(method: str, header: Header) -> str | None:
    """Why this request's response gets no script (None: it may, if the response fits).

    ``Sec-Fetch-Dest``/``Sec-Fetch-Mode`` (every current browser sends them) tell a
    top-level page view from fetch/XHR, frames and subresources; ``X-Requested-With``
    is what XHR libraries add for browsers that do not.
    """
    if method not in INJECTED_METHODS:
        return "method"
    dest = header("sec-fetch-dest")
    if dest is not None and dest.strip().lower() != "document":
        return "not-a-page"
    mode = header("sec-fetch-mode")
    if mode is not None and mode.strip().lower() != "navigate":
        return "not-a-page"
    if header("x-requested-with") is not None:
        return "xhr"
    return None


def response_skip(status: int, header: Header) -> str | None:
    """Why this response gets no script (None: inject, if the CSP and the body allow)."""
    if status not in INJECTED_STATUSES:
        return "status"
    content_type = header("content-type")
    if content_type is None:
        return "not-html"
    media, _, params = content_type.partition(";")
    if media.strip().lower() != "text/html":
        return "not-html"
    charset = _charset(params)
    if charset is not None and not _ascii_compatible(charset):
        return "charset"
    encoding = header("content-encoding")
    if encoding is not None and encoding.strip().lower() not in ("", "identity"):
        return "encoded"  # compressed bytes pass through untouched, never rewritten
    if header("content-range") is not None:
        return "range"
    cache_control = (header("cache-control") or "").lower()
    if "no-transform" in cache_control:
        return "no-transform"
    length = header("content-length")
    if length is not None and length.strip() == "0":
        return "empty"
    disposition = (header("content-disposition") or "").strip().lower()
    if disposition.startswith("attachment"):
        return "download"
    return None


def _charset(params: str) -> str | None:
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset":
            return value.strip().strip('"').strip("'").lower()
    return None


def _ascii_compatible(charset: str) -> bool:
    return charset in _ASCII_COMPATIBLE or charset.startswith(_ASCII_FAMILIES)
