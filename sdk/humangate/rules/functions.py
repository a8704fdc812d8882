"""Built-in functions: their signatures (checked at compile time) and implementations.

Implementations receive plain Python values, never :data:`MISSING`: the compiler
short-circuits a call with a missing argument to the function's ``on_missing`` value.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final
from urllib.parse import unquote_plus

from humangate.rules.types import BOOL, INT, IP, STRING, ArrayType, MapType, Type
from humangate.rules.values import MISSING


class ArgumentError(Exception):
    """A call does not fit the signature. ``index`` is the argument at fault (None: the call)."""

    def __init__(self, index: int | None, message: str) -> None:
        super().__init__(message)
        self.index = index
        self.message = message


@dataclass(frozen=True, slots=True)
class Arg:
    """What the type checker knows about one argument."""

    type: Type
    literal: bool
    value: object = None  # the literal's value, when ``literal``


@dataclass(frozen=True, slots=True)
class Function:
    name: str
    signature: str  # for error messages and docs
    check: Callable[[Sequence[Arg]], Type]  # raises ArgumentError; returns the result type
    impl: Callable[..., object]
    on_missing: object = MISSING


# --- signature helpers ------------------------------------------------------------------


def _arity(args: Sequence[Arg], low: int, high: int | None, signature: str) -> None:
    if len(args) < low or (high is not None and len(args) > high):
        raise ArgumentError(None, f"wrong number of arguments; expected {signature}")


def _source(args: Sequence[Arg], accepted: Callable[[Type], bool], expected: str) -> Type:
    """The first argument: a field or function result, never a literal (as in Cloudflare)."""
    first = args[0]
    if first.literal:
        raise ArgumentError(0, f"expected a field or function call ({expected}), not a literal")
    if not accepted(first.type):
        raise ArgumentError(0, f"expected {expected}, got {first.type}")
    return first.type


def _literal(args: Sequence[Arg], index: int, type_: Type) -> object:
    arg = args[index]
    if not arg.literal or arg.type != type_:
        article = "an" if str(type_)[0] in "AEIOU" else "a"
        raise ArgumentError(index, f"expected {article} {type_} literal")
    return arg.value


def _is(type_: Type) -> Callable[[Type], bool]:
    return lambda candidate: candidate == type_


def _unary_string(signature: str) -> Callable[[Sequence[Arg]], Type]:
    def check(args: Sequence[Arg]) -> Type:
        _arity(args, 1, 1, signature)
        _source(args, _is(STRING), "a String")
        return STRING

    return check


def _check_affix(args: Sequence[Arg], signature: str) -> Type:
    _arity(args, 2, 2, signature)
    _source(args, _is(STRING), "a String")
    _literal(args, 1, STRING)
    return BOOL


def _check_len(args: Sequence[Arg]) -> Type:
    _arity(args, 1, 1, "len(String | Array | Map)")
    _source(
        args,
        lambda t: t == STRING or isinstance(t, ArrayType | MapType),
        "a String, Array or Map",
    )
    return INT


def _check_quantifier(args: Sequence[Arg], name: str) -> Type:
    _arity(args, 1, 1, f"{name}(Array<Bool>)")
    first = args[0]
    if first.type != ArrayType(BOOL):
        hint = ", e.g. any(field[*] == value)" if first.type == BOOL else ""
        raise ArgumentError(0, f"expected an Array<Bool>{hint}, got {first.type}")
    return BOOL


def _check_concat(args: Sequence[Arg]) -> Type:
    _arity(args, 1, None, "concat(String, ...) or concat(Array<T>, ...)")
    first = args[0].type
    if first != STRING and not isinstance(first, ArrayType):
        raise ArgumentError(0, f"expected a String or an Array, got {first}")
    for index, arg in enumerate(args[1:], start=1):
        if arg.type != first:
            raise ArgumentError(index, f"expected {first} like the first argument, got {arg.type}")
    return first


def _check_url_decode(args: Sequence[Arg]) -> Type:
    _arity(args, 1, 2, 'url_decode(String[, "r" | "u" | "ru"])')
    _source(args, _is(STRING), "a String")
    if len(args) == 2:
        options = _literal(args, 1, STRING)
        if not isinstance(options, str) or set(options) - {"r", "u"}:
            raise ArgumentError(1, 'expected options made of "r" (recursive) and "u" (%uXXXX)')
    return STRING


def _lookup_json(result: Type, name: str) -> Callable[[Sequence[Arg]], Type]:
    def check(args: Sequence[Arg]) -> Type:
        _arity(args, 2, None, f"{name}(String, key, ...)")
        _source(args, _is(STRING), "a String holding JSON")
        for index, arg in enumerate(args[1:], start=1):
            if not arg.literal or arg.type not in (STRING, INT):
                raise ArgumentError(index, "expected a String key or an Int array index literal")
        return result

    return check


def _check_cidr(args: Sequence[Arg]) -> Type:
    _arity(args, 3, 3, "cidr(IP, Int 1-32, Int 1-128)")
    _source(args, _is(IP), "an IP")
    _bits(args, 1, 32)
    _bits(args, 2, 128)
    return IP


def _check_cidr6(args: Sequence[Arg]) -> Type:
    _arity(args, 2, 2, "cidr6(IP, Int 1-128)")
    _source(args, _is(IP), "an IP")
    _bits(args, 1, 128)
    return IP


def _bits(args: Sequence[Arg], index: int, limit: int) -> None:
    value = _literal(args, index, INT)
    if not isinstance(value, int) or not 1 <= value <= limit:
        raise ArgumentError(index, f"expected a prefix length from 1 to {limit}")


# --- implementations -----------------------------------------------------------------------


def _lower(value: str) -> str:
    # Cloudflare changes ASCII letters only; str.lower() would also fold 'É' → 'é'.
    return value.translate(_ASCII_LOWER)


def _upper(value: str) -> str:
    return value.translate(_ASCII_UPPER)


_ASCII_LOWER: Final = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_UPPER: Final = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _len(value: str | Sequence[object] | Mapping[str, object]) -> int:
    # Cloudflare counts bytes, not characters.
    return len(value.encode("utf-8", "surrogatepass")) if isinstance(value, str) else len(value)


def _concat(*values: str | Sequence[object]) -> str | list[object]:
    if isinstance(values[0], str):
        return "".join(str(v) for v in values)
    joined: list[object] = []
    for value in values:
        joined.extend(value)
    return joined


def _url_decode(value: str, options: str = "") -> str:
    decoded = _decode_once(value, "u" in options)
    if "r" in options:
        # Bounded: each round that changes the text makes it shorter.
        while decoded != value:
            value, decoded = decoded, _decode_once(decoded, "u" in options)
    return decoded


def _decode_once(value: str, unicode_escapes: bool) -> str:
    if unicode_escapes and "%u" in value:
        value = _percent_u(value)
    return unquote_plus(value, errors="replace")


def _percent_u(value: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(value):
        chunk = value[i + 2 : i + 6]
        if value.startswith("%u", i) and len(chunk) == 4 and _is_hex(chunk):
            out.append(chr(int(chunk, 16)))
            i += 6
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def _is_hex(text: str) -> bool:
    return all(c in "0123456789abcdefABCDEF" for c in text)


def _decode_base64(value: str) -> object:
    padded = value + "=" * (-len(value) % 4)
    try:
        raw = base64.b64decode(padded, validate=True)
    except (binascii.Error, ValueError):
        return MISSING
    return raw.decode("utf-8", "replace")


def _walk_json(document: str, keys: tuple[str | int, ...]) -> object:
    try:
        node: object = json.loads(document)
    except (ValueError, RecursionError):
        return MISSING
    for key in keys:
        if isinstance(key, str) and isinstance(node, dict) and key in node:
            node = node[key]
            continue
        if isinstance(key, int) and isinstance(node, list) and 0 <= key < len(node):
            node = node[key]
            continue
        return MISSING
    return node


def _lookup_json_string(document: str, *keys: str | int) -> object:
    found = _walk_json(document, keys)
    return found if isinstance(found, str) else MISSING


def _lookup_json_integer(document: str, *keys: str | int) -> object:
    found = _walk_json(document, keys)
    return found if type(found) is int else MISSING  # bool is an int in Python; not in JSON


def _cidr(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, v4_bits: int, v6_bits: int
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    bits = v4_bits if address.version == 4 else v6_bits
    return ipaddress.ip_network(f"{address}/{bits}", strict=False).network_address


def _cidr6(
    address: ipaddress.IPv4Address | ipaddress.IPv6Address, v6_bits: int
) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    # IPv4 addresses pass through unchanged, as in Cloudflare.
    return address if address.version == 4 else _cidr(address, 32, v6_bits)


FUNCTIONS: Final[Mapping[str, Function]] = MappingProxyType(
    {
        f.name: f
        for f in (
            Function("lower", "lower(String) -> String", _unary_string("lower(String)"), _lower),
            Function("upper", "upper(String) -> String", _unary_string("upper(String)"), _upper),
            Function(
                "starts_with",
                'starts_with(String, "prefix") -> Bool',
                lambda a: _check_affix(a, 'starts_with(String, "prefix")'),
                str.startswith,
                on_missing=False,
            ),
            Function(
                "ends_with",
                'ends_with(String, "suffix") -> Bool',
                lambda a: _check_affix(a, 'ends_with(String, "suffix")'),
                str.endswith,
                on_missing=False,
            ),
            Function("len", "len(String | Array | Map) -> Int", _check_len, _len),
            Function(
                "any",
                "any(Array<Bool>) -> Bool",
                lambda a: _check_quantifier(a, "any"),
                any,
                on_missing=False,
            ),
            Function(
                "all",
                "all(Array<Bool>) -> Bool",
                lambda a: _check_quantifier(a, "all"),
                all,
                on_missing=False,
            ),
            Function("concat", "concat(String | Array, ...) -> same", _check_concat, _concat),
            Function(
                "url_decode",
                'url_decode(String[, "ru"]) -> String',
                _check_url_decode,
                _url_decode,
            ),
            Function(
                "decode_base64",
                "decode_base64(String) -> String",
                _unary_string("decode_base64(String)"),
                _decode_base64,
            ),
            Function(
                "lookup_json_string",
                "lookup_json_string(String, key, ...) -> String",
                _lookup_json(STRING, "lookup_json_string"),
                _lookup_json_string,
            ),
            Function(
                "lookup_json_integer",
                "lookup_json_integer(String, key, ...) -> Int",
                _lookup_json(INT, "lookup_json_integer"),
                _lookup_json_integer,
            ),
            Function("cidr", "cidr(IP, v4_bits, v6_bits) -> IP", _check_cidr, _cidr),
            Function("cidr6", "cidr6(IP, v6_bits) -> IP", _check_cidr6, _cidr6),
        )
    }
)
"""Every function an expression may call, by name."""
