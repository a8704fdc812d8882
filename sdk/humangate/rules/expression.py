"""The public entry point: text → a compiled, comparable :class:`Expression`."""

from __future__ import annotations

from humangate.rules import ast
from humangate.rules.checker import NamedLists, check
from humangate.rules.compiler import Test, compile_tree
from humangate.rules.fields import canonical
from humangate.rules.parser import parse
from humangate.rules.printer import to_text
from humangate.rules.values import FieldSource


class Expression:
    """A parsed, type-checked and compiled rule expression.

    Equality compares meaning (the syntax tree), not spelling: ``http.host == "a"``
    equals ``http.host eq "a"``. Named lists are compared by name only.
    """

    __slots__ = ("_evaluate", "_fields", "_text", "_tree")

    def __init__(self, text: str, tree: ast.Expr, evaluate: Test) -> None:
        self._text = text
        self._tree = tree
        self._evaluate = evaluate
        self._fields = frozenset(canonical(name) for name in ast.field_names(tree))

    @property
    def text(self) -> str:
        """The source as given."""
        return self._text

    @property
    def fields(self) -> frozenset[str]:
        """Canonical names of the fields evaluation reads (aliases resolved)."""
        return self._fields

    @property
    def tree(self) -> ast.Expr:
        return self._tree

    def evaluate(self, fields: FieldSource) -> bool:
        """Whether the request described by ``fields`` matches."""
        return self._evaluate(fields)

    def __str__(self) -> str:
        return to_text(self._tree)

    def __repr__(self) -> str:
        return f"Expression({self._text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Expression):
            return NotImplemented
        return self._tree == other._tree

    def __hash__(self) -> int:
        return hash(self._tree)


def compile_expression(
    text: str, lists: NamedLists | None = None, *, response: bool = False
) -> Expression:
    """Parse, type-check and compile ``text``.

    ``lists`` defines the named lists (``$name``) the expression may use; their
    contents are read now, so recompile to pick up changes. ``response=True`` allows
    response fields (``http.response.code``): for a rate limit's counting expression.

    Raises :class:`humangate.errors.ExpressionError` with the offending position.
    """
    tree = parse(text)
    checked = check(tree, text, lists, response=response)
    return Expression(text, tree, compile_tree(tree, checked))
