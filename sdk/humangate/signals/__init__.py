"""Browser and request signals: verdict schema, server-side header checks, bot score.

Only verdicts travel (see :mod:`humangate.signals.verdicts`); the server combines the
page's verdicts with its own header checks and turns them into an
:class:`~humangate.signals.score.Assessment`.
"""

from __future__ import annotations

from humangate.signals.checks import CHECKS, INTERACTION_CHECKS, PAGE_CHECKS, Check, Strength
from humangate.signals.headers import header_verdicts, primary_language
from humangate.signals.score import Assessment, assess
from humangate.signals.verdicts import Verdict, Verdicts, parse_verdicts

__all__ = [
    "CHECKS",
    "INTERACTION_CHECKS",
    "PAGE_CHECKS",
    "Assessment",
    "Check",
    "Strength",
    "Verdict",
    "Verdicts",
    "assess",
    "header_verdicts",
    "parse_verdicts",
    "passing_signals",
    "primary_language",
]


def passing_signals(*, webdriver: bool = False) -> dict[str, str]:
    """What a clean browser reports for every page check (for tests without a browser).

    The interaction is not among them: the server judges its events
    (humangate.challenges.interaction; humangate.probes.oracle.interaction_evidence)."""
    signals = dict.fromkeys(PAGE_CHECKS, "pass")
    if webdriver:
        signals["webdriver"] = "fail"
    return signals
