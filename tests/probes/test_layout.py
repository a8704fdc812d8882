"""The "box" family: fixed seeds give fixed answers; every answer is exact by construction."""

from __future__ import annotations

import random

import pytest

from humangate.probes import layout

# Checked in headed Chromium 156 and Firefox ESR 153 (e2e/test_probe_browsers.py).
FIXED = {7: "2,2,4,10;12,2,10,4"}


@pytest.mark.parametrize(("seed", "answer"), FIXED.items())
def test_fixed_seed_gives_fixed_answer(seed: int, answer: str) -> None:
    assert layout.generate(random.Random(seed)).answer == answer


def _nodes(tree: dict[str, object]) -> list[dict[str, object]]:
    kids = tree["kids"]
    assert isinstance(kids, list)
    return [tree, *(n for kid in kids for n in _nodes(kid))]


@pytest.mark.parametrize("seed", range(60))
def test_tree_is_well_formed(seed: int) -> None:
    task = layout.generate(random.Random(seed))
    nodes = _nodes(task.tree)
    ids = [n["id"] for n in nodes]
    assert len(set(ids)) == len(ids)
    assert set(task.picks) <= set(ids[1:])  # the root is the origin, never asked
    assert len(task.picks) >= 3 or len(ids) - 1 == len(task.picks)
    root_css = dict(task.tree["css"])  # type: ignore[arg-type]
    assert root_css["direction"] == "ltr"  # the page may be rtl; the tree must not care
    for value in task.answer.replace(";", ",").split(","):
        assert int(value) >= -50  # units, not px; sane magnitudes
    for node in nodes:
        for prop, value in node["css"]:  # type: ignore[attr-defined]
            assert prop.replace("-", "").isalpha() and "<" not in value and ";" not in value


def test_no_text_is_ever_laid_out() -> None:
    # Boxes only: text metrics differ between engines and fonts.
    for seed in range(50):
        tree = layout.generate(random.Random(seed)).tree
        assert all("text" not in str(key) for node in _nodes(tree) for key in node)


def test_programs_differ_from_ticket_to_ticket() -> None:
    answers = {layout.generate(random.Random(seed)).answer for seed in range(100)}
    assert len(answers) == 100
