"""The "path" family: fixed seeds, balanced answers, and a margin around every test point."""

from __future__ import annotations

import random

import pytest

from humangate.probes import paths

FIXED = {7: "01001010001111"}


@pytest.mark.parametrize(("seed", "answer"), FIXED.items())
def test_fixed_seed_gives_fixed_answer(seed: int, answer: str) -> None:
    assert paths.generate(random.Random(seed)).answer == answer


@pytest.mark.parametrize("seed", range(40))
def test_every_point_is_clear_of_the_boundary_it_is_tested_against(seed: int) -> None:
    task = paths.generate(random.Random(seed))
    assert len(task.queries) == len(task.answer) >= 10
    for (x, y, mode), bit in zip(task.queries, task.answer, strict=True):
        result, nearest, stroke_gap = paths.answers_for(
            task.polygon, task.circle, task.line_width, x, y
        )
        assert result[mode] is (bit == "1")
        assert (stroke_gap if mode == paths.STROKE else nearest) >= paths.MARGIN


def test_answers_are_balanced_so_a_constant_guess_fails() -> None:
    tasks = [paths.generate(random.Random(seed)) for seed in range(100)]
    ones = sum(t.answer.count("1") for t in tasks)
    total = sum(len(t.answer) for t in tasks)
    assert 0.4 < ones / total < 0.6
    assert not any(set(t.answer) == {"0"} or set(t.answer) == {"1"} for t in tasks)


def test_winding_rules() -> None:
    # A square wound one way and a circle inside it the other way: a hole for
    # "nonzero", and for "evenodd" as well; the same circle wound the same way is not.
    square = ((10, 10), (110, 10), (110, 110), (10, 110))
    for anticlockwise, nonzero in ((True, False), (False, True)):
        result, _, _ = paths.answers_for(square, (60, 60, 20, anticlockwise), 4, 60, 60)
        assert result[paths.NONZERO] is nonzero
        assert result[paths.EVENODD] is False
    result, _, _ = paths.answers_for(square, (60, 60, 20, False), 4, 30, 60)
    assert result[paths.NONZERO] and result[paths.EVENODD]
    result, _, _ = paths.answers_for(square, (60, 60, 20, False), 4, 11, 60)
    assert result[paths.STROKE]


@pytest.mark.parametrize("seed", range(12))
def test_the_point_search_agrees_with_answers_for_everywhere(seed: int) -> None:
    # generate() decides which modes a point qualifies for without computing every
    # distance; it must name exactly the modes answers_for's margins allow, everywhere.
    r = random.Random(seed)
    task = paths.generate(r)
    polygon = task.polygon
    if seed % 3 == 0:  # a repeated vertex: an edge of length zero
        polygon = (polygon[0], *polygon)
    for line_width in (2, 3, 4, 5, 8):
        outline = paths._Outline(polygon, task.circle, line_width)
        for x in range(2, paths.SIZE - 2, 3):
            for y in range(2 + seed % 3, paths.SIZE - 2, 3):
                result, nearest, stroke_gap = paths.answers_for(
                    polygon, task.circle, line_width, x, y
                )
                for outcome in (True, False):
                    want = [
                        mode
                        for mode in (paths.NONZERO, paths.EVENODD, paths.STROKE)
                        if result[mode] is outcome
                        and (stroke_gap if mode == paths.STROKE else nearest) >= paths.MARGIN
                    ]
                    for edge in (-1, x % len(polygon)) if outcome else (-1,):
                        got = outline.hits(x, y, edge) if outcome else outline.misses(x, y)
                        assert got == want, (x, y, line_width, outcome, edge)
