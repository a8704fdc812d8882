from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import pytest

from humangate.errors import ExpressionError
from humangate.rules import MISSING, compile_expression


class DictSource:
    """A FieldSource over a plain dict; absent names are MISSING."""

    def __init__(self, values: Mapping[str, object]) -> None:
        self.values = values
        self.asked: list[str] = []

    def get(self, name: str) -> object:
        self.asked.append(name)
        return self.values.get(name, MISSING)


Evaluate = Callable[..., bool]
ErrorAt = Callable[..., ExpressionError]


@pytest.fixture
def evaluate() -> Evaluate:
    """``evaluate(text, fields, lists=None)``: compile and evaluate in one step."""

    def run(
        text: str,
        fields: Mapping[str, object] | None = None,
        lists: Mapping[str, Iterable[str | int]] | None = None,
    ) -> bool:
        return compile_expression(text, lists).evaluate(DictSource(fields or {}))

    return run


@pytest.fixture
def error_at() -> ErrorAt:
    """``error_at(text, position, fragment)``: compiling fails there, saying ``fragment``."""

    def check(
        text: str,
        position: int,
        fragment: str,
        lists: Mapping[str, Iterable[str | int]] | None = None,
    ) -> ExpressionError:
        with pytest.raises(ExpressionError) as caught:
            compile_expression(text, lists)
        error = caught.value
        assert (error.position, fragment in error.reason) == (position, True), error.reason
        return error

    return check
