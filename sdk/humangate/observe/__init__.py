"""Observability: shared analytics, Prometheus metrics and the dashboard.

:class:`Analytics` (:mod:`.analytics`) is what the engine holds: an observer that counts
decisions (see :mod:`.recorder`) and the two protected endpoints that read them back
(see :mod:`.summary`, :mod:`.metrics`, :mod:`.dashboard`).
"""

from __future__ import annotations

from humangate.observe.analytics import Analytics
from humangate.observe.recorder import Recorder

__all__ = ["Analytics", "Recorder"]
