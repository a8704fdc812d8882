"""One app response on its way out while the script may go in: a sans-IO state machine.

Every host (WSGI, ASGI, Django's plain and streaming responses) feeds it the same
events and sends what it answers; it does no I/O and knows no framework.

    start(status, headers)  the app starts its response: hold it back, or send it as is
    body(chunk, more=...)   a body chunk: None while held, else an :class:`Emit`
    end()                   the body ended without a last chunk (or the app returned)
    interrupt(reason)       the app did what the host cannot hold back (WSGI write())
    drop()                  the held start will never go (a WSGI error page replaces it)

While it holds, the injector looks for the place in the first chunks (never more than
its limit of body bytes); then the start is released once, its headers fixed for the
body (:func:`injected_headers`), and from then on every chunk passes as it comes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from humangate.jsd.decide import Header
from humangate.jsd.inject import Injector

InjectorFor = Callable[[int, Header], Injector | None]
"""The injector for a response with this status and these headers, or None: leave it
alone (``Detections.injector`` with the request bound)."""


class Emit(NamedTuple):
    """What the host sends now."""

    start: list[tuple[str, str]] | None
    """The held start's headers, exactly once, when it is released (before ``body``);
    None when the start was already sent (or never held)."""
    body: bytes


_NOTHING = Emit(None, b"")


class ResponseInjection:
    """One response's injection: fed the app's start and body, it answers what to send."""

    __slots__ = ("_held", "_injector", "_injector_for")

    def __init__(self, injector_for: InjectorFor) -> None:
        self._injector_for = injector_for
        self._injector: Injector | None = None  # given once, by the first start that fits
        self._held: Sequence[tuple[str, str]] | None = None  # the start's headers, until sent

    @property
    def holding(self) -> bool:
        """The start is held back: the host has sent nothing of this response yet."""
        return self._held is not None

    @property
    def injected(self) -> bool:
        """The script went in (the body differs from the app's)."""
        return self._injector is not None and self._injector.injected

    def start(self, status: int, headers: Sequence[tuple[str, str]]) -> bool:
        """The app starts its response. True: hold it, send nothing yet; False: send it
        as it is. Only a first start is considered: a later one is the host's to handle
        (``drop`` or ``interrupt``), and ``headers`` are kept as given, not copied."""
        if self._injector is not None:
            return False
        injector = self._injector_for(status, response_header(headers))
        if injector is None:
            return False
        self._injector, self._held = injector, headers
        return True

    def body(self, chunk: bytes, *, more: bool) -> Emit | None:
        """A body chunk (``more``: others follow). None: held, send nothing yet."""
        injector = self._injector
        if self._held is None or injector is None:
            return Emit(None, chunk)
        out = injector.feed(chunk)
        if out is None:
            if more:
                return None
            out = injector.end()
        return self._release(self._held, injector, out)

    def end(self) -> Emit:
        """The body ended with no chunk to carry it: what is still held, if anything."""
        injector = self._injector
        if self._held is None or injector is None:
            return _NOTHING
        return self._release(self._held, injector, injector.end())

    def interrupt(self, reason: str) -> Emit:
        """Stop holding (``reason`` is counted): the start and the bytes held, unchanged."""
        injector = self._injector
        if self._held is None or injector is None:
            return _NOTHING
        return self._release(self._held, injector, injector.abandon(reason))

    def drop(self) -> None:
        """The held start will not be sent (an error page replaces it): nor will what
        was held of its body."""
        self._held = None

    def _release(self, held: Sequence[tuple[str, str]], injector: Injector, body: bytes) -> Emit:
        self._held = None
        return Emit(injected_headers(held, injector), body)


def response_header(pairs: Iterable[tuple[str, str]]) -> Header:
    """A response header by lower-case name, repeated lines joined with ", " (so several
    Content-Security-Policy lines read as one comma-separated list of policies)."""
    index: dict[str, str] = {}
    for name, value in pairs:
        key = name.lower()
        index[key] = f"{index[key]}, {value}" if key in index else value
    return index.get


def injected_headers(pairs: Iterable[tuple[str, str]], injector: Injector) -> list[tuple[str, str]]:
    """The app's headers for the body the injector gave: as they were when it gave up;
    when the script went in, without ``ETag`` (it no longer names this body) and with
    ``Content-Length`` grown by the tag (dropped if it was not a number)."""
    if not injector.injected:
        return list(pairs)
    out: list[tuple[str, str]] = []
    for name, value in pairs:
        key = name.lower()
        if key == "etag":
            continue
        if key == "content-length":
            if value.strip().isdigit():
                out.append((name, str(int(value) + injector.added)))
            continue
        out.append((name, value))
    return out
