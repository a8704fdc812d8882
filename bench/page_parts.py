"""What each part of a challenge page costs inside a real server.

bench/in_server.py times a whole page answer inside one uvicorn worker. Here the same
answer is timed again with one part of it replaced by that part's first result (the
same ticket, the same page bytes, no store read, no event), so the difference is what
the part costs where it runs, caches evicted between calls by the server's own work.
It tells how much a change to the page could gain before anyone writes it: each row is
the most that removing that part entirely could save.

Rows are interleaved over several rounds (this machine's speed wanders by a few percent
from minute to minute) and each is reported by its median.

    .venv/bin/python -m bench.page_parts                # ~3 minutes
    .venv/bin/python -m bench.page_parts --rounds 5 --seconds 6

Figures are printed, never asserted. The patched servers are benchmark fixtures: a page
answered this way reuses one ticket, which no real gate may do.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Generator
from typing import Any

from bench.apps import BROWSER_ACCEPT as HTML
from bench.in_server import Timed, in_rounds


def _first_result(owner: Any, name: str) -> None:
    """Replace ``owner.name`` (a function or method) by one that computes its first
    result and then returns that every time."""
    original = getattr(owner, name)  # AttributeError if the part was renamed: fix here
    kept: list[Any] = []

    def first(*args: Any, **kwargs: Any) -> Any:
        if not kept:
            kept.append(original(*args, **kwargs))
        return kept[0]

    setattr(owner, name, first)


def _no_ticket() -> None:
    from humangate.crypto.tickets import TicketBook  # noqa: PLC0415 (patched per worker)

    _first_result(TicketBook, "issue")


def _no_sealing() -> None:
    from humangate.crypto.tokens import KeyRing  # noqa: PLC0415

    _first_result(KeyRing, "seal_json")


def _no_fill() -> None:
    from humangate import pages  # noqa: PLC0415 (the challenge reads pages.challenge_page)

    _first_result(pages, "challenge_page")


def _no_strikes_read() -> None:
    from humangate.engine.risk import Strikes  # noqa: PLC0415

    assert hasattr(Strikes, "count")

    def count(self: Strikes, binding: str) -> Generator[Any, object, int]:
        return 0
        yield  # a generator, like the store read it stands in for

    Strikes.count = count  # type: ignore[method-assign]


def _no_report() -> None:
    from humangate.engine.parts import Parts  # noqa: PLC0415

    assert hasattr(Parts, "report")
    Parts.report = lambda self, event: None  # type: ignore[method-assign]


PARTS: dict[str, Callable[[], None]] = {
    "ticket (issue and seal)": _no_ticket,
    "sealing only": _no_sealing,
    "page fill": _no_fill,
    "failed-solve store read": _no_strikes_read,
    "event report": _no_report,
}
BIGGEST = ("ticket (issue and seal)", "page fill", "failed-solve store read", "event report")
WHOLE = "the whole page"
# Row label -> the parts it removes; the server imports `bench.page_parts:page_<n>`.
ROWS: dict[str, tuple[str, ...]] = {
    WHOLE: (),
    **{f"without: {part}": (part,) for part in PARTS},
    "without all four but sealing": BIGGEST,
}
_APPS = {f"page_{index}": parts for index, parts in enumerate(ROWS.values())}
BARE = "bare app (no gate), for scale"


def __getattr__(name: str) -> Timed:
    """``page_<n>``: the wrapped bench app, timed, with row n's parts removed. Looked up
    by the server in its own worker process, so the patches stay there."""
    if name not in _APPS:
        raise AttributeError(name)
    for part in _APPS[name]:
        PARTS[part]()
    from bench.apps import asgi_wrapped  # noqa: PLC0415 (after the patches)

    return Timed(asgi_wrapped)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"\nOne uvicorn worker, wrk -t1 -c16 -d{args.seconds}s, loopback, {args.rounds} "
        "interleaved rounds; the median CPU time of the worker's thread per challenge page"
    )
    references = {
        BARE: "bench.in_server:timed_bare",
        **{label: f"bench.page_parts:{app}" for label, app in zip(ROWS, _APPS, strict=True)},
    }
    rows = in_rounds(
        {label: (reference, HTML, None) for label, reference in references.items()},
        args.seconds,
        args.rounds,
    )
    whole = rows[WHOLE].micros
    print(f"{'row':<44} {'req/s':>7} {'µs/call':>8} {'saves':>6} {'spread':>13}")
    for label, row in rows.items():
        saves = "" if label in (WHOLE, BARE) else f"{whole - row.micros:.1f}"
        print(f"{label:<44} {row.rps:>7.0f} {row.micros:>8.1f} {saves:>6} {row.spread:>13}")
    print("saves: µs per page the part costs where it runs (the whole page's median minus")
    print("the row's): the most that taking the part off the page could gain")


if __name__ == "__main__":
    main()
