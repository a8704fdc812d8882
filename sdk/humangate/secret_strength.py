"""Moved to :mod:`humangate.config.secret_strength`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.config import secret_strength as _moved
from humangate.config.secret_strength import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
