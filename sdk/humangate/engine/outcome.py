"""What the engine decides for one request: answer it itself, or forward it to the app."""

from __future__ import annotations

from collections.abc import Callable

from humangate.crypto.clearance import Clearance
from humangate.effects import Flow
from humangate.engine.replay import Replay
from humangate.http.response import Response
from humangate.immutable import immutable

HeaderList = tuple[tuple[str, str], ...]


@immutable
class Answer:
    """humangate answers the request itself; the app is not called."""

    response: Response


@immutable
class Forward:
    """Call the app; add ``headers`` to its response (e.g. replace a bad cookie)."""

    headers: HeaderList = ()
    clearance: Clearance | None = None
    replay: Replay | None = None  # call the app with this held request instead
    # Rate limits that count by the response (http.response.code): the adapter runs
    # count_response(status) with the store once the app has started its response.
    count_response: Callable[[int], Flow[None]] | None = None


Outcome = Answer | Forward
