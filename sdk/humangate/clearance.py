"""Moved to :mod:`humangate.crypto.clearance`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.crypto import clearance as _moved
from humangate.crypto.clearance import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
