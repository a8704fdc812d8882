"""Compact JSON text: what tokens, answers, pages and events write.

One encoder, made once: ``json.dumps`` with any non-default option builds a new encoder
on every call, which the challenge answer's several encodings paid each time.
"""

from __future__ import annotations

import json
from typing import Any

_ENCODER = json.JSONEncoder(separators=(",", ":"))


def compact(value: Any) -> str:
    """``value`` as JSON without spaces (ASCII only), as ``json.dumps(value,
    separators=(",", ":"))`` writes it."""
    return _ENCODER.encode(value)
