"""Text → syntax tree, with errors that point at the offending character.

The grammar lives in ``grammar.lark``; lark's LALR parser calls :class:`_Builder`
while it reduces, so no intermediate parse tree is built and nesting depth never
turns into Python recursion inside the parser.
"""

from __future__ import annotations

import ipaddress
from functools import cache
from importlib import resources
from typing import Final, NoReturn, cast

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken
from lark.lexer import PatternStr

from humangate.errors import ExpressionError
from humangate.rules import ast
from humangate.rules.ast import CompareOp, LogicOp

MAX_LENGTH: Final = 4096
"""Cloudflare's limit on expression length, in characters."""

MAX_DEPTH: Final = 64
"""Deepest nesting accepted. Later passes recurse over the tree; this keeps them safe."""

_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1

# How the expected-token list in a syntax error names the regex terminals.
_TERMINAL_LABELS: Final = {
    "NAME": "a field or function name",
    "NAMED_LIST": "a named list ($name)",
    "STRING": "a string",
    "RAW_STRING": "a string",
    "INT": "an integer",
    "IPV4": "an IP address",
    "IPV6": "an IP address",
    "$END": "the end of the expression",
}
_COMPARISON_WORDS: Final = frozenset(op.value.split()[0] for op in CompareOp) | {
    "==", "!=", "<", "<=", ">", ">=", "~", "&",
}  # fmt: skip


class _Problem(Exception):
    """Raised inside grammar callbacks; turned into an ExpressionError by :func:`parse`."""

    def __init__(self, position: int, message: str) -> None:
        super().__init__(message)
        self.position = position
        self.message = message


def parse(text: str) -> ast.Expr:
    """Parse ``text`` into a syntax tree (no type checking yet)."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(
            text[:80] + "...",
            MAX_LENGTH,
            f"expression is {len(text)} characters long; the maximum is {MAX_LENGTH}",
        )
    if not text.strip():
        raise ExpressionError(text, 0, "expected an expression, got nothing")
    try:
        tree = _parser().parse(text)
    except _Problem as problem:
        raise ExpressionError(text, problem.position, problem.message) from None
    except UnexpectedInput as error:
        raise _syntax_error(text, error) from None
    # With an inline transformer lark returns our callback's result, not a Tree.
    node = cast("ast.Expr", tree)
    if ast.depth(node) > MAX_DEPTH:
        raise ExpressionError(text, 0, f"expression is nested more than {MAX_DEPTH} levels deep")
    return node


@cache
def _parser() -> Lark:
    grammar = resources.files("humangate.rules").joinpath("grammar.lark").read_text("utf-8")
    return Lark(grammar, parser="lalr", lexer="contextual", transformer=_Builder())


def _syntax_error(text: str, error: UnexpectedInput) -> ExpressionError:
    if isinstance(error, UnexpectedCharacters):
        position = error.pos_in_stream or 0
        char = text[position]
        if char == '"':
            return ExpressionError(text, position, "unterminated string: expected a closing '\"'")
        found = f"unexpected character {char!r}"
        expected = _describe_expected(error.allowed or set())
    elif isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            position, found = len(text), "unexpected end of expression"
        else:
            position, found = token.start_pos or 0, f"unexpected {token.value!r}"
        expected = _describe_expected(error.expected)
    else:  # UnexpectedEOF: LALR reports end of input as a token, kept for completeness
        position, found, expected = len(text), "unexpected end of expression", ""
    message = f"{found}; expected {expected}" if expected else found
    return ExpressionError(text, position, message)


def _describe_expected(names: set[str]) -> str:
    labels: list[str] = []
    comparison = False
    for name in sorted(names):
        if name.startswith("__"):  # lark's internal bookkeeping terminals
            continue
        label = _TERMINAL_LABELS.get(name)
        if label is None:
            pattern = _parser().get_terminal(name).pattern
            if isinstance(pattern, PatternStr):
                if pattern.value in _COMPARISON_WORDS:
                    comparison = True
                    continue
                label = repr(pattern.value)
            else:
                label = name.lower()
        if label not in labels:
            labels.append(label)
    if comparison:
        labels.insert(0, "a comparison operator")
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " or " + labels[-1]


def _pos(token: Token) -> int:
    return token.start_pos or 0


def _fail(position: int, message: str) -> NoReturn:
    raise _Problem(position, message)


class _Builder(Transformer[Token, ast.Node]):
    """Grammar callbacks: one method per rule or alias in ``grammar.lark``."""

    # Logic -----------------------------------------------------------------------------

    def or_expr(self, children: list[ast.Expr]) -> ast.Logic:
        return _logic(LogicOp.OR, children)

    def xor_expr(self, children: list[ast.Expr]) -> ast.Logic:
        return _logic(LogicOp.XOR, children)

    def and_expr(self, children: list[ast.Expr]) -> ast.Logic:
        return _logic(LogicOp.AND, children)

    def not_expr(self, children: tuple[Token, ast.Expr]) -> ast.Not:
        token, operand = children
        return ast.Not(operand, pos=_pos(token))

    def comparison(self, children: tuple[ast.Value, tuple[CompareOp, int], ast.Rhs]) -> ast.Compare:
        lhs, (op, position), rhs = children
        return ast.Compare(lhs, op, rhs, pos=position)

    def cmp_op(self, tokens: list[Token]) -> tuple[CompareOp, int]:
        return _OPERATORS[" ".join(str(t) for t in tokens)], _pos(tokens[0])

    # Values ----------------------------------------------------------------------------

    def field(self, children: tuple[Token]) -> ast.Field:
        (name,) = children
        if name in _KEYWORDS:
            # The contextual lexer reads a misplaced keyword as a name; say what it is.
            _fail(
                _pos(name), f"unexpected {str(name)!r}; expected a field, a function, 'not' or '('"
            )
        return ast.Field(str(name), pos=_pos(name))

    def call(self, children: list[Token | ast.Arg | None]) -> ast.Call:
        name = children[0]
        assert isinstance(name, Token)  # the grammar puts NAME first
        args = tuple(arg for arg in children[1:] if arg is not None and not isinstance(arg, Token))
        return ast.Call(str(name), args, pos=_pos(name))

    def map_index(self, children: tuple[ast.Value, Token]) -> ast.Index:
        base, key = children
        return ast.Index(base, _unescape(key), pos=_pos(key))

    def array_index(self, children: tuple[ast.Value, Token]) -> ast.Index:
        base, index = children
        value = _int(index)
        if value < 0:
            _fail(_pos(index), "expected an array index >= 0")
        return ast.Index(base, value, pos=_pos(index))

    def unpack(self, children: tuple[ast.Value, Token]) -> ast.Unpack:
        base, star = children
        return ast.Unpack(base, pos=_pos(star))

    # Literals --------------------------------------------------------------------------

    def string(self, children: tuple[Token]) -> ast.StringLit:
        (token,) = children
        value = _raw(token) if token.type == "RAW_STRING" else _unescape(token)
        return ast.StringLit(value, pos=_pos(token))

    def int(self, children: tuple[Token]) -> ast.IntLit:
        (token,) = children
        return ast.IntLit(_int(token), pos=_pos(token))

    def ip(self, children: tuple[Token]) -> ast.IpLit:
        (token,) = children
        try:
            address = ipaddress.ip_address(str(token))
        except ValueError:
            _fail(_pos(token), f"{str(token)!r} is not a valid IP address")
        return ast.IpLit(address, pos=_pos(token))

    def cidr(self, children: tuple[ast.IpLit, Token]) -> ast.CidrLit:
        address, bits = children
        limit = address.value.max_prefixlen
        prefix = _int(bits)
        if not 0 <= prefix <= limit:
            _fail(_pos(bits), f"expected a prefix length from 0 to {limit}")
        # Host bits are dropped (192.0.2.7/24 means 192.0.2.0/24), as in wirefilter.
        network = ipaddress.ip_network(f"{address.value}/{prefix}", strict=False)
        return ast.CidrLit(network, pos=address.pos)

    def list(self, children: list[Token | ast.ListItem]) -> ast.ListLit:
        brace = children[0]
        assert isinstance(brace, Token)  # the grammar puts LBRACE first
        items = tuple(item for item in children[1:] if not isinstance(item, Token))
        return ast.ListLit(items, pos=_pos(brace))

    def int_range(self, children: tuple[Token, Token]) -> ast.IntRange:
        low, high = _int(children[0]), _int(children[1])
        if low > high:
            _fail(_pos(children[1]), f"expected a range end >= {low}")
        return ast.IntRange(low, high, pos=_pos(children[0]))

    def ip_range(self, children: tuple[ast.IpLit, ast.IpLit]) -> ast.IpRange:
        low, high = children
        if low.value.version != high.value.version:
            _fail(high.pos, f"expected an IPv{low.value.version} address to end the range")
        if low.value > high.value:  # type: ignore[operator]  # same version, checked above
            _fail(high.pos, f"expected a range end >= {low.value}")
        return ast.IpRange(low.value, high.value, pos=low.pos)

    def named_list(self, children: tuple[Token]) -> ast.NamedList:
        (token,) = children
        return ast.NamedList(str(token)[1:], pos=_pos(token))


_KEYWORDS: Final = frozenset(
    {"and", "or", "xor", "not", "strict"} | {op.value for op in CompareOp if " " not in op.value}
)

_OPERATORS: Final = {
    **{op.value: op for op in CompareOp},
    "==": CompareOp.EQ,
    "!=": CompareOp.NE,
    "<": CompareOp.LT,
    "<=": CompareOp.LE,
    ">": CompareOp.GT,
    ">=": CompareOp.GE,
    "~": CompareOp.MATCHES,
    "&": CompareOp.BITWISE_AND,
}


def _logic(op: LogicOp, operands: list[ast.Expr]) -> ast.Logic:
    # ``(a or b) or c`` is one n-ary node: same meaning, shallower tree, one canonical form.
    flat: list[ast.Expr] = []
    for operand in operands:
        if isinstance(operand, ast.Logic) and operand.op is op:
            flat.extend(operand.operands)
        else:
            flat.append(operand)
    return ast.Logic(op, tuple(flat), pos=ast.start(flat[0]))


def _int(token: Token) -> int:
    text = str(token)
    negative = text.startswith("-")
    digits = text[1:] if negative else text
    value = int(digits[2:], 16) if digits.startswith("0x") else int(digits, 10)
    value = -value if negative else value
    if not _INT64_MIN <= value <= _INT64_MAX:
        _fail(_pos(token), "integer out of range; expected a 64-bit signed integer")
    return value


def _raw(token: Token) -> str:
    text = str(token)
    hashes = len(text) - len(text.lstrip("r").lstrip("#")) - 1
    return text[2 + hashes : len(text) - 1 - hashes]


def _unescape(token: Token) -> str:
    """The value of a ``"..."`` string: ``\\"``, ``\\\\``, ``\\xHH`` and octal ``\\OOO``."""
    text = str(token)[1:-1]
    if "\\" not in text:
        return text
    start = _pos(token) + 1
    out: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\":
            out.append(char)
            i += 1
            continue
        escape = text[i + 1]  # the grammar guarantees a character after '\'
        if escape in '"\\':
            out.append(escape)
            i += 2
        elif escape == "x" and _is_digits(text[i + 2 : i + 4], "0123456789abcdefABCDEF", 2):
            out.append(chr(int(text[i + 2 : i + 4], 16)))
            i += 4
        elif _is_digits(text[i + 1 : i + 4], "01234567", 3) and int(text[i + 1 : i + 4], 8) < 256:
            out.append(chr(int(text[i + 1 : i + 4], 8)))
            i += 4
        else:
            _fail(start + i, 'invalid escape; expected \\", \\\\, \\xHH or \\OOO (octal)')
    return "".join(out)


def _is_digits(text: str, alphabet: str, count: int) -> bool:
    return len(text) == count and all(c in alphabet for c in text)
