"""Moved to :mod:`humangate.adapters.gate`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.adapters import gate as _moved
from humangate.adapters.gate import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
