"""Moved to :mod:`humangate.decorators`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate import decorators as _moved
from humangate.decorators import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
