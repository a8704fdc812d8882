"""Security events: one record per decision worth keeping, for logs, metrics, dashboards.

The engine reports every decision to its observers. The default observer writes one
structured record to the ``humangate.events`` logger (so any logging handler works);
analytics and metrics register further observers with :meth:`Engine.add_observer`.
Events never carry cookie values, and carry the client address only as the owner
allows (see ``client_ip``: None unless recording it was enabled).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import asdict
from typing import Protocol, runtime_checkable

from humangate.immutable import immutable


class Kind(enum.StrEnum):
    CHALLENGE_ISSUED = "challenge_issued"
    CHALLENGE_SOLVED = "challenge_solved"
    CHALLENGE_FAILED = "challenge_failed"
    PASSED_WITH_CLEARANCE = "passed_with_clearance"
    BLOCKED = "blocked"
    RATE_LIMITED = "rate_limited"
    LOGGED = "logged"
    # A Private Access Token was presented; ``reason`` is "valid" or why it was not.
    PAT_PRESENTED = "pat_presented"
    WIDGET_SOLVED = "widget_solved"  # the Turnstile-compatible widget issued a token
    SITEVERIFY = "siteverify"  # a backend redeemed a token: reason is "success" or the codes
    # JavaScript Detections (humangate.jsd): an HTML page got the script (reason
    # "injected") or why not; a detection post's outcome ("passed", "failed" or why it
    # was refused). Counted, not kept among the recent events: pages are many.
    JSD_PAGE = "jsd_page"
    JSD_POST = "jsd_post"


@immutable
class Event:
    kind: Kind
    ray: str
    at: float
    rule: str | None = None
    action: str | None = None
    level: str | None = None
    reason: str | None = None
    path: str | None = None
    country: str | None = None
    asn: int | None = None
    solve_ms: int | None = None
    difficulty: int | None = None  # proof-of-work bits of an issued challenge
    client_ip: str | None = None
    sitekey: str | None = None  # the widget's sitekey (widget and siteverify events)


@runtime_checkable
class Observer(Protocol):
    """Receives every event. Must be fast and must not raise (errors are logged)."""

    def record(self, event: Event) -> None: ...


@runtime_checkable
class PassObserver(Observer, Protocol):
    """An observer that also takes passes (the commonest decision, made on every request
    with a clearance) without an :class:`Event` being built for each. The engine calls
    ``record_pass`` instead of ``record`` for a pass; an observer without it gets the
    Event as usual."""

    def record_pass(self, rule: str | None, level: str | None, at: float) -> None: ...


# Decisions made on ordinary page views: logged at DEBUG only.
_ROUTINE = frozenset({Kind.PASSED_WITH_CLEARANCE, Kind.JSD_PAGE})


class LoggingObserver:
    """Writes each event to the ``humangate.events`` logger at INFO."""

    __slots__ = ("_logger",)

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger("humangate.events")

    def record_pass(self, rule: str | None, level: str | None, at: float) -> None:
        if self._logger.isEnabledFor(logging.DEBUG):  # asked first: passes are many
            self.record(Event(Kind.PASSED_WITH_CLEARANCE, "", at, rule=rule, level=level))

    def record(self, event: Event) -> None:
        # A pass with a valid clearance is the normal case, not a security event: DEBUG,
        # so the INFO stream holds only decisions worth keeping.
        level = logging.DEBUG if event.kind in _ROUTINE else logging.INFO
        if self._logger.isEnabledFor(level):
            fields = {k: v for k, v in asdict(event).items() if v is not None}
            self._logger.log(
                level, "%s ray=%s", event.kind.value, event.ray, extra={"humangate": fields}
            )
