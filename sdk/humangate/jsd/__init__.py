"""JavaScript Detections: a silent check on every HTML page (docs/js-detections.md).

Pure parts, no I/O: :mod:`.decide` (which responses get the script), :mod:`.csp` (how
the script tag fits the response's Content-Security-Policy), :mod:`.inject` (the
streaming injector) and :mod:`.response` (the app's response held while it decides, the
state machine every adapter feeds). The endpoint the script posts to is
:mod:`humangate.engine.jsd`.
"""

from __future__ import annotations

from humangate.jsd.csp import Placement, placement
from humangate.jsd.decide import INJECTED_STATUSES, request_skip, response_skip
from humangate.jsd.inject import Injector, script_tag

__all__ = [
    "INJECTED_STATUSES",
    "Injector",
    "Placement",
    "placement",
    "request_skip",
    "response_skip",
    "script_tag",
]

LIFESPAN = 15 * 60
"""Seconds a detection result counts for (Cloudflare's 15 minutes)."""
