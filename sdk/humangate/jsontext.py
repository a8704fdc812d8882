"""Compact JSON text: what tokens, answers, pages and events write.

One encoder, made once: ``json.dumps`` with any non-default option builds a new encoder
on every call, which the challenge answer's several encodings paid each time. And
``JSONEncoder.encode`` itself builds its C encoder again on every call (a third of a small
object's cost), so the C encoder is made once here too, with the same settings.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any

try:
    from _json import make_encoder  # the C encoder json.encoder itself uses
except ImportError:  # pragma: no cover (CPython always has it)
    make_encoder = None  # type: ignore[assignment,misc]

_ENCODER = json.JSONEncoder(separators=(",", ":"))


def _c_encoder() -> Callable[[Any], str] | None:
    """What ``_ENCODER.encode`` does for a container, without rebuilding the C encoder;
    None where the C accelerator is missing (then ``encode`` is used as it is)."""
    if make_encoder is None:  # pragma: no cover (CPython always has it)
        return None
    make = make_encoder(
        # No circular-reference markers: a markers dict would be shared by every call
        # (and by threads) and keeps entries when an encoding fails. What is encoded
        # here is built by the caller, never circular; if it were, RecursionError.
        None,
        _ENCODER.default,
        encode_basestring_ascii,
        None,  # indent
        ":",
        ",",
        False,  # sort_keys
        False,  # skipkeys
        True,  # allow_nan (json.dumps's default)
    )
    return lambda value: "".join(make(value, 0))


_C_ENCODE = _c_encoder()


def compact(value: Any) -> str:
    """``value`` as JSON without spaces (ASCII only), as ``json.dumps(value,
    separators=(",", ":"))`` writes it."""
    if _C_ENCODE is not None and isinstance(value, dict | list | tuple):
        return _C_ENCODE(value)
    return _ENCODER.encode(value)


def string(text: str) -> str:
    """``text`` as a JSON string literal, quotes included, exactly as :func:`compact`
    writes it: for JSON written around known fields on the challenge path, where the
    generic encoder costs more than the rest of the text."""
    return encode_basestring_ascii(text)
