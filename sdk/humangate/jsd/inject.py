"""The streaming injector: the script tag goes in before ``</head>`` (or ``</body>``).

It reads the body as the app sends it, chunk by chunk, with a small HTML tokenizer that
knows where a tag, a comment or a raw-text element (``<script>``, ``<style>``,
``<textarea>``, ``<title>``...) begins and ends, so a ``</head>`` written inside a
script string or a comment is never taken for the real one. It holds the body back
only until it has found the place (or given up), and never more than ``limit`` bytes:
the response's headers wait that long, then everything after streams through untouched.

It gives up, leaving the page byte for byte as it was, when the body is larger than
``limit`` before the place shows, has a UTF-16/32 byte-order mark, carries a
``<meta http-equiv="Content-Security-Policy">`` (whose nonce we cannot know for sure),
or already loads the detection API script (``{prefix}jsd/api.js``: the owner placed it).
A complete document (``<!DOCTYPE``/``<html``) that ends with neither closing tag gets
the script at its end, where the parser puts it into the body.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from html import escape

DEFAULT_LIMIT = 64 * 1024
"""Bytes held back at most while looking for the place (the head of almost any page)."""

_RAW_TEXT = frozenset(
    {b"script", b"style", b"textarea", b"title", b"xmp", b"iframe", b"noembed", b"noframes"}
)
_NAME = re.compile(rb"[A-Za-z][^\s/>]*+")
# The rest of a tag after its name, as the HTML tokenizer reads it: attributes with
# quoted or unquoted values, up to the '>'. Possessive throughout: linear, no backtracking;
# no match means the tag is not complete yet (or never closes).
_TAG_REST = re.compile(
    rb"""(?>[\s/]*+[^\s/>][^\s/>=]*+"""  # an attribute name, then either
    rb"""(?>\s*+=\s*+(?>"[^"]*+"|'[^']*+'|(?!["'])[^\s>]*+)|(?!\s*+=)))*+"""  # a value or none
    rb"""[\s/]*+>"""
)
_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")


class _Mode(enum.Enum):
    DATA = 0
    COMMENT = 1
    RAW = 2


class Injector:
    """Feed it the body's chunks; it answers what to send (see :meth:`feed`)."""

    __slots__ = (
        "_buffer",
        "_document",
        "_limit",
        "_mode",
        "_on_decided",
        "_pos",
        "_raw_end",
        "_tag",
        "injected",
        "reason",
    )

    def __init__(
        self,
        tag: bytes,
        limit: int = DEFAULT_LIMIT,
        on_decided: Callable[[bool, str | None], None] | None = None,
    ) -> None:
        self._tag = tag
        # Told once, when the place is found (True, None) or given up on (False, why).
        self._on_decided = on_decided
        self._limit = limit
        self._buffer = bytearray()
        self._mode = _Mode.DATA
        self._pos = 0  # where scanning resumes in the buffer
        self._raw_end: re.Pattern[bytes] | None = None
        self._document = False  # seen <!DOCTYPE or <html: a whole page, not a fragment
        self.injected = False
        self.reason: str | None = None  # why it gave up; None while looking or once injected

    @property
    def decided(self) -> bool:
        return self.injected or self.reason is not None

    @property
    def added(self) -> int:
        """Bytes the body grew by (the tag's length once injected, else 0)."""
        return len(self._tag) if self.injected else 0

    def abandon(self, reason: str) -> bytes:
        """Stop looking (the app wrote in a way the host cannot hold back): the bytes
        held so far, unchanged. Nothing is injected."""
        if self.decided:
            return b""
        return self._give_up(reason)

    def feed(self, chunk: bytes) -> bytes | None:
        """None while still looking (the chunk is held), then the bytes to send now: the
        held ones with the tag in place (or as they were, on giving up), and from then
        on each chunk as it comes."""
        if self.decided:
            return chunk
        self._buffer += chunk
        if len(self._buffer) >= 4 and self._buffer.startswith(_BOMS) and self._pos == 0:
            return self._give_up("charset")
        found = self._scan()
        if found is not None:
            return self._insert(found)
        if self.reason is not None:  # the tokenizer gave up (meta CSP, the API script)
            return self._give_up(self.reason)
        if len(self._buffer) > self._limit:
            return self._give_up("no-marker")
        return None

    def end(self) -> bytes:
        """The body ended: the bytes still held (the tag at the end of a complete
        document that never showed the place and is not inside a tag or element)."""
        if self.decided:
            return b""
        if self._document and self._mode is _Mode.DATA and self._pos >= len(self._buffer):
            return self._insert(len(self._buffer))
        return self._give_up("no-marker")

    # -- internals ---------------------------------------------------------------------

    def _insert(self, index: int) -> bytes:
        self.injected = True
        if self._on_decided is not None:
            self._on_decided(True, None)
        data = bytes(self._buffer[:index]) + self._tag + bytes(self._buffer[index:])
        self._buffer = bytearray()
        return data

    def _give_up(self, reason: str) -> bytes:
        self.reason = reason
        if self._on_decided is not None:
            self._on_decided(False, reason)
        return self._release()

    def _release(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer = bytearray()
        return data

    def _scan(self) -> int | None:
        """Advance over the buffer; the index to insert at, or None (need more, or gave up)."""
        buf = self._buffer
        size = len(buf)
        while self._pos < size:
            if self._mode is _Mode.COMMENT:
                end = buf.find(b"-->", self._pos)
                if end < 0:
                    self._pos = max(self._pos, size - 2)
                    return None
                self._mode, self._pos = _Mode.DATA, end + 3
                continue
            if self._mode is _Mode.RAW:
                assert self._raw_end is not None
                match = self._raw_end.search(buf, self._pos)
                if match is None or match.end() >= size:
                    # Keep the last few bytes: the end tag may be split across chunks.
                    self._pos = max(self._pos, size - 12) if match is None else match.start()
                    return None
                self._mode, self._pos = _Mode.DATA, match.start()
                continue
            start = buf.find(b"<", self._pos)
            if start < 0:
                self._pos = size
                return None
            step = self._token(buf, start)
            if step is None:  # incomplete: wait for more at this '<'
                self._pos = start
                return None
            if step < 0:  # the place: before this end tag
                self._pos = start
                return start
            self._pos = step
            if self.reason is not None:
                return None
        return None

    def _token(self, buf: bytearray, start: int) -> int | None:
        """After the markup at ``start``: the next index; -1 for the place (``</head>``
        or ``</body>``); None when it is not complete in the buffer yet."""
        size = len(buf)
        if start + 1 >= size:
            return None
        second = buf[start + 1]
        if second == 0x21:  # "<!"
            if size < start + 4:
                return None
            if buf[start + 2 : start + 4] == b"--":
                self._mode = _Mode.COMMENT
                return start + 4
            end = buf.find(b">", start)
            if end < 0:
                return None
            if buf[start + 2 : start + 9].lower() == b"doctype":
                self._document = True
            return end + 1
        if second == 0x3F:  # "<?": a bogus comment up to '>'
            end = buf.find(b">", start)
            return None if end < 0 else end + 1
        closing = second == 0x2F  # "</"
        name_at = start + 2 if closing else start + 1
        if name_at >= size:
            return None  # "</" at the end: the name comes in the next chunk
        name = _NAME.match(buf, name_at)
        if name is None:
            return start + 1  # "<" as text ("a < b", "</ ")
        if name.end() >= size:
            return None  # the name may go on in the next chunk
        rest = _TAG_REST.match(buf, name.end())
        if rest is None:
            return None  # attributes or '>' still to come
        tag_name = name.group().lower()
        if closing:
            return -1 if tag_name in (b"head", b"body") else rest.end()
        if tag_name == b"html":
            self._document = True
        tag = bytes(buf[start : rest.end()]).lower()
        if tag_name == b"meta" and b"content-security-policy" in tag:
            self.reason = "csp-meta"
        elif tag_name == b"script" and b"jsd/api.js" in tag:
            self.reason = "api"
        elif tag_name == b"plaintext":
            self.reason = "no-marker"
        elif tag_name in _RAW_TEXT:
            self._mode = _Mode.RAW
            self._raw_end = _raw_end(tag_name)
        return rest.end()


_RAW_ENDS: dict[bytes, re.Pattern[bytes]] = {}


def _raw_end(name: bytes) -> re.Pattern[bytes]:
    pattern = _RAW_ENDS.get(name)
    if pattern is None:
        pattern = _RAW_ENDS[name] = re.compile(rb"</" + name + rb"[\s/>]", re.IGNORECASE)
    return pattern


def script_tag(src: str, nonce: str | None, *, workers: bool) -> bytes:
    """The one tag injected: external, deferred, with the page's nonce when it needs one."""
    attributes = f' nonce="{escape(nonce)}"' if nonce else ""
    flag = "" if workers else ' data-workers="0"'
    return f'<script src="{escape(src)}" defer{attributes}{flag}></script>'.encode("ascii")
