"""The plain ASGI example app with humangate's per-solve signal log on stdout.

The detection suite reads ``humangate.signals`` lines ("solve ray=... hard=... soft=...")
from the server log to report which checks fired for whom.
"""

from __future__ import annotations

import logging
import sys

from integrations.asgi_plain.app import application

_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
_signals = logging.getLogger("humangate.signals")
_signals.addHandler(_handler)
_signals.setLevel(logging.INFO)

__all__ = ["application"]
