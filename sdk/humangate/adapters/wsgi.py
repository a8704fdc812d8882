"""WSGI adapter: translate environ to a neutral Request and the outcome back.

from humangate import Config
from humangate.wsgi import HumanGate
app = HumanGate(app, Config(secret_keys=["..."]))
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable, Iterable, Iterator, Mapping
from http import HTTPStatus
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from humangate.adapters.driver import CLEARANCE_KEY, Count, Driver, raw_path
from humangate.adapters.gate import GateCore
from humangate.config import Config
from humangate.engine import Forward
from humangate.engine.replay import REPLACED_HEADERS, Replay
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.jsd.response import Emit, InjectorFor, ResponseInjection

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["CLEARANCE_KEY", "HumanGate", "environ_header", "replayed_environ"]

# What the driver gets per request: the environ and start_response.
_Native = tuple["WSGIEnvironment", "StartResponse"]


class HumanGate:
    """Wraps a WSGI app; answers challenges itself and calls the app otherwise."""

    def __init__(self, app: WSGIApplication, config: Config | None = None) -> None:
        self.app = app
        self.gate = GateCore(config)
        self._drive: Driver[_Native, Iterable[bytes]] = Driver(self.gate, self)
        # Decided once: the pass path then calls the app itself, with no extra frame.
        self._call_app: WSGIApplication = (
            self._call_app_injecting if self.gate.engine.detections.enabled else app
        )

    @property
    def config(self) -> Config:
        return self.gate.config

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Most requests carry a clearance that settles them: straight to the app.
        settled = self.gate.engine.settle(
            environ.get("wsgi.url_scheme", "http"),
            _path(environ),
            environ.get("REMOTE_ADDR") or None,
            cookies=environ.get("HTTP_COOKIE"),
            user_agent=environ.get("HTTP_USER_AGENT", ""),
            headers=environ,
            header=environ_header,
        )
        if settled is not None:
            # The app can read what the gate knows about this visitor (level, bot score).
            environ[CLEARANCE_KEY] = settled.clearance
            return self._call_app(environ, start_response)
        return self._drive((environ, start_response))

    def _call_app_injecting(
        self, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterable[bytes]:
        """The app, its HTML pages getting the detection script."""
        request = functools.partial(self.request, (environ, start_response))
        injector_for = functools.partial(self.gate.engine.detections.injector, request)
        return _Injecting(self.app, environ, start_response, injector_for)

    # -- the host's side of the driver (see humangate.adapters.driver) -----------------

    def request(self, native: _Native) -> Request:
        environ = native[0]
        path = _path(environ)
        return Request(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=path,
            query=environ.get("QUERY_STRING", ""),
            headers=_headers(environ),
            peer=environ.get("REMOTE_ADDR") or None,
            scheme=environ.get("wsgi.url_scheme", "http"),
            raw_path=raw_path(path, functools.partial(_raw_bytes, environ)),
        )

    def read_body(self, native: _Native, limit: int) -> bytes:
        return _read_body(native[0], limit)

    def respond(self, native: _Native, response: Response) -> Iterable[bytes]:
        return _respond(response, native[1])

    def forward(self, native: _Native, forward: Forward, count: Count | None) -> Iterable[bytes]:
        environ, start_response = native
        # The app can read what the gate knows about this visitor (level, bot score).
        environ[CLEARANCE_KEY] = forward.clearance
        if forward.replay is not None:
            environ = replayed_environ(environ, forward.replay)
        if not forward.headers and count is None:
            return self._call_app(environ, start_response)
        extra = list(forward.headers)

        def start_with_extra(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Callable[[bytes], object]:
            write = start_response(status, [*headers, *extra], exc_info)
            if count is not None:  # rate limits counting by http.response.code
                count(_status_code(status))
            return write

        return self._call_app(environ, start_with_extra)


class _Injecting:
    """The app's response with the detection script injected: each call the app makes,
    translated into an event of :class:`humangate.jsd.response.ResponseInjection`."""

    __slots__ = ("_body", "_injection", "_start", "_status", "_write")

    def __init__(
        self,
        app: WSGIApplication,
        environ: WSGIEnvironment,
        start_response: StartResponse,
        injector_for: InjectorFor,
    ) -> None:
        self._start = start_response
        self._injection = ResponseInjection(injector_for)
        self._status = ""  # the held start's status line
        self._write: Callable[[bytes], object] | None = None
        self._body = app(environ, self._start_response)

    def _start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], object]:
        if exc_info is None and self._injection.start(_status_code(status), headers):
            self._status = status
            return self._legacy_write
        self._injection.drop()  # an error page replacing it, or nothing to inject
        self._write = self._start(status, headers, exc_info)
        return self._write

    def _legacy_write(self, data: bytes) -> object:
        # The app writes instead of returning its body: nothing can be held back.
        if self._injection.holding:
            data = self._send(self._injection.interrupt("write")) + data
        assert self._write is not None
        return self._write(data)

    def _send(self, emit: Emit) -> bytes:
        """Start the response if ``emit`` releases it; the body bytes to send."""
        if emit.start is not None:
            self._write = self._start(self._status, emit.start)
        return emit.body

    def __iter__(self) -> Iterator[bytes]:
        injection = self._injection
        for chunk in self._body:
            if not injection.holding:
                yield chunk
                continue
            emit = injection.body(chunk, more=True)
            if emit is not None:
                yield self._send(emit)
        if injection.holding:
            out = self._send(injection.end())
            if out:
                yield out

    def close(self) -> None:
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


def _status_code(status: str) -> int:
    """The number of a WSGI status line ("404 Not Found"); 0 if it has none."""
    code = status.partition(" ")[0]
    return int(code) if code.isdigit() else 0


def environ_path(environ: WSGIEnvironment) -> str:
    """The request path as text (SCRIPT_NAME and PATH_INFO, UTF-8 recovered)."""
    return _path(environ)


def _path(environ: WSGIEnvironment) -> str:
    """The request path as text."""
    raw: str = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    if raw.isascii():  # the common case: latin-1 and UTF-8 agree, nothing to recode
        return raw or "/"
    # PEP 3333 strings carry bytes as latin-1: recover them, then decode as UTF-8.
    return raw.encode("latin-1").decode("utf-8", "replace")


def _raw_bytes(environ: WSGIEnvironment) -> bytes:
    """The path's bytes as the client sent them (PEP 3333 strings carry them as latin-1)."""
    raw: str = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    return raw.encode("latin-1")


def environ_header(environ: Mapping[str, object], name: str) -> str | None:
    """A header by lower-case name from a WSGI environ (or Django's request.META):
    user-agent -> environ["HTTP_USER_AGENT"]."""
    value = environ.get(_environ_key(name))
    return value if isinstance(value, str) else None


@functools.lru_cache(maxsize=64)
def _environ_key(name: str) -> str:
    """Where a header is in the environ: user-agent -> HTTP_USER_AGENT."""
    key = name.upper().replace("-", "_")
    return key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"


def _headers(environ: WSGIEnvironment) -> tuple[tuple[str, str], ...]:
    # One pass over the environ, a dict lookup per header name: this runs per request.
    names = _HEADER_NAMES
    headers = [
        (names.get(key) or _header_name(key), value)
        for key, value in environ.items()
        if key.startswith("HTTP_") and isinstance(value, str)
    ]
    for key, name in (("CONTENT_TYPE", "content-type"), ("CONTENT_LENGTH", "content-length")):
        value = environ.get(key)
        if value:
            headers.append((name, value))
    return tuple(headers)


_HEADER_NAMES: dict[str, str] = {}  # HTTP_USER_AGENT -> user-agent


def _header_name(key: str) -> str:
    name = key[5:].replace("_", "-").lower()
    if len(_HEADER_NAMES) < 512:  # names are the client's choice: bound the cache
        _HEADER_NAMES[key] = name
    return name


def _read_body(environ: WSGIEnvironment, limit: int) -> bytes:
    """At most ``limit + 1`` bytes (one more than allowed, so 'too large' is detectable)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b""
    if length <= 0:
        return b""
    return bytes(environ["wsgi.input"].read(min(length, limit + 1)))


REPLACED_KEYS = frozenset(_environ_key(name) for name in REPLACED_HEADERS)
"""The environ keys of :data:`humangate.engine.replay.REPLACED_HEADERS` (Django's META too)."""


def replayed_environ(environ: Mapping[str, Any], replay: Replay) -> dict[str, Any]:
    """This request (the holding page's submission) turned back into the held form POST,
    or the request itself with a body the gate read first (also what the
    Django middleware builds its replayed request from)."""
    path = unquote(replay.path, encoding="latin-1")  # PEP 3333: bytes as latin-1
    script = str(environ.get("SCRIPT_NAME", ""))
    kept = {k: v for k, v in environ.items() if k not in REPLACED_KEYS}
    return {
        **kept,
        **{_environ_key(name): value for name, value in replay.headers},
        "REQUEST_METHOD": replay.method,
        "PATH_INFO": path[len(script) :] if script and path.startswith(script) else path,
        "QUERY_STRING": replay.query,
        "CONTENT_TYPE": replay.content_type,
        "CONTENT_LENGTH": str(len(replay.body)),
        "wsgi.input": io.BytesIO(replay.body),
    }


# "403 Forbidden" for 403: looked up, not built through the enum on every answer.
_STATUS_LINES = {status.value: f"{status.value} {status.phrase}" for status in HTTPStatus}


def _respond(response: Response, start_response: StartResponse) -> list[bytes]:
    status = _STATUS_LINES.get(response.status) or f"{response.status} Unknown"
    headers = [*response.headers, ("content-length", str(len(response.body)))]
    start_response(status, headers)
    return [response.body]
