"""Django middleware: the gate in front of the view, under WSGI and ASGI alike.

Like the WSGI/ASGI adapters it first offers the request to ``Engine.settle`` (a visitor
whose clearance suffices is let through from request.META alone); otherwise it
translates the Django request into :class:`humangate.http.request.Request`, lets the engine
decide (through :class:`humangate.adapters.gate.GateCore`) and writes the outcome back. It is
sync and async capable: Django picks the variant that matches the rest of the stack, so
no thread hop is added under ASGI.

In a view, ``request.humangate_clearance`` (also ``request.META["humangate.clearance"]``)
is the visitor's :class:`~humangate.crypto.clearance.Clearance` or ``None``.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from functools import partial
from http.cookies import CookieError, SimpleCookie
from typing import Any, Generic, TypeVar

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse

from humangate.adapters.driver import CLEARANCE_KEY, ACount, AsyncDriver, Count, Driver, raw_path
from humangate.adapters.gate import GateCore
from humangate.adapters.wsgi import environ_header, replayed_environ
from humangate.contrib.django.conf import get_config
from humangate.contrib.django.decorators import MIDDLEWARE_ATTRIBUTE, exempt_view
from humangate.contrib.django.quiet import quiet_challenge
from humangate.crypto.clearance import Clearance
from humangate.effects import run_sync
from humangate.engine import Answer, Forward
from humangate.engine.replay import Replay
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.jsd.response import ResponseInjection
from humangate.levels import Action

__all__ = ["ATTRIBUTE", "CLEARANCE_KEY", "HumanGateMiddleware", "clearance_of", "to_django"]

ATTRIBUTE = "humangate_clearance"

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
        self._drive = Driver(self.gate, _SyncHost(self, get_response))
        self._adrive = AsyncDriver(self.gate, _AsyncHost(self, get_response))

    def __call__(self, request: HttpRequest) -> Any:
        if self._is_async:
            return self.__acall__(request)
        if exempt_view(request, self.gate.config.path_prefix):  # @exempt: not gated at all
            return self.get_response(request)
        # Most requests carry a clearance that settles them: straight to the view.
        settled = self.settled(request)
        if settled is not None:
            get_response: GetResponse = self.get_response
            return self.detected(request, get_response(self.forwarded(request, settled)))
        return self._drive(request)

    async def __acall__(self, request: HttpRequest) -> HttpResponseBase:
        if exempt_view(request, self.gate.config.path_prefix):  # @exempt: not gated at all
            exempt_response: HttpResponseBase = await self.get_response(request)
            return exempt_response
        settled = self.settled(request)
        if settled is not None:
            aget_response: AGetResponse = self.get_response
            response = await aget_response(self.forwarded(request, settled))
            return await self.adetected(request, response)
        return await self._adrive(request)

    # -- translation, the same under WSGI and ASGI Django --------------------------------

    def settled(self, request: HttpRequest) -> Forward | None:
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

    def request(self, request: HttpRequest) -> Request:
        path = request.path or "/"
        return Request(
            method=(request.method or "GET").upper(),
            path=path,
            query=str(request.META.get("QUERY_STRING", "")),
            headers=tuple((name.lower(), str(value)) for name, value in request.headers.items()),
            peer=request.META.get("REMOTE_ADDR") or None,
            scheme=request.scheme or "http",
            raw_path=raw_path(path),
        )

    def forwarded(self, request: HttpRequest, forward: Forward) -> HttpRequest:
        """The request the view gets: the held one on a replay, with the clearance."""
        if forward.replay is not None:
            request = _replayed(request, forward.replay)
        setattr(request, ATTRIBUTE, forward.clearance)
        request.META[CLEARANCE_KEY] = forward.clearance
        setattr(request, MIDDLEWARE_ATTRIBUTE, self)  # for the route-level decorators
        return request

    # -- JavaScript Detections: the response as events (humangate.jsd.response) ----------

    def _injection(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> ResponseInjection | None:
        """The response's injection, its start held; None: leave the response alone."""
        detections = self.gate.engine.detections
        if not detections.enabled:
            return None
        injector_for = partial(
            detections.injector,
            partial(self.request, request),
            nonce_hint=partial(_csp_nonce, request),
        )
        injection = ResponseInjection(injector_for)
        if not injection.start(response.status_code, list(response.items())):
            return None
        return injection

    def detected(self, request: HttpRequest, response: R) -> R:
        """The view's response, its HTML page with the detection script (under WSGI)."""
        injection = self._injection(request, response)
        if injection is None:
            return response
        if isinstance(response, StreamingHttpResponse):
            if response.is_async:
                injection.interrupt("async-stream")  # no event loop here to read it with
                return response
            chunks: Iterator[bytes] = iter(response.streaming_content)  # type: ignore[arg-type]
            out = None
            for chunk in chunks:
                out = injection.body(bytes(chunk), more=True)
                if out is not None:
                    break
            head = out if out is not None else injection.end()
            response.streaming_content = itertools.chain((head.body,), chunks)
        elif isinstance(response, HttpResponse):
            out = injection.body(response.content, more=True)
            head = out if out is not None else injection.end()
            if injection.injected:
                response.content = head.body
        else:
            injection.interrupt("response-type")
            return response
        return _with_start(response, head.start)

    async def adetected(self, request: HttpRequest, response: R) -> R:
        """The same under ASGI: an async stream is read on the event loop."""
        if not (isinstance(response, StreamingHttpResponse) and response.is_async):
            if isinstance(response, StreamingHttpResponse):
                return await sync_to_async(self.detected)(request, response)
            return self.detected(request, response)
        injection = self._injection(request, response)
        if injection is None:
            return response
        chunks = aiter(response.streaming_content)  # type: ignore[arg-type]
        out = None
        async for chunk in chunks:
            out = injection.body(bytes(chunk), more=True)
            if out is not None:
                break
        head = out if out is not None else injection.end()

        async def rest() -> AsyncIterator[bytes]:
            yield head.body
            async for chunk in chunks:
                yield chunk

        response.streaming_content = rest()
        return _with_start(response, head.start)

    def route_answer(self, request: HttpRequest, action: Action) -> HttpResponse | None:
        """What a ``@challenge(...)`` view answers first (humangate.decorators)."""
        neutral = self.request(request)
        view = getattr(request.resolver_match, "view_name", None) or "route"
        flow = self.gate.engine.require(neutral, action, view)
        outcome = run_sync(flow, self.gate.store, lambda limit: request.read(limit + 1))
        return to_django(outcome.response) if isinstance(outcome, Answer) else None


G = TypeVar("G", GetResponse, AGetResponse)


class _Host(Generic[G]):
    """The middleware's side of the driver: translation is the middleware's own; how
    the body is read, the answer given and the view called is sync or async."""

    __slots__ = ("_get_response", "_middleware", "request")

    def __init__(self, middleware: HumanGateMiddleware, get_response: G) -> None:
        self._middleware = middleware
        self._get_response: G = get_response
        self.request = middleware.request


class _SyncHost(_Host[GetResponse]):
    """Under WSGI Django."""

    __slots__ = ()

    def read_body(self, request: HttpRequest, limit: int) -> bytes:
        return request.read(limit + 1)  # one more than allowed: "too large" shows

    def respond(self, request: HttpRequest, response: Response) -> HttpResponseBase:
        return to_django(response)

    def forward(
        self, request: HttpRequest, forward: Forward, count: Count | None
    ) -> HttpResponseBase:
        response = self._get_response(self._middleware.forwarded(request, forward))
        if count is not None:  # rate limits counting by http.response.code
            count(response.status_code)
        return _with_headers(self._middleware.detected(request, response), forward.headers)


class _AsyncHost(_Host[AGetResponse]):
    """Under ASGI Django (no thread hop added)."""

    __slots__ = ()

    async def read_body(self, request: HttpRequest, limit: int) -> bytes:
        # ASGI Django has spooled the body before the middleware runs: no I/O waits here.
        return request.read(limit + 1)

    async def respond(self, request: HttpRequest, response: Response) -> HttpResponseBase:
        return to_django(response)

    async def forward(
        self, request: HttpRequest, forward: Forward, count: ACount | None
    ) -> HttpResponseBase:
        response = await self._get_response(self._middleware.forwarded(request, forward))
        if count is not None:
            await count(response.status_code)
        response = await self._middleware.adetected(request, response)
        return _with_headers(response, forward.headers)


def to_django(response: Response) -> HttpResponse:
    """An engine Response as a Django HttpResponse (cookies through response.cookies)."""
    answer = _with_headers(HttpResponse(response.body, status=response.status), response.headers)
    quiet_challenge(answer)
    return answer


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


def _with_start(response: R, start: list[tuple[str, str]] | None) -> R:
    """The response's headers made the ones the injection released: the lines it left
    out deleted, the ones it changed set anew (Django keeps one line per name)."""
    if start is None:
        return response
    wanted = {name.lower(): (name, value) for name, value in start}
    for name, value in list(response.items()):
        kept = wanted.get(name.lower())
        if kept is None or kept[1] != value:
            del response.headers[name]
    for key, (name, value) in wanted.items():
        if key not in response.headers:
            response.headers[name] = value
    return response


def _csp_nonce(request: HttpRequest) -> str | None:
    """django-csp's nonce for this request, if it is installed: used when the policy is
    not on the response yet (django-csp's middleware runs outside this one), and then
    django-csp puts the nonce into the policy itself."""
    nonce = getattr(request, "csp_nonce", None)
    if nonce is None:
        return None
    try:
        return str(nonce) or None
    except Exception:  # django-csp refuses a nonce once its header is built
        return None


def _replayed(request: HttpRequest, replay: Replay) -> HttpRequest:
    """The held form POST as a fresh Django request (the rest of the stack sees it)."""
    return WSGIRequest(replayed_environ(request.META, replay))
