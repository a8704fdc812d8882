"""Compact JSON text: what tokens, answers, pages and events write.

One encoder, made once: ``json.dumps`` with any non-default option builds a new encoder
on every call, which the challenge answer's several encodings paid each time.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring_ascii
from typing import Any

_ENCODER = json.JSONEncoder(separators=(",", ":"))


def compact(value: Any) -> str:
    """``value`` as JSON without spaces (ASCII only), as ``json.dumps(value,
    separators=(",", ":"))`` writes it."""
    return _ENCODER.encode(value)


def string(text: str) -> str:
    """``text`` as a JSON string literal, quotes included, exactly as :func:`compact`
    writes it: for JSON written around known fields on the challenge path, where the
    generic encoder costs more than the rest of the text."""
    return encode_basestring_ascii(text)
