"""Moved to :mod:`humangate.engine.solve`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.engine import solve as _moved
from humangate.engine.solve import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
