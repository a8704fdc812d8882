"""Django middleware: the gate in front of the view, under WSGI and ASGI alike.

Like the WSGI/ASGI adapters it first offers the request to ``Engine.settle`` (a visitor
whose clearance suffices is let through from request.META alone); otherwise it
translates the Django request into :class:`humangate.request.Request`, lets the engine
decide (through :class:`humangate.gate.GateCore`) and writes the outcome back. It is
sync and async capable: Django picks the variant that matches the rest of the stack, so
no thread hop is added under ASGI.

In a view, ``request.humangate_clearance`` (also ``request.META["humangate.clearance"]``)
is the visitor's :class:`~humangate.clearance.Clearance` or ``None``.
"""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable, Iterable
from http.cookies import CookieError, SimpleCookie
from typing import Any, TypeVar
from urllib.parse import quote, unquote

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase

from humangate.clearance import Clearance
from humangate.contrib.django.conf import get_config
from humangate.effects import run_async, run_sync
from humangate.engine import Answer, Forward, Outcome
from humangate.gate import GateCore
from humangate.replay import Replay
from humangate.request import Request, Response
from humangate.wsgi import REPLACED_KEYS, environ_header

CLEARANCE_KEY = "humangate.clearance"
ATTRIBUTE = "humangate_clearance"
_PATH_SAFE = "/!$&'()*+,;=:@-._~"

GetResponse = Callable[[HttpRequest], HttpResponseBase]
AGetResponse = Callable[[HttpRequest], Awaitable[HttpResponseBase]]

R = TypeVar("R", bound=HttpResponseBase)


def clearance_of(request: HttpRequest) -> Clearance | None:
    """The visitor's clearance as the middleware recorded it (None if not cleared)."""
    value = getattr(request, ATTRIBUTE, None)
    return value if isinstance(value, Clearance) else None


class HumanGateMiddleware:
    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response
        self.gate = GateCore(get_config())
        self._is_async = iscoroutinefunction(get_response)
        if self._is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self._is_async:
            return self.__acall__(request)
        # Most requests carry a clearance that settles them; only the rest need a Request.
        forward = self._settled(request)
        if forward is None:
            neutral = self._request(request)
            outcome = run_sync(self.gate.engine.process(neutral), self.gate.store)
            answer = self._answer(request, neutral, outcome)
            if answer is not None:
                return answer
            assert isinstance(outcome, Forward)  # _answer handled every Answer
            forward = outcome
        get_response: GetResponse = self.get_response
        response = get_response(self._forwarded(request, forward))
        if forward.count_response is not None:  # rate limits counting by http.response.code
            run_sync(forward.count_response(response.status_code), self.gate.store)
        return _with_headers(response, forward.headers)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        forward = self._settled(request)
        if forward is None:
            neutral = self._request(request)
            outcome = await run_async(self.gate.engine.process(neutral), self.gate.store)
            answer = self._answer(request, neutral, outcome)
            if answer is not None:
                return answer
            assert isinstance(outcome, Forward)
            forward = outcome
        get_response: AGetResponse = self.get_response
        response = await get_response(self._forwarded(request, forward))
        if forward.count_response is not None:
            await run_async(forward.count_response(response.status_code), self.gate.store)
        return _with_headers(response, forward.headers)

    # -- translation ---------------------------------------------------------------------

    def _settled(self, request: HttpRequest) -> Forward | None:
        # request.META holds the headers WSGI-style under both WSGI and ASGI Django.
        meta = request.META
        return self.gate.engine.settle(
            request.scheme or "http",
            request.path or "/",
            meta.get("REMOTE_ADDR") or None,
            cookies=meta.get("HTTP_COOKIE"),
            user_agent=str(meta.get("HTTP_USER_AGENT", "")),
            headers=meta,
            header=environ_header,
        )

    def _request(self, request: HttpRequest) -> Request:
        method = (request.method or "GET").upper()
        path = request.path or "/"
        body = b""
        limit = self.gate.engine.body_limit(method, path)
        if limit is not None:
            body = request.read(limit + 1)  # one more than allowed: "too large" shows
        return Request(
            method=method,
            path=path,
            query=str(request.META.get("QUERY_STRING", "")),
            headers=tuple((name.lower(), str(value)) for name, value in request.headers.items()),
            peer=request.META.get("REMOTE_ADDR") or None,
            scheme=request.scheme or "http",
            raw_path=quote(path.encode("utf-8"), safe=_PATH_SAFE),
            body=body,
        )

    def _answer(
        self, request: HttpRequest, neutral: Request, outcome: Outcome
    ) -> HttpResponse | None:
        if not isinstance(outcome, Answer):
            return None
        response = outcome.response
        if outcome.replay_level is not None:
            # A challenged form POST: hold its body (bounded) instead of losing it.
            body = request.read(self.gate.config.replay_max_body + 1)
            response = self.gate.engine.hold(neutral, body, outcome.replay_level)
        return to_django(response)

    def _forwarded(self, request: HttpRequest, outcome: Forward) -> HttpRequest:
        if outcome.replay is not None:
            request = _replayed(request, outcome.replay)
        setattr(request, ATTRIBUTE, outcome.clearance)
        request.META[CLEARANCE_KEY] = outcome.clearance
        return request


def to_django(response: Response) -> HttpResponse:
    """An engine Response as a Django HttpResponse (cookies through response.cookies)."""
    return _with_headers(HttpResponse(response.body, status=response.status), response.headers)


def _with_headers(response: R, headers: Iterable[tuple[str, str]]) -> R:
    for name, value in headers:
        if name.lower() == "set-cookie":
            _add_cookie(response, value)
        else:
            response.headers[name] = value
    return response


def _add_cookie(response: HttpResponseBase, line: str) -> None:
    # Django keeps cookies apart from headers (one Set-Cookie line each on output).
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(line)
    except CookieError:
        return
    response.cookies.update(jar)


def _replayed(request: HttpRequest, replay: Replay) -> HttpRequest:
    """The held form POST as a fresh Django request (the rest of the stack sees it)."""
    environ = {k: v for k, v in request.META.items() if k not in REPLACED_KEYS}
    environ.update((f"HTTP_{n.upper().replace('-', '_')}", v) for n, v in replay.headers)
    path = unquote(replay.path, encoding="latin-1")  # WSGI-style: bytes as latin-1
    script = str(environ.get("SCRIPT_NAME", ""))
    environ.update(
        REQUEST_METHOD=replay.method,
        PATH_INFO=path[len(script) :] if script and path.startswith(script) else path,
        QUERY_STRING=replay.query,
        CONTENT_TYPE=replay.content_type,
        CONTENT_LENGTH=str(len(replay.body)),
    )
    environ["wsgi.input"] = io.BytesIO(replay.body)
    return WSGIRequest(environ)
