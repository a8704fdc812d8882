"""Moved to :mod:`humangate.config.startup`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.config import startup as _moved
from humangate.config.startup import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
