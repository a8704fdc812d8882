"""Moved to :mod:`humangate.crypto.pow`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.crypto import pow as _moved
from humangate.crypto.pow import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
