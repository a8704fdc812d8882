"""Moved to :mod:`humangate.crypto.tickets`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.crypto import tickets as _moved
from humangate.crypto.tickets import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
