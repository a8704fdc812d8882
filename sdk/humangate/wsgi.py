"""Moved to :mod:`humangate.adapters.wsgi`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.adapters import wsgi as _moved
from humangate.adapters.wsgi import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
