"""humangate: a self-hosted challenge platform for Python web apps.

from humangate import Config, Rule
from humangate.adapters.wsgi import HumanGate   # or humangate.adapters.asgi
"""

from __future__ import annotations

from humangate.config import Config, IPAccessRule, RateLimit, Rule
from humangate.crypto.clearance import Binding
from humangate.difficulty import Difficulty
from humangate.errors import ConfigError, ExpressionError, HumanGateError, StoreError
from humangate.levels import Action, Level

__all__ = [
    "Action",
    "Binding",
    "Config",
    "ConfigError",
    "Difficulty",
    "ExpressionError",
    "HumanGateError",
    "IPAccessRule",
    "Level",
    "RateLimit",
    "Rule",
    "StoreError",
]
__version__ = "0.1.0"
