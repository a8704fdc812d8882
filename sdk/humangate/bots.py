"""Moved to :mod:`humangate.client.bots`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.client import bots as _moved
from humangate.client.bots import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
