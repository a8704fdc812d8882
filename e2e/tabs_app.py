"""The plain ASGI example app for the several-tabs suite (e2e/test_tabs.py).

As the example app, plus ``/button/*``: an interactive challenge, so every tab there
waits for a person's press; a background tab (which gets no key press) can only get
through by noticing that another tab earned the clearance. The per-solve signal log goes
to stdout, as in detection_app.py.
"""

from __future__ import annotations

import dataclasses
import logging
import sys

from humangate import Difficulty, Rule
from humangate.asgi import HumanGate
from integrations.asgi_plain.app import site
from integrations.settings import config_from_environment

_handler = logging.StreamHandler(sys.stdout)
_handler.setFormatter(logging.Formatter("%(name)s %(message)s"))
_signals = logging.getLogger("humangate.signals")
_signals.addHandler(_handler)
_signals.setLevel(logging.INFO)

_base = config_from_environment()
_button = Rule('starts_with(http.request.uri.path, "/button/")', "challenge")
application = HumanGate(
    site,
    dataclasses.replace(
        _base,
        rules=[*_base.rules, _button],
        difficulty=Difficulty(js_challenge=16, managed_challenge=16, challenge=16),
    ),
)
