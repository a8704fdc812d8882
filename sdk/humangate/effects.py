"""Store operations the sans-IO engine asks for, and the drivers that perform them.

The engine is a generator: it *yields* an operation and receives its result, so the
same decision code runs under WSGI (sync store calls) and ASGI (awaited calls).
A store failure is thrown back into the generator, which decides what it means.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TypeVar

from humangate.errors import StoreError
from humangate.stores.base import Store


@dataclass(frozen=True, slots=True)
class Spend:
    """Mark a one-time key used; the result is True the first time only."""

    key: str
    ttl: float


@dataclass(frozen=True, slots=True)
class Increment:
    """Add to a windowed counter; the result is the new count."""

    key: str
    window: float
    amount: int = 1


@dataclass(frozen=True, slots=True)
class IsSpent:
    """Whether a one-time key is currently marked, without marking it."""

    key: str


Operation = Spend | Increment | IsSpent
T = TypeVar("T")
Flow = Generator[Operation, object, T]


def run_sync(flow: Flow[T], store: Store) -> T:
    try:
        operation = next(flow)
        while True:
            try:
                if isinstance(operation, Spend):
                    result: object = store.spend(operation.key, operation.ttl)
                elif isinstance(operation, IsSpent):
                    result = store.is_spent(operation.key)
                else:
                    result = store.incr(operation.key, operation.window, operation.amount)
            except StoreError as exc:
                operation = flow.throw(exc)
            else:
                operation = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]


async def run_async(flow: Flow[T], store: Store) -> T:
    try:
        operation = next(flow)
        while True:
            try:
                if isinstance(operation, Spend):
                    result: object = await store.aspend(operation.key, operation.ttl)
                elif isinstance(operation, IsSpent):
                    result = await store.ais_spent(operation.key)
                else:
                    result = await store.aincr(operation.key, operation.window, operation.amount)
            except StoreError as exc:
                operation = flow.throw(exc)
            else:
                operation = flow.send(result)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
