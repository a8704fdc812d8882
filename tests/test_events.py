"""Events and the default observer: passes reach the log only at DEBUG."""

from __future__ import annotations

import logging
import time

import pytest

from humangate.events import Event, Kind, LoggingObserver, Observer, PassObserver
from humangate.observe.recorder import Recorder
from humangate.stores import MemoryStore


def test_a_pass_is_logged_at_debug_only(caplog: pytest.LogCaptureFixture) -> None:
    observer = LoggingObserver()
    caplog.set_level(logging.INFO, logger="humangate.events")
    observer.record_pass("default", "managed", time.time())
    assert caplog.records == []
    caplog.set_level(logging.DEBUG, logger="humangate.events")
    observer.record_pass("default", "managed", time.time())
    (record,) = caplog.records
    assert record.levelno == logging.DEBUG
    assert record.getMessage().startswith("passed_with_clearance")
    assert record.humangate == {  # type: ignore[attr-defined]
        "kind": Kind.PASSED_WITH_CLEARANCE,
        "ray": "",
        "at": record.humangate["at"],  # type: ignore[attr-defined]
        "rule": "default",
        "level": "managed",
    }


def test_record_pass_logs_what_record_logs_for_a_pass_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    observer = LoggingObserver()
    caplog.set_level(logging.DEBUG, logger="humangate.events")
    at = time.time()
    observer.record(Event(Kind.PASSED_WITH_CLEARANCE, "", at, rule="r", level="managed"))
    observer.record_pass("r", "managed", at)
    first, second = caplog.records
    assert (first.getMessage(), first.humangate) == (  # type: ignore[attr-defined]
        second.getMessage(),
        second.humangate,  # type: ignore[attr-defined]
    )


def test_the_built_in_observers_take_passes_without_events() -> None:
    recorder = Recorder(MemoryStore, background=False)
    assert isinstance(LoggingObserver(), PassObserver)
    assert isinstance(recorder, PassObserver)

    class OnlyEvents:
        def record(self, event: Event) -> None: ...

    assert isinstance(OnlyEvents(), Observer)
    assert not isinstance(OnlyEvents(), PassObserver)  # the engine builds it an Event
