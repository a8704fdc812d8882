"""Entry point for the cross-process single-use test (importable by spawned children)."""

from __future__ import annotations

import random
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from humangate.effects import run_sync
from humangate.stores import open_store
from humangate.tokens import KeyRing
from humangate.turnstile.sitekeys import Sitekey, SitekeyBook
from humangate.turnstile.siteverify import Siteverifier, VerifyRequest
from humangate.turnstile.tokens import PURPOSES, WidgetSeal


def verifier(secret: str, sitekey: str, widget_secret: str) -> Siteverifier:
    book = SitekeyBook([Sitekey(sitekey, [widget_secret], hostnames=["example.org"])])
    return Siteverifier(book, WidgetSeal(KeyRing([secret], purposes=PURPOSES)))


def verify_all(
    uri: str,
    keys: tuple[str, str, str],
    tokens: list[str],
    seed: int,
    start: Barrier,
    out: Queue[object],
) -> None:
    """Verify every token (in this worker's own order); report the ones that succeeded."""
    secret, sitekey, widget_secret = keys
    check = verifier(secret, sitekey, widget_secret)
    store = open_store(uri)
    order = list(tokens)
    random.Random(seed).shuffle(order)
    try:
        start.wait(timeout=60)
        won = [
            value
            for value in order
            if run_sync(check.verify(VerifyRequest(widget_secret, value)), store).success
        ]
        out.put(("ok", won))
    except BaseException as exc:
        out.put(("error", repr(exc)))
        raise
    finally:
        store.close()
