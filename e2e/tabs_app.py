"""The plain ASGI example app for the several-tabs suite (e2e/test_tabs.py).

As the example app, plus ``/slow/*``: a managed challenge whose proof-of-work takes a
real browser minutes, so a tab there can only get through by noticing that another tab
earned the clearance. The per-solve signal log goes to stdout, as in detection_app.py.
"""

from __future__ import annotations

import dataclasses
import logging
import sys

from humangate import Difficulty, Rule
from humangate.asgi import HumanGate
from integrations.asgi_plain.app import site
from integrations.settings import config_from_environment

SLOW_BITS = 30  # ~2**30 hashes: minutes for one tab of a 2-core machine

_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
_signals = logging.getLogger("humangate.signals")
_signals.addHandler(_handler)
_signals.setLevel(logging.INFO)

_base = config_from_environment()
_slow = Rule(
    'starts_with(http.request.uri.path, "/slow/")', "managed_challenge", difficulty=SLOW_BITS
)
application = HumanGate(
    site,
    dataclasses.replace(
        _base,
        rules=[*_base.rules, _slow],
        difficulty=Difficulty(
            js_challenge=16, managed_challenge=16, challenge=16, ceiling=SLOW_BITS
        ),
    ),
)
