"""Moved to :mod:`humangate.engine.unavailable`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.engine import unavailable as _moved
from humangate.engine.unavailable import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
