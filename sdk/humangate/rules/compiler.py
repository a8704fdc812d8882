"""Syntax tree → one closure per node, built once; evaluation is plain calls.

Every comparison returns a real ``bool``; a :data:`MISSING` operand makes it false.
Type checking has already run, so the closures trust the shapes the catalog promises
and only guard against MISSING (and, for ordering operators, a wrong runtime type,
which would otherwise raise ``TypeError`` mid-request).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Mapping, Sequence
from ipaddress import IPv4Address, IPv6Address

from humangate.rules import ast
from humangate.rules.ast import CompareOp, LogicOp
from humangate.rules.checker import Checked
from humangate.rules.fields import canonical
from humangate.rules.functions import FUNCTIONS
from humangate.rules.regex import compile_search
from humangate.rules.types import INT, IP, STRING, EachType, Type
from humangate.rules.values import MISSING, FieldSource
from humangate.rules.wildcard import wildcard_regex

Getter = Callable[[FieldSource], object]
Test = Callable[[FieldSource], bool]
Predicate = Callable[[object], bool]

_IP_TYPES = (IPv4Address, IPv6Address)


def compile_tree(node: ast.Expr, checked: Checked) -> Test:
    """The evaluator for a type-checked Bool expression."""
    return _Compiler(checked).test(node)


class _Compiler:
    def __init__(self, checked: Checked) -> None:
        self.checked = checked

    # Bool expressions ---------------------------------------------------------------------

    def test(self, node: ast.Expr) -> Test:
        match node:
            case ast.Compare():
                return self.compare(node)  # type: ignore[return-value]  # Bool-typed here
            case ast.Not(operand=operand):
                inner = self.test(operand)
                return lambda src: not inner(src)
            case ast.Logic(op=op, operands=operands):
                return _logic(op, [self.test(o) for o in operands])
            case _:
                get = self.value(node)
                # A bare Bool value: MISSING (or anything but True) is false.
                return lambda src: get(src) is True

    def compare(self, node: ast.Compare) -> Getter:
        get = self.value(node.lhs)
        lhs_type = self.checked.type_of(node.lhs)
        element = lhs_type.element if isinstance(lhs_type, EachType) else lhs_type
        predicate = self.predicate(node, element)
        if isinstance(lhs_type, EachType):

            def each(src: FieldSource) -> object:
                values = get(src)
                if values is MISSING:
                    return MISSING
                return [predicate(v) for v in values]  # type: ignore[attr-defined]

            return each
        return lambda src: predicate(get(src))

    def predicate(self, node: ast.Compare, element: Type) -> Predicate:
        op, rhs = node.op, node.rhs
        if op is CompareOp.IN:
            items = rhs.items if isinstance(rhs, ast.ListLit) else self.checked.lists[id(rhs)]
            return _membership(items, element)
        assert isinstance(rhs, ast.StringLit | ast.IntLit | ast.IpLit)  # checked
        return _scalar(op, rhs.value, element)

    # Values ------------------------------------------------------------------------------

    def value(self, node: ast.Value) -> Getter:
        match node:
            case ast.Field(name=name) if name in ast.BOOL_LITERALS:
                constant = ast.BOOL_LITERALS[name]
                return lambda src: constant
            case ast.Field(name=name):
                key = canonical(name)
                return lambda src: src.get(key)
            case ast.Index(base=base, key=key):
                return self.index(self.value(base), key, self.checked.type_of(base))
            case ast.Unpack(base=base):
                return _unpack(self.value(base))
            case ast.Call():
                return self.call(node)

    def index(self, get: Getter, key: str | int, base_type: Type) -> Getter:
        lookup = _map_key(key) if isinstance(key, str) else _array_item(key)
        if isinstance(base_type, EachType):

            def each(src: FieldSource) -> object:
                values = get(src)
                if values is MISSING:
                    return MISSING
                found = (lookup(v) for v in values)  # type: ignore[attr-defined]
                return [v for v in found if v is not MISSING]

            return each
        return lambda src: lookup(get(src))

    def call(self, node: ast.Call) -> Getter:
        function = FUNCTIONS[node.name]
        impl, on_missing = function.impl, function.on_missing
        getters = [self.argument(arg) for arg in node.args]
        # Literal arguments carry no recorded type (only values do): not mapped.
        first_type = self.checked.types.get(id(node.args[0])) if node.args else None
        mapped = isinstance(first_type, EachType)
        first, rest = getters[0], getters[1:]

        if mapped:

            def mapped_call(src: FieldSource) -> object:
                values = first(src)
                others = [g(src) for g in rest]
                if values is MISSING or any(v is MISSING for v in others):
                    return on_missing
                results = (impl(v, *others) for v in values)  # type: ignore[attr-defined]
                return [r for r in results if r is not MISSING]

            return mapped_call
        if not rest:

            def unary(src: FieldSource) -> object:
                value = first(src)
                return on_missing if value is MISSING else impl(value)

            return unary

        def call(src: FieldSource) -> object:
            values = [g(src) for g in getters]
            if any(v is MISSING for v in values):
                return on_missing
            return impl(*values)

        return call

    def argument(self, arg: ast.Arg) -> Getter:
        match arg:
            case ast.StringLit(value=value) | ast.IntLit(value=value) | ast.IpLit(value=value):
                return lambda _src: value
            case ast.Compare():
                return self.compare(arg)
            case ast.Not() | ast.Logic():
                return self.test(arg)
            case ast.CidrLit():  # rejected by the checker
                raise AssertionError("CIDR literal as a function argument")
            case _:
                return self.value(arg)


# --- helpers -----------------------------------------------------------------------------


def _logic(op: LogicOp, tests: Sequence[Test]) -> Test:
    if op is LogicOp.XOR:
        return lambda src: sum(t(src) for t in tests) % 2 == 1
    # Short operand lists are unrolled: a generator or loop costs more than the tests.
    if len(tests) == 2:
        a, b = tests
        if op is LogicOp.AND:
            return lambda src: a(src) and b(src)
        return lambda src: a(src) or b(src)
    if len(tests) == 3:
        a, b, c = tests
        if op is LogicOp.AND:
            return lambda src: a(src) and b(src) and c(src)
        return lambda src: a(src) or b(src) or c(src)
    if op is LogicOp.AND:

        def every(src: FieldSource) -> bool:
            for test in tests:  # noqa: SIM110 - a loop beats all(genexpr) on the hot path
                if not test(src):
                    return False
            return True

        return every

    def some(src: FieldSource) -> bool:
        for test in tests:  # noqa: SIM110 - a loop beats any(genexpr) on the hot path
            if test(src):
                return True
        return False

    return some


def _map_key(key: str) -> Callable[[object], object]:
    def lookup(container: object) -> object:
        if isinstance(container, Mapping):
            return container.get(key, MISSING)
        return MISSING

    return lookup


def _array_item(index: int) -> Callable[[object], object]:
    def lookup(container: object) -> object:
        if isinstance(container, Sequence) and index < len(container):
            return container[index]
        return MISSING

    return lookup


def _unpack(get: Getter) -> Getter:
    def unpack(src: FieldSource) -> object:
        container = get(src)
        if isinstance(container, Mapping):
            return list(container.values())
        if isinstance(container, Sequence) and not isinstance(container, str):
            return list(container)
        return MISSING

    return unpack


def _scalar(op: CompareOp, constant: object, element: Type) -> Predicate:
    kind: type | tuple[type, ...] = (
        str if element == STRING else int if element == INT else _IP_TYPES
    )
    if op is CompareOp.EQ:
        return lambda v: v == constant and isinstance(v, kind)
    if op is CompareOp.NE:
        return lambda v: isinstance(v, kind) and v != constant
    if op is CompareOp.LT:
        return lambda v: isinstance(v, kind) and v < constant  # type: ignore[operator]
    if op is CompareOp.LE:
        return lambda v: isinstance(v, kind) and v <= constant  # type: ignore[operator]
    if op is CompareOp.GT:
        return lambda v: isinstance(v, kind) and v > constant  # type: ignore[operator]
    if op is CompareOp.GE:
        return lambda v: isinstance(v, kind) and v >= constant  # type: ignore[operator]
    if op is CompareOp.CONTAINS:
        return lambda v: isinstance(v, str) and constant in v  # type: ignore[operator]
    if op is CompareOp.BITWISE_AND:
        assert isinstance(constant, int)
        return lambda v: type(v) is int and v & constant != 0
    assert isinstance(constant, str)
    if op is CompareOp.MATCHES:
        search = compile_search(constant)
        return lambda v: isinstance(v, str) and search(v)
    whole = wildcard_regex(constant, case_sensitive=op is CompareOp.STRICT_WILDCARD)
    return lambda v: isinstance(v, str) and whole(v)


def _membership(items: Iterable[ast.ListItem], element: Type) -> Predicate:
    if element == STRING:
        strings = frozenset(i.value for i in items if isinstance(i, ast.StringLit))
        return lambda v: isinstance(v, str) and v in strings
    if element == INT:
        ints = _Intervals()
        for item in items:
            if isinstance(item, ast.IntLit):
                ints.add(item.value, item.value)
            elif isinstance(item, ast.IntRange):
                ints.add(item.low, item.high)
        return ints.freeze().int_member
    assert element == IP
    v4, v6 = _Intervals(), _Intervals()
    for item in items:
        if isinstance(item, ast.IpLit):
            low = high = item.value
        elif isinstance(item, ast.CidrLit):
            low, high = item.value.network_address, item.value.broadcast_address
        elif isinstance(item, ast.IpRange):
            low, high = item.low, item.high
        else:
            continue
        (v4 if low.version == 4 else v6).add(int(low), int(high))
    v4.freeze()
    v6.freeze()

    def ip_member(value: object) -> bool:
        if isinstance(value, IPv4Address):
            return v4.contains(int(value))
        if isinstance(value, IPv6Address):
            return v6.contains(int(value))
        return False

    return ip_member


class _Intervals:
    """Closed integer intervals, merged and sorted once; membership by binary search."""

    __slots__ = ("_highs", "_lows", "_pending")

    def __init__(self) -> None:
        self._pending: list[tuple[int, int]] = []
        self._lows: list[int] = []
        self._highs: list[int] = []

    def add(self, low: int, high: int) -> None:
        self._pending.append((low, high))

    def freeze(self) -> _Intervals:
        for low, high in sorted(self._pending):
            if self._highs and low <= self._highs[-1] + 1:
                self._highs[-1] = max(self._highs[-1], high)
            else:
                self._lows.append(low)
                self._highs.append(high)
        self._pending = []
        return self

    def contains(self, value: int) -> bool:
        at = bisect_right(self._lows, value) - 1
        return at >= 0 and value <= self._highs[at]

    def int_member(self, value: object) -> bool:
        return type(value) is int and self.contains(value)
