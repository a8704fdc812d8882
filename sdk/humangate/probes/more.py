"""Families added after "box" and "path" (so far "style", humangate.probes.styles).

They draw from a random stream of their own, derived from the same sealed seed, and get
field names of their own in the ticket's legend: adding them changed none of the box and
path tasks a seed gives. Each new task goes to a random place in the program.
"""

from __future__ import annotations

import hashlib
import random

from humangate.probes import styles

FAMILIES = ("style",)
ROLES = ("items", "par", "get")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def extend(
    seed: bytes,
    legend: dict[str, str],
    plan: list[str],
    tasks: list[dict[str, object]],
    answers: list[str],
) -> None:
    """Add this module's families to a program being generated (in place)."""
    r = random.Random(int.from_bytes(hashlib.sha256(b"humangate probe more\x00" + seed).digest()))
    taken = set(legend.values())
    for role in (*ROLES, *FAMILIES):
        while True:
            name = "".join(r.choice(_LETTERS) for _ in range(r.randrange(2, 5)))
            if name not in taken:
                taken.add(name)
                legend[role] = name
                break
    for family in ["style"] * r.randrange(1, 3):
        task = styles.generate(r)
        at = r.randrange(len(plan) + 1)
        plan.insert(at, family)
        tasks.insert(at, {"f": legend[family], **task.describe()})
        answers.insert(at, task.answer)
