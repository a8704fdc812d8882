"""A ticket's probe program: generated from a sealed seed, with its answers.

The program is data, not code: the page's fixed interpreter (js/src/probe.js) runs it
under the strict CSP. What changes per ticket is everything the data decides: how many
tasks of each family, their order, every size, rule and point, the element ids, and
the names the program's fields go by (a per-ticket legend). That stops a forger from
reading one program and replaying its answers; it does not hide what the interpreter
does from someone who reads our source (docs/challenges.md says what that costs).
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from dataclasses import dataclass

from humangate.probes import layout, more, paths

_FIRST = ("box", "path")
FAMILIES = (*_FIRST, *more.FAMILIES)
_ROLES = ("f", "root", "pick", "id", "css", "kids", "pts", "arc", "lw", "q", "tasks")
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


@dataclass(frozen=True, slots=True)
class Program:
    """The page's program (``encoded``) and the answers, task by task, in order."""

    encoded: dict[str, object]
    families: tuple[str, ...]  # the family of each task, in program order
    answers: tuple[str, ...]  # each task's answer, in program order

    def family_answer(self, family: str) -> str:
        return "|".join(a for f, a in zip(self.families, self.answers, strict=True) if f == family)


def _rng(seed: bytes) -> random.Random:
    # A deterministic expansion of a secret 128-bit seed: everything it yields is in the
    # program anyway, so predicting the stream reveals nothing the page does not show.
    return random.Random(int.from_bytes(hashlib.sha256(b"humangate probe\x00" + seed).digest()))


def _legend(r: random.Random) -> dict[str, str]:
    names: set[str] = set()
    legend: dict[str, str] = {}
    for role in (*_ROLES, *_FIRST):
        while True:
            name = "".join(r.choice(_LETTERS) for _ in range(r.randrange(2, 5)))
            if name not in names:
                names.add(name)
                legend[role] = name
                break
    return legend


def _rename(value: object, legend: dict[str, str]) -> object:
    """The task with its field names (not its CSS) spelled in the ticket's legend."""
    if isinstance(value, dict):
        return {legend.get(k, k): _rename(v, legend) for k, v in value.items()}
    if isinstance(value, list):
        return [_rename(v, legend) for v in value]
    return value


def _scramble(text: bytes, key: bytes) -> bytes:
    stream = b""
    counter = 0
    while len(stream) < len(text):
        stream += hashlib.sha256(key + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(a ^ b for a, b in zip(text, stream, strict=False))


def generate(seed: bytes) -> Program:
    r = _rng(seed)
    legend = _legend(r)
    plan = ["box"] * r.randrange(1, 3) + ["path"] * r.randrange(1, 3)
    r.shuffle(plan)
    tasks: list[dict[str, object]] = []
    answers: list[str] = []
    for family in plan:
        if family == "box":
            box = layout.generate(r)
            tasks.append({"f": legend["box"], "root": box.tree, "pick": list(box.picks)})
            answers.append(box.answer)
        else:
            path = paths.generate(r)
            tasks.append({"f": legend["path"], **path.describe()})
            answers.append(path.answer)
    more.extend(seed, legend, plan, tasks, answers)
    body = json.dumps(_rename({"tasks": tasks}, legend), separators=(",", ":")).encode()
    key = r.randbytes(16)
    encoded: dict[str, object] = {
        "k": key.hex(),
        "l": dict(legend),
        "p": base64.b64encode(_scramble(body, key)).decode("ascii"),
    }
    return Program(encoded, tuple(plan), tuple(answers))


def decode(encoded: dict[str, object]) -> dict[str, object]:
    """The page's view of an encoded program (tests; the page does the same in JS)."""
    key = bytes.fromhex(str(encoded["k"]))
    data: dict[str, object] = json.loads(_scramble(base64.b64decode(str(encoded["p"])), key))
    return data
