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

from humangate.jsontext import compact
from humangate.probes import layout, more, paths
from humangate.probes.draws import Draws

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


def _legend(r: Draws) -> dict[str, str]:
    names: set[str] = set()
    legend: dict[str, str] = {}
    for role in (*_ROLES, *_FIRST):
        while True:
            name = r.word(_LETTERS, r.randrange(2, 5))
            if name not in names:
                names.add(name)
                legend[role] = name
                break
    return legend


def _renamed_json(value: object, legend: dict[str, str]) -> bytes:
    """``value`` as compact JSON, each object key that names a role spelled in the
    ticket's legend (field names, not their values: a key is the only string that a
    colon follows). Two passes through placeholders no key can spell, because a legend
    name may itself be some other role's name."""
    text = compact(value)
    for index, role in enumerate(legend):
        text = text.replace(f'"{role}":', f'"\x00{index}":')
    for index, name in enumerate(legend.values()):
        text = text.replace(f'"\x00{index}":', f'"{name}":')
    return text.encode()


def _scramble(text: bytes, key: bytes) -> bytes:
    blocks = (len(text) + 31) // 32
    stream = b"".join(
        [hashlib.sha256(key + counter.to_bytes(4, "big")).digest() for counter in range(blocks)]
    )[: len(text)]
    mixed = int.from_bytes(text, "big") ^ int.from_bytes(stream, "big")
    return mixed.to_bytes(len(text), "big")


def generate(seed: bytes) -> Program:
    source = _rng(seed)
    r = Draws(source)  # the same draws as source's own methods make, faster
    legend = _legend(r)
    plan = ["box"] * r.randrange(1, 3) + ["path"] * r.randrange(1, 3)
    r.shuffle(plan)
    tasks: list[dict[str, object]] = []
    answers: list[str] = []
    for family in plan:
        if family == "box":
            box = layout.generate(source)
            tasks.append({"f": legend["box"], "root": box.tree, "pick": list(box.picks)})
            answers.append(box.answer)
        else:
            path = paths.generate(source)
            tasks.append({"f": legend["path"], **path.describe()})
            answers.append(path.answer)
    more.extend(seed, legend, plan, tasks, answers)
    body = _renamed_json({"tasks": tasks}, legend)
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
