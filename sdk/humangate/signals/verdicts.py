"""Client verdicts: the only thing about the browser that leaves it.

The page reports ``{check name: "pass" | "fail" | "na"}`` per check. "na" means the API
was unavailable (a privacy extension, an old engine, no Worker): neutral, never a
penalty. A check the page should have run but did not report counts as a failure,
so a client cannot pass by sending less.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping

from humangate.signals.checks import CHECKS


class Verdict(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - a verdict, not a password
    FAIL = "fail"
    NA = "na"


Verdicts = dict[str, Verdict]


def parse_verdicts(raw: Mapping[str, object], required: Iterable[str]) -> Verdicts:
    """Known verdicts from ``raw``; a missing or malformed required one becomes FAIL.

    Unknown names are dropped (a newer page against an older server must not break it).
    """
    verdicts: Verdicts = {}
    for name, value in raw.items():
        if name in CHECKS and isinstance(value, str) and value in Verdict.__members__.values():
            verdicts[name] = Verdict(value)
    for name in required:
        verdicts.setdefault(name, Verdict.FAIL)
    return verdicts
