"""Entry points for the cross-process tests (importable by spawned children)."""

from __future__ import annotations

import random
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier

from humangate.stores import open_store


def spend_all(uri: str, keys: list[str], seed: int, start: Barrier, out: Queue[object]) -> None:
    """Spend every key (in this worker's own order); report the ones this worker won."""
    store = open_store(uri)
    order = list(keys)
    random.Random(seed).shuffle(order)
    try:
        start.wait(timeout=60)
        won = [key for key in order if store.spend(key, 60)]
        out.put(("ok", won))
    except BaseException as exc:
        out.put(("error", repr(exc)))
        raise
    finally:
        store.close()


def count(uri: str, key: str, times: int, start: Barrier, out: Queue[object]) -> None:
    """Increment one shared counter ``times`` times; report every total seen."""
    store = open_store(uri)
    try:
        start.wait(timeout=60)
        out.put(("ok", [store.incr(key, 60) for _ in range(times)]))
    except BaseException as exc:
        out.put(("error", repr(exc)))
        raise
    finally:
        store.close()
