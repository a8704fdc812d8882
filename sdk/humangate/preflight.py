"""Moved to :mod:`humangate.http.preflight`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.http import preflight as _moved
from humangate.http.preflight import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
