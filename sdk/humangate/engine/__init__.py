"""The sans-IO engine: one neutral request in, one outcome out (see docs/architecture.md)."""

from __future__ import annotations

from humangate.engine.core import SETTLE_CACHE_KEY_CHARS, SETTLE_CACHE_SIZE, Engine
from humangate.engine.outcome import Answer, Forward, Outcome

__all__ = [
    "SETTLE_CACHE_KEY_CHARS",
    "SETTLE_CACHE_SIZE",
    "Answer",
    "Engine",
    "Forward",
    "Outcome",
]
