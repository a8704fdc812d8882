"""humangate's settings: :class:`Config` and the owner's rules, as validated data.

``Config(...)`` for settings in code; ``Config.from_env()`` and ``Config.from_toml()``
to read the ``HUMANGATE_*`` variables and files (see :mod:`.environment`).
"""

from __future__ import annotations

from humangate.config.rules import (
    IP_ACCESS_MODES,
    RATE_LIMIT_ACTIONS,
    SKIP_TARGETS,
    IPAccessRule,
    RateLimit,
    Rule,
)
from humangate.config.settings import SECRET_ENV, Config, default_store

__all__ = [
    "IP_ACCESS_MODES",
    "RATE_LIMIT_ACTIONS",
    "SECRET_ENV",
    "SKIP_TARGETS",
    "Config",
    "IPAccessRule",
    "RateLimit",
    "Rule",
    "default_store",
]
