"""The I/O the sans-IO engine asks for, and the runners that perform it.

The engine is a generator: it *yields* an operation and receives its result, so the
same decision code runs under WSGI (sync calls) and ASGI (awaited calls). Operations are
store calls, reading the request body (:class:`ReadBody`) and blocking work such as
analytics store reads (:class:`Blocking`), which the async runner moves to a thread so
the event loop never waits on it. A store failure is thrown back into the generator,
which decides what it means.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Generator
from typing import TypeVar

from humangate.errors import StoreError
from humangate.immutable import immutable
from humangate.stores.base import Store


@immutable  # one per spend: built on the request path
class Spend:
    """Mark a one-time key used; the result is True the first time only."""

    key: str
    ttl: float


@immutable  # every challenge reads the visitor's failed solves with one
class Increment:
    """Add to a windowed counter; the result is the new count."""

    key: str
    window: float
    amount: int = 1


@immutable
class IsSpent:
    """Whether a one-time key is currently marked, without marking it."""

    key: str


@immutable
class ReadBody:
    """Read at most ``limit + 1`` bytes of the request body (one more than allowed, so
    'too large' is detectable); the result is the bytes, or None when the runner was
    given no body to read (the engine then uses ``Request.body``)."""

    limit: int


@immutable
class Blocking:
    """Call ``work`` (blocking I/O, e.g. analytics store reads); the result is its value.
    The async runner calls it in a worker thread."""

    work: Callable[[], object]


Operation = Spend | Increment | IsSpent | ReadBody | Blocking
T = TypeVar("T")
Flow = Generator[Operation, object, T]
BodyReader = Callable[[int], bytes]
AsyncBodyReader = Callable[[int], Awaitable[bytes]]


def run_sync(flow: Flow[T], store: Store, read_body: BodyReader | None = None) -> T:
    try:
        operation = next(flow)
        while True:
            try:
                if isinstance(operation, Spend):
                    result: object = store.spend(operation.key, operation.ttl)
                elif isinstance(operation, IsSpent):
                    result = store.is_spent(operation.key)
                elif isinstance(operation, Increment):
                    result = store.incr(operation.key, operation.window, operation.amount)
                elif isinstance(operation, ReadBody):
                    result = None if read_body is None else read_body(operation.limit)
                else:
                    result = operation.work()
            except StoreError as exc:
                operation = flow.throw(exc)
            else:
                operation = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def run_async(flow: Flow[T], store: Store, read_body: AsyncBodyReader | None = None) -> T:
    try:
        operation = next(flow)
        while True:
            try:
                if isinstance(operation, Spend):
                    result: object = await store.aspend(operation.key, operation.ttl)
                elif isinstance(operation, IsSpent):
                    result = await store.ais_spent(operation.key)
                elif isinstance(operation, Increment):
                    result = await store.aincr(operation.key, operation.window, operation.amount)
                elif isinstance(operation, ReadBody):
                    result = None if read_body is None else await read_body(operation.limit)
                else:
                    # Never on the event loop: a slow store must not stall other requests.
                    result = await asyncio.to_thread(operation.work)
            except StoreError as exc:
                operation = flow.throw(exc)
            else:
                operation = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
