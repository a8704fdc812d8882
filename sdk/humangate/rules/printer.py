"""Syntax tree → canonical text: English operators, minimal parentheses, quoted strings.

``parse(to_text(tree)) == tree`` for every tree the parser produces.
"""

from __future__ import annotations

from humangate.rules import ast
from humangate.rules.ast import PRECEDENCE

_NOT_PRECEDENCE = 4  # binds tighter than every binary logical operator


def to_text(node: ast.Node) -> str:
    match node:
        case ast.Logic(op=op, operands=operands):
            level = PRECEDENCE[op]
            return f" {op.value} ".join(_wrap(o, level) for o in operands)
        case ast.Not(operand=operand):
            return f"not {_wrap(operand, _NOT_PRECEDENCE - 1)}"
        case ast.Compare(lhs=lhs, op=op, rhs=rhs):
            return f"{to_text(lhs)} {op.value} {to_text(rhs)}"
        case ast.Field(name=name):
            return name
        case ast.Index(base=base, key=key):
            return f"{to_text(base)}[{_string(key) if isinstance(key, str) else key}]"
        case ast.Unpack(base=base):
            return f"{to_text(base)}[*]"
        case ast.Call(name=name, args=args):
            return f"{name}({', '.join(to_text(a) for a in args)})"
        case ast.StringLit(value=value):
            return _string(value)
        case ast.IntLit(value=value):
            return str(value)
        case ast.IpLit(value=value):
            return str(value)
        case ast.CidrLit(value=value):
            return value.with_prefixlen
        case ast.IntRange(low=low, high=high) | ast.IpRange(low=low, high=high):
            return f"{low}..{high}"
        case ast.ListLit(items=items):
            return "{" + " ".join(to_text(i) for i in items) + "}"
        case ast.NamedList(name=name):
            return f"${name}"


def _wrap(node: ast.Expr, level: int) -> str:
    """Parenthesize a logical operand that binds no tighter than its parent."""
    text = to_text(node)
    if isinstance(node, ast.Logic) and PRECEDENCE[node.op] <= level:
        return f"({text})"
    return text


def _string(value: str) -> str:
    out = ['"']
    for char in value:
        if char in '"\\':
            out.append("\\" + char)
        elif char < " " or char == "\x7f":
            # Control characters are escaped so canonical text stays on one line.
            out.append(f"\\x{ord(char):02x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)
