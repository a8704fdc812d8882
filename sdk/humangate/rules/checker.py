"""Type checking: every error a rule author can make short of a typo in the syntax.

The checker walks the tree once, records the type of every value (the compiler needs
them to know where ``[*]`` applies) and resolves named lists against the operand type.
"""

from __future__ import annotations

import difflib
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import NoReturn

from humangate.errors import ExpressionError
from humangate.rules import ast
from humangate.rules.ast import CompareOp
from humangate.rules.fields import FIELDS, RESPONSE_FIELD_TYPES, canonical
from humangate.rules.functions import FUNCTIONS, Arg, ArgumentError
from humangate.rules.regex import RegexError, compile_search
from humangate.rules.types import BOOL, INT, IP, STRING, ArrayType, EachType, MapType, Type
from humangate.rules.wildcard import WildcardError, wildcard_regex

NamedLists = Mapping[str, Iterable[str | int]]

_OPERATORS_BY_TYPE: dict[Type, frozenset[CompareOp]] = {
    STRING: frozenset(CompareOp) - {CompareOp.BITWISE_AND},
    INT: frozenset(CompareOp)
    - {CompareOp.CONTAINS, CompareOp.MATCHES, CompareOp.WILDCARD, CompareOp.STRICT_WILDCARD},
    IP: frozenset({CompareOp.EQ, CompareOp.NE, CompareOp.IN}),
}

# Which literal / list-element node types fit an operand of each type.
_LITERALS: dict[Type, tuple[type, ...]] = {
    STRING: (ast.StringLit,),
    INT: (ast.IntLit,),
    IP: (ast.IpLit,),
}
_LIST_ITEMS: dict[Type, tuple[type, ...]] = {
    STRING: (ast.StringLit,),
    INT: (ast.IntLit, ast.IntRange),
    IP: (ast.IpLit, ast.CidrLit, ast.IpRange),
}

_HEADER_MAP = "http.request.headers"


@dataclass(slots=True)
class Checked:
    """What the compiler needs from type checking, keyed by node identity."""

    types: dict[int, Type] = field(default_factory=dict)
    lists: dict[int, tuple[ast.ListItem, ...]] = field(default_factory=dict)

    def type_of(self, node: ast.Node) -> Type:
        return self.types[id(node)]


def check(
    node: ast.Expr, text: str, lists: NamedLists | None, *, response: bool = False
) -> Checked:
    """Type-check ``node`` (parsed from ``text``); raise ExpressionError on the first problem.

    ``response``: the expression may read response fields (``http.response.code``), as
    a rate limit's counting expression may.
    """
    checker = _Checker(text, lists or {}, response=response)
    result = checker.expr(node)
    if result != BOOL:
        checker.fail(ast.start(node), _not_bool(node, result))
    return checker.checked


def _not_bool(node: ast.Node, found: Type) -> str:
    message = f"expected a Bool expression, got {found}"
    if isinstance(found, EachType | ArrayType) and isinstance(node, ast.Compare):
        return message + "; wrap it in any(...) or all(...)"
    if isinstance(node, ast.Field | ast.Index) and found in _LITERALS:
        return message + "; compare it, e.g. field eq value"
    return message


class _Checker:
    def __init__(self, text: str, lists: NamedLists, *, response: bool = False) -> None:
        self.text = text
        self.lists = lists
        self.response = response
        self.checked = Checked()

    def fail(self, position: int, message: str) -> NoReturn:
        raise ExpressionError(self.text, position, message)

    def _record(self, node: ast.Node, type_: Type) -> Type:
        self.checked.types[id(node)] = type_
        return type_

    # Expressions -------------------------------------------------------------------------

    def expr(self, node: ast.Expr) -> Type:
        match node:
            case ast.Compare():
                return self._record(node, self.compare(node))
            case ast.Not(operand=operand):
                self.boolean(operand)
                return self._record(node, BOOL)
            case ast.Logic(operands=operands):
                for operand in operands:
                    self.boolean(operand)
                return self._record(node, BOOL)
            case _:
                return self.value(node)

    def boolean(self, node: ast.Expr) -> None:
        found = self.expr(node)
        if found != BOOL:
            self.fail(ast.start(node), _not_bool(node, found))

    def compare(self, node: ast.Compare) -> Type:
        lhs = self.value(node.lhs)
        each = isinstance(lhs, EachType)
        operand = lhs.element if isinstance(lhs, EachType) else lhs
        op = node.op
        if isinstance(operand, ArrayType | MapType | EachType):
            self.fail(
                node.pos,
                f'cannot compare {operand}; index it ([0] or ["key"]) or unpack it with '
                "[*] inside any(...) or all(...)",
            )
        allowed = _OPERATORS_BY_TYPE.get(operand)
        if allowed is None:
            self.fail(node.pos, f"{operand} values cannot be compared; use the value on its own")
        if op not in allowed:
            names = ", ".join(sorted(o.value for o in allowed))
            self.fail(
                node.pos, f"'{op.value}' does not apply to {operand}; expected one of: {names}"
            )
        self.rhs(node, operand)
        return ArrayType(BOOL) if each else BOOL

    def rhs(self, node: ast.Compare, operand: Type) -> None:
        rhs, op = node.rhs, node.op
        if op is CompareOp.IN:
            if isinstance(rhs, ast.ListLit):
                for item in rhs.items:
                    if not isinstance(item, _LIST_ITEMS[operand]):
                        self.fail(item.pos, f"expected {_a(operand)} list element")
            elif isinstance(rhs, ast.NamedList):
                self.checked.lists[id(rhs)] = self.named_list(rhs, operand)
            else:
                self.fail(rhs.pos, "expected a list {...} or a named list $name after 'in'")
            return
        if isinstance(rhs, ast.ListLit | ast.NamedList):
            self.fail(rhs.pos, f"a list is only allowed after 'in'; expected {_a(operand)} value")
        if isinstance(rhs, ast.CidrLit):
            self.fail(
                rhs.pos,
                "a CIDR range is only allowed inside a list; expected an IP address, "
                "or write 'in {...}'",
            )
        if op is CompareOp.BITWISE_AND and not isinstance(rhs, ast.IntLit):
            self.fail(rhs.pos, "expected an Int literal")
        if not isinstance(rhs, _LITERALS[operand]):
            self.fail(rhs.pos, f"expected {_a(operand)} literal")
        if op is CompareOp.MATCHES and isinstance(rhs, ast.StringLit):
            try:
                compile_search(rhs.value)
            except RegexError as error:
                self.fail(rhs.pos, f"invalid regular expression: {error.message}")
        if op in (CompareOp.WILDCARD, CompareOp.STRICT_WILDCARD) and isinstance(rhs, ast.StringLit):
            try:
                wildcard_regex(rhs.value, case_sensitive=True)
            except WildcardError as error:
                self.fail(rhs.pos, f"{error.message} (character {error.offset} of the pattern)")
            except RegexError as error:
                self.fail(rhs.pos, f"invalid wildcard pattern: {error.message}")

    def named_list(self, node: ast.NamedList, operand: Type) -> tuple[ast.ListItem, ...]:
        raw = self.lists.get(node.name)
        if raw is None:
            known = ", ".join(f"${name}" for name in sorted(self.lists)) or "none are defined"
            self.fail(node.pos, f"unknown list ${node.name}; expected one of: {known}")
        items: list[ast.ListItem] = []
        for entry in raw:
            item = _list_item(entry, operand, node.pos)
            if item is None:
                unfit = f"{entry!r} is not {_a(operand)} list element"
                self.fail(node.pos, f"list ${node.name}: {unfit}")
            items.append(item)
        return tuple(items)

    # Values -------------------------------------------------------------------------------

    def value(self, node: ast.Value) -> Type:
        return self._record(node, self._value(node))

    def _value(self, node: ast.Value) -> Type:
        match node:
            case ast.Field(name=name) if name in ast.BOOL_LITERALS:
                return BOOL
            case ast.Field(name=name):
                found = FIELDS.get(name)
                if found is None and name in RESPONSE_FIELD_TYPES:
                    if not self.response:
                        self.fail(
                            node.pos,
                            f"{name} is a response field: only a rate limit's "
                            "counting_expression can read it (the request is counted once "
                            "the app has answered)",
                        )
                    found = RESPONSE_FIELD_TYPES[name]
                if found is None:
                    self.fail(node.pos, _unknown("field", name, FIELDS))
                return found
            case ast.Index(base=base, key=key):
                return self.index(node, self.value(base), base, key)
            case ast.Unpack(base=base):
                container = self.value(base)
                if isinstance(container, ArrayType | MapType):
                    return EachType(container.element)
                self.fail(node.pos, f"[*] needs an Array or a Map, got {container}")
            case ast.Call():
                return self.call(node)

    def index(self, node: ast.Index, container: Type, base: ast.Value, key: str | int) -> Type:
        inner = container.element if isinstance(container, EachType) else container
        if isinstance(key, str):
            if not isinstance(inner, MapType):
                self.fail(node.pos, f'a ["key"] index needs a Map, got {inner}')
            if (
                isinstance(base, ast.Field)
                and canonical(base.name) == _HEADER_MAP
                and key != key.lower()
            ):
                self.fail(node.pos, f"header names are lower-case; expected {key.lower()!r}")
            result = inner.element
        else:
            if not isinstance(inner, ArrayType):
                self.fail(node.pos, f"a [number] index needs an Array, got {inner}")
            result = inner.element
        return EachType(result) if isinstance(container, EachType) else result

    def call(self, node: ast.Call) -> Type:
        function = FUNCTIONS.get(node.name)
        if function is None:
            self.fail(node.pos, _unknown("function", node.name, FUNCTIONS))
        infos = [self.argument(arg, position) for position, arg in enumerate(node.args)]
        mapped = bool(infos) and isinstance(infos[0].type, EachType)
        if mapped:
            first = infos[0].type
            assert isinstance(first, EachType)  # narrowed by `mapped`
            infos[0] = Arg(first.element, literal=False)
        try:
            result = function.check(infos)
        except ArgumentError as error:
            at = node.pos if error.index is None else ast.start(node.args[error.index])
            self.fail(at, f"{node.name}(): {error.message}")
        return ArrayType(result) if mapped else result

    def argument(self, arg: ast.Arg, position: int) -> Arg:
        match arg:
            case ast.StringLit(value=value):
                return Arg(STRING, literal=True, value=value)
            case ast.IntLit(value=value):
                return Arg(INT, literal=True, value=value)
            case ast.IpLit(value=value):
                return Arg(IP, literal=True, value=value)
            case ast.CidrLit():
                self.fail(arg.pos, "a CIDR range is only allowed inside a list")
        found = self.expr(arg)
        if isinstance(found, EachType) and position > 0:
            self.fail(ast.start(arg), "[*] is only allowed in a function's first argument")
        return Arg(found, literal=False)


def _a(type_: Type) -> str:
    """``type_`` with its indefinite article: "a String", "an IP"."""
    return f"an {type_}" if str(type_)[0] in "AEIOU" else f"a {type_}"


def _unknown(kind: str, name: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, list(known), n=3)
    hint = f"; did you mean {' or '.join(close)}?" if close else ""
    return f"unknown {kind} {name!r}{hint}"


def _list_item(entry: object, operand: Type, position: int) -> ast.ListItem | None:
    """One element of a named list, read as a value of the operand's type (None: unfit)."""
    if operand == STRING:
        return ast.StringLit(entry, pos=position) if isinstance(entry, str) else None
    if operand == INT:
        return _int_item(entry, position)
    if operand == IP and isinstance(entry, str):
        return _ip_item(entry.strip(), position)
    return None


def _int_item(entry: object, position: int) -> ast.ListItem | None:
    if type(entry) is int:
        return ast.IntLit(entry, pos=position)
    if not isinstance(entry, str):
        return None
    low, sep, high = entry.strip().partition("..")
    try:
        if sep:
            start, end = int(low), int(high)
            return ast.IntRange(start, end, pos=position) if start <= end else None
        return ast.IntLit(int(low), pos=position)
    except ValueError:
        return None


def _ip_item(entry: str, position: int) -> ast.ListItem | None:
    try:
        if ".." in entry:
            low_text, _, high_text = entry.partition("..")
            low, high = ipaddress.ip_address(low_text), ipaddress.ip_address(high_text)
            if low.version != high.version or low > high:  # type: ignore[operator]
                return None
            return ast.IpRange(low, high, pos=position)
        if "/" in entry:
            return ast.CidrLit(ipaddress.ip_network(entry, strict=False), pos=position)
        return ast.IpLit(ipaddress.ip_address(entry), pos=position)
    except ValueError:
        return None
