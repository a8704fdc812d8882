"""The one sequence every adapter runs, sync or async; adapters only translate.

    build a Request -> engine.process (reading the body when the engine asks) ->
    respond with the Answer, or forward to the app with the Forward's clearance, held
    request and headers, counting the response status when asked.

An adapter is a *host*: it turns its framework's request (``native``: a WSGI environ
and start_response, an ASGI scope/receive/send, a Django HttpRequest) into what the
driver needs, and the driver's results back into its framework's responses.

Before the driver, each adapter offers the request to ``Engine.settle``: the measured
fast path for a returning visitor whose clearance settles the request, which goes
straight to the app with that clearance. It reads the host's own header structures,
so it is the one step written per adapter; everything after it is here.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Generic, Protocol, TypeVar
from urllib.parse import quote

from humangate.adapters.gate import GateCore
from humangate.effects import run_async, run_sync
from humangate.engine import Answer, Forward
from humangate.http.request import Request
from humangate.http.response import Response

CLEARANCE_KEY = "humangate.clearance"  # environ/scope/META key: the Clearance or None
GATE_KEY = "humangate.gate"  # ASGI scope key: the GateCore, for route-level decorators

N = TypeVar("N")  # the host's native request
R = TypeVar("R")  # what the host returns for it
N_contra = TypeVar("N_contra", contravariant=True)
R_co = TypeVar("R_co", covariant=True)

Count = Callable[[int], None]
ACount = Callable[[int], Awaitable[None]]

_PATH_SAFE = "/!$&'()*+,;=:@-._~"
# A path made only of these needs no quoting: skip urllib's quote on the common case.
_NEEDS_QUOTE = re.compile(r"[^A-Za-z0-9/!$&'()*+,;=:@\-._~]")


def raw_path(path: str, raw: Callable[[], bytes] | None = None) -> str:
    """The path as sent: percent-encoded where it has anything a URL cannot carry.

    ``raw`` gives the bytes the client sent when the host has them (WSGI's latin-1
    environ strings); otherwise ``path`` is encoded as UTF-8.
    """
    if not _NEEDS_QUOTE.search(path):
        return path
    data = raw() if raw is not None else path.encode("utf-8")
    return quote(data, safe=_PATH_SAFE) or "/"


class Host(Protocol[N_contra, R_co]):
    """A synchronous adapter, as the driver sees it."""

    def request(self, native: N_contra) -> Request: ...
    def read_body(self, native: N_contra, limit: int) -> bytes: ...
    def respond(self, native: N_contra, response: Response) -> R_co: ...
    def forward(self, native: N_contra, forward: Forward, count: Count | None) -> R_co: ...


class AsyncHost(Protocol[N_contra, R_co]):
    """An asynchronous adapter, as the driver sees it."""

    def request(self, native: N_contra) -> Request: ...
    async def read_body(self, native: N_contra, limit: int) -> bytes: ...
    async def respond(self, native: N_contra, response: Response) -> R_co: ...
    async def forward(self, native: N_contra, forward: Forward, count: ACount | None) -> R_co: ...


class Driver(Generic[N, R]):
    """Runs a synchronous host's requests through the engine (one call per request)."""

    __slots__ = ("_host", "gate")

    def __init__(self, gate: GateCore, host: Host[N, R]) -> None:
        self.gate = gate
        self._host = host

    def __call__(self, native: N) -> R:
        host = self._host
        gate = self.gate
        flow = gate.engine.process(host.request(native))
        forward = run_sync(flow, gate.store, partial(host.read_body, native))
        if isinstance(forward, Answer):
            return host.respond(native, forward.response)
        counter = forward.count_response
        if counter is None:
            return host.forward(native, forward, None)
        store = self.gate.store

        def count(status: int) -> None:  # rate limits counting by http.response.code
            run_sync(counter(status), store)

        return host.forward(native, forward, count)


class AsyncDriver(Generic[N, R]):
    """Runs an asynchronous host's requests through the engine (one call per request);
    store operations are awaited, blocking work runs in a thread."""

    __slots__ = ("_host", "gate")

    def __init__(self, gate: GateCore, host: AsyncHost[N, R]) -> None:
        self.gate = gate
        self._host = host

    async def __call__(self, native: N) -> R:
        host = self._host
        gate = self.gate
        flow = gate.engine.process(host.request(native))
        forward = await run_async(flow, gate.store, partial(host.read_body, native))
        if isinstance(forward, Answer):
            return await host.respond(native, forward.response)
        counter = forward.count_response
        if counter is None:
            return await host.forward(native, forward, None)
        store = self.gate.store

        async def count(status: int) -> None:  # rate limits counting by http.response.code
            await run_async(counter(status), store)

        return await host.forward(native, forward, count)
