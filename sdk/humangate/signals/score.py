"""From verdicts to an outcome: hard failures, soft doubts and a bot score 1-99.

The score follows Cloudflare's convention: 1 means surely automated, 99 surely human.
Any hard failure puts it at 1-9; each soft doubt costs 20 points from 99, down to 30,
so a doubtful person still scores well above the "likely automated" band (< 30).
"""

from __future__ import annotations

from dataclasses import dataclass

from humangate.signals.checks import CHECKS, Strength
from humangate.signals.verdicts import Verdict, Verdicts


@dataclass(frozen=True, slots=True)
class Assessment:
    hard: tuple[str, ...]  # hard checks that failed
    soft: tuple[str, ...]  # soft checks that failed
    score: int

    @property
    def js_passed(self) -> bool:
        """Cloudflare's js_detection.passed: no hard automation signal fired."""
        return not self.hard

    @property
    def uncertain(self) -> bool:
        return bool(self.soft)


def assess(verdicts: Verdicts) -> Assessment:
    failed = sorted(name for name, verdict in verdicts.items() if verdict is Verdict.FAIL)
    hard = tuple(n for n in failed if CHECKS[n].strength is Strength.HARD)
    soft = tuple(n for n in failed if CHECKS[n].strength is Strength.SOFT)
    score = max(1, 10 - 3 * len(hard)) if hard else max(30, 99 - 20 * len(soft))
    return Assessment(hard, soft, score)
