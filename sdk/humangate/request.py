"""Moved to :mod:`humangate.http.request`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.http import request as _moved
from humangate.http.request import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
