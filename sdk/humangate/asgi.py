"""Moved to :mod:`humangate.adapters.asgi`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.adapters import asgi as _moved
from humangate.adapters.asgi import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
