"""humangate: a self-hosted challenge platform for Python web apps.

from humangate import Config, Rule
from humangate.wsgi import HumanGate   # or humangate.asgi
"""

from __future__ import annotations

from humangate.clearance import Binding
from humangate.config import Config, Rule
from humangate.errors import ConfigError, ExpressionError, HumanGateError, StoreError
from humangate.levels import Action, Level

__all__ = [
    "Action",
    "Binding",
    "Config",
    "ConfigError",
    "ExpressionError",
    "HumanGateError",
    "Level",
    "Rule",
    "StoreError",
]
__version__ = "0.1.0"
