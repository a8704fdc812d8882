"""The fast draws are random.Random's own, draw for draw: a seed keeps its program."""

from __future__ import annotations

import random

import pytest

from humangate.probes.draws import Draws, below, draw_bits


@pytest.mark.parametrize("seed", range(40))
def test_draws_equal_random_random_and_leave_it_in_the_same_state(seed: int) -> None:
    plain, wrapped = random.Random(seed), random.Random(seed)
    draws = Draws(wrapped)
    for i in range(400):
        op, size = i % 9, i % 17 + 1
        if op == 0:
            assert plain.randrange(3, 3 + size) == draws.randrange(3, 3 + size)
        elif op == 1:
            assert plain.randrange(size) == draws.randrange(size)
        elif op == 2:
            assert plain.choice("abcdefghijklmnopq"[:size]) == draws.choice(
                "abcdefghijklmnopq"[:size]
            )
        elif op == 3:
            a, b = list(range(size)), list(range(size))
            plain.shuffle(a)
            draws.shuffle(b)
            assert a == b
        elif op == 4:
            assert plain.uniform(-2.5, 7) == draws.uniform(-2.5, 7)
        elif op == 5:
            assert plain.random() == draws.random()
        elif op == 6:
            assert plain.randbytes(size) == draws.randbytes(size)
        elif op == 7:
            assert plain.sample(range(20), size % 8) == draws.sample(range(20), size % 8)
        else:
            word = "".join(plain.choice("xyz") for _ in range(size))
            assert word == draws.word("xyz", size)
            assert plain.randrange(size) == below(draw_bits(wrapped), size)
    assert plain.getstate() == wrapped.getstate()


def test_a_generator_that_does_not_draw_integers_from_getrandbits_is_refused() -> None:
    class OwnFloats(random.Random):
        def random(self) -> float:
            return 0.5

    with pytest.raises(TypeError):
        Draws(OwnFloats(1))
