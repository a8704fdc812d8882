"""The per-ticket program: deterministic from its sealed seed, different in every shape."""

from __future__ import annotations

import json
import os

from humangate.probes.program import FAMILIES, decode, generate

SEED = bytes.fromhex("0123456789abcdef0123456789abcdef")
FIXED = (
    ("box", "style", "box", "path", "path"),
    (
        "6,7,12,8;10,4,8,14;12,22,4,14;6,38,16,10",
        "color(srgb 0.654902 0.627451 0.627451);color(srgb 0.980392 0.478431 0.580392);0px;0px;0.5",
        "3,19,4,14;3,2,20,8;3,14,26,4",
        "111010111100000",
        "1010110001110",
    ),
)


def test_a_fixed_seed_gives_fixed_tasks_and_answers() -> None:
    program = generate(SEED)
    assert (program.families, program.answers) == FIXED
    assert program.family_answer("box") == "|".join((FIXED[1][0], FIXED[1][2]))


def test_the_later_families_leave_the_first_ones_as_they_were() -> None:
    """The style family draws from its own stream: a seed's box and path tasks are the
    ones it gave before the family was added (the answers above, minus the style task)."""
    program = generate(SEED)
    first = [a for f, a in zip(program.families, program.answers, strict=True) if f != "style"]
    assert first == [FIXED[1][0], *FIXED[1][2:]]


def test_every_program_has_every_family() -> None:
    for _ in range(50):
        assert set(generate(os.urandom(16)).families) == set(FAMILIES)


def test_names_order_and_encoding_change_per_ticket() -> None:
    programs = [generate(os.urandom(16)) for _ in range(30)]
    legends = {json.dumps(p.encoded["l"], sort_keys=True) for p in programs}
    orders = {p.families for p in programs}
    assert len(legends) == 30 and len(orders) > 1
    for program in programs:
        text = json.dumps(program.encoded)
        # Nothing readable in the page's copy without decoding it first.
        assert "flex" not in text and "width" not in text and "isPointInPath" not in text


def test_the_page_copy_decodes_to_the_tasks_under_the_legend() -> None:
    program = generate(SEED)
    legend = program.encoded["l"]
    assert isinstance(legend, dict)
    tasks = decode(program.encoded)[legend["tasks"]]
    assert isinstance(tasks, list)
    names = {v: k for k, v in legend.items()}
    assert tuple(names[t[legend["f"]]] for t in tasks) == program.families
