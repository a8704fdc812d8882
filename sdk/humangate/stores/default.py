"""The store a Config gets when it names none: one SQLite file per application.

Several apps on one machine must not share counters or spent tickets by accident, so
the file is named after the app's working directory (and the user it runs as), in the
system temp directory where any user may create it. Production deployments should
still name a persistent, private path.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path


def default_store_path(cwd: str | None = None) -> Path:
    """``<tempdir>/humangate-<dir name>-<hash>.sqlite3`` for this working directory."""
    directory = os.path.abspath(cwd if cwd is not None else os.getcwd())
    uid = os.getuid() if hasattr(os, "getuid") else 0
    digest = hashlib.sha256(f"{uid}\0{directory}".encode()).hexdigest()[:12]
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", os.path.basename(directory))[:40].strip("-.")
    stem = f"humangate-{name}-{digest}" if name else f"humangate-{digest}"
    return Path(tempfile.gettempdir()) / f"{stem}.sqlite3"


def default_store(cwd: str | None = None) -> str:
    """The default ``store`` URI (see :func:`default_store_path`)."""
    return f"sqlite:///{default_store_path(cwd)}"
