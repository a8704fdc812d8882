"""The syntax tree of an expression.

Nodes are frozen dataclasses so two expressions compare equal when they mean the same
thing; ``pos`` (the 0-based offset in the source, for error messages) is excluded from
equality because canonical printing moves things around.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network

from humangate.client.ip import IPAddress

IPNetwork = IPv4Network | IPv6Network


class CompareOp(enum.Enum):
    """Comparison operators; the value is the canonical (English) spelling."""

    EQ = "eq"
    NE = "ne"
    LT = "lt"
    LE = "le"
    GT = "gt"
    GE = "ge"
    CONTAINS = "contains"
    MATCHES = "matches"
    IN = "in"
    WILDCARD = "wildcard"
    STRICT_WILDCARD = "strict wildcard"
    BITWISE_AND = "bitwise_and"


class LogicOp(enum.Enum):
    """Binary logical operators; the value is the canonical spelling."""

    AND = "and"
    XOR = "xor"
    OR = "or"


# Binding strength: higher binds tighter (``not`` is above all of them).
PRECEDENCE: dict[LogicOp, int] = {LogicOp.OR: 1, LogicOp.XOR: 2, LogicOp.AND: 3}


# --- literals --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StringLit:
    value: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class IntLit:
    value: int
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class IpLit:
    value: IPAddress
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class CidrLit:
    """``192.0.2.0/24``: valid only as an element of an inline list."""

    value: IPNetwork
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class IntRange:
    low: int
    high: int
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class IpRange:
    low: IPAddress
    high: IPAddress
    pos: int = field(default=0, compare=False)


Literal = StringLit | IntLit | IpLit | CidrLit
ListItem = StringLit | IntLit | IpLit | CidrLit | IntRange | IpRange


@dataclass(frozen=True, slots=True)
class ListLit:
    """``{a b c}``: an inline list, the right side of ``in``."""

    items: tuple[ListItem, ...]
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class NamedList:
    """``$name``: a list supplied at compile time, the right side of ``in``."""

    name: str
    pos: int = field(default=0, compare=False)


Rhs = Literal | ListLit | NamedList


# --- values ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Field:
    name: str
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Index:
    """``base["key"]`` on a map or ``base[0]`` on an array."""

    base: Value
    key: str | int
    pos: int = field(default=0, compare=False)  # of the key


@dataclass(frozen=True, slots=True)
class Unpack:
    """``base[*]``: every element of an array (or every value of a map)."""

    base: Value
    pos: int = field(default=0, compare=False)  # of the ``*``


@dataclass(frozen=True, slots=True)
class Call:
    name: str
    args: tuple[Arg, ...]
    pos: int = field(default=0, compare=False)


Value = Field | Index | Unpack | Call


# --- logic -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Compare:
    lhs: Value
    op: CompareOp
    rhs: Rhs
    pos: int = field(default=0, compare=False)  # of the operator


@dataclass(frozen=True, slots=True)
class Not:
    operand: Expr
    pos: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class Logic:
    """``a and b and c``: one node per run of the same operator (keeps trees shallow)."""

    op: LogicOp
    operands: tuple[Expr, ...]
    pos: int = field(default=0, compare=False)


# A Bool-typed value (``ssl``, ``starts_with(...)``) stands alone as an expression.
Expr = Compare | Not | Logic | Value
Arg = Expr | Literal

Node = Expr | Rhs | ListItem


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-nodes of ``node`` (used for iterative walks)."""
    match node:
        case Index(base=base) | Unpack(base=base):
            return (base,)
        case Call(args=args):
            return args
        case Compare(lhs=lhs, rhs=rhs):
            return (lhs, rhs)
        case Not(operand=operand):
            return (operand,)
        case Logic(operands=operands):
            return operands
        case ListLit(items=items):
            return items
        case _:
            return ()


def start(node: Node) -> int:
    """Offset where ``node``'s text begins (a comparison starts at its left side)."""
    while True:
        match node:
            case Compare(lhs=inner) | Index(base=inner) | Unpack(base=inner):
                node = inner
            case Logic(operands=operands):
                node = operands[0]
            case _:
                return node.pos


def depth(node: Node) -> int:
    """Nesting depth of ``node``, computed without recursion (input may be hostile)."""
    deepest = 0
    stack: list[tuple[Node, int]] = [(node, 1)]
    while stack:
        current, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((child, level + 1) for child in children(current))
    return deepest


def field_names(node: Node) -> frozenset[str]:
    """Every field name used in ``node``, as written (aliases not resolved)."""
    names: set[str] = set()
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, Field):
            names.add(current.name)
        stack.extend(children(current))
    return frozenset(names)
