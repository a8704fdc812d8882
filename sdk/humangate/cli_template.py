"""Moved to :mod:`humangate.cli.template`; this old import path keeps working."""

from __future__ import annotations

import sys

from humangate.cli import template as _moved
from humangate.cli.template import *  # noqa: F403 - the names, for type checkers

sys.modules[__name__] = _moved  # the same module object: private names, patches
