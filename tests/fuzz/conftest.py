"""Property-based fuzzing of everything that decodes visitor or owner input.

Each test feeds its decoder generated input and allows only the decoder's documented
outcomes (a value, None, or its documented error type). The ``fuzz`` Hypothesis profile
sets the number of inputs per test so that the suite runs well over 10^5 inputs in
about two minutes; ``HUMANGATE_FUZZ_SCALE=10`` multiplies them for a longer search,
and ``HUMANGATE_FUZZ_SEED=random`` explores new inputs instead of CI's fixed ones.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

T = TypeVar("T")
BATCH = 16

SCALE = float(os.environ.get("HUMANGATE_FUZZ_SCALE", "1"))
# Counted by every fuzz test, printed at the end of the run (the ≥10^5 goal is checked).
INPUTS: Counter[str] = Counter()
COMPILED: Counter[str] = Counter()  # of those, how many got past the checks

settings.register_profile(
    "fuzz",
    deadline=None,
    database=None,
    derandomize=os.environ.get("HUMANGATE_FUZZ_SEED") != "random",
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def examples(n: int) -> settings:
    """The ``fuzz`` profile with ``n`` inputs (times HUMANGATE_FUZZ_SCALE)."""
    return settings(settings.get_profile("fuzz"), max_examples=max(1, int(n * SCALE)))


def batch(strategy: st.SearchStrategy[T], size: int = BATCH) -> st.SearchStrategy[list[T]]:
    """``size`` inputs per example: Hypothesis's own cost per example is paid once for
    all of them (about three times as many inputs in the same time); failures still
    shrink to the one input at fault."""
    return st.lists(strategy, min_size=size, max_size=size)


def count(name: str, n: int = 1) -> None:
    INPUTS[name] += n


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if INPUTS:
        total = sum(INPUTS.values())
        detail = ", ".join(f"{name} {n}" for name, n in sorted(INPUTS.items()))
        terminalreporter.write_line(f"fuzz: {total} generated inputs ({detail})")
    if COMPILED:
        detail = ", ".join(f"{name} {n}" for name, n in sorted(COMPILED.items()))
        terminalreporter.write_line(f"fuzz: of which accepted and then run: {detail}")
