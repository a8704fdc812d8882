"""Moved to :mod:`humangate.crypto.tokens`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.crypto import tokens as _moved
from humangate.crypto.tokens import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
