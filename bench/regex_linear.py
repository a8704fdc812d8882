"""How long an owner's catastrophic `matches` pattern takes per request: Python's
backtracking `re` (what rules used before) against RE2 (what they use now).

    .venv/bin/python bench/regex_linear.py

Prints times; asserts nothing (tests/rules/test_regex.py checks the property itself).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sdk"))

from humangate.rules.regex import compile_search

PATTERN = "^(a+)+$"


def seconds(run: object, value: str, repeat: int = 1) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        run(value)  # type: ignore[operator]
    return (time.perf_counter() - start) / repeat


def main() -> None:
    backtracking = re.compile(PATTERN).search
    linear = compile_search(PATTERN)
    print(f"pattern {PATTERN!r} on 'a' * n + '!' (no match: the worst case)")
    print(f"{'n':>9} {'re (ms)':>12} {'RE2 (ms)':>12}")
    for n in (16, 18, 20, 22):
        value = "a" * n + "!"
        print(f"{n:>9} {seconds(backtracking, value) * 1000:>12.1f} "
              f"{seconds(linear, value, 100) * 1000:>12.4f}")  # fmt: skip
    for n in (10_000, 100_000, 1_000_000):
        value = "a" * n + "!"
        print(f"{n:>9} {'(exponential)':>12} {seconds(linear, value, 10) * 1000:>12.3f}")


if __name__ == "__main__":
    main()
