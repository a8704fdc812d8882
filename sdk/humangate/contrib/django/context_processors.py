"""Template context: the visitor's clearance and the page's CSP nonce.

Add ``"humangate.contrib.django.context_processors.humangate"`` to the template
``context_processors`` to get ``humangate_clearance`` and ``humangate_csp_nonce``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from humangate.contrib.django.middleware import clearance_of
from humangate.crypto.clearance import Clearance


def csp_nonce(request: HttpRequest) -> str:
    """The host's CSP nonce for this page (django-csp / Django's ``request.csp_nonce``).

    We never invent one: a nonce only works if the host puts it in its own header.
    """
    value = getattr(request, "csp_nonce", None)
    return str(value) if value else ""


def humangate(request: HttpRequest) -> dict[str, Any]:
    seen: Clearance | None = clearance_of(request)
    return {"humangate_clearance": seen, "humangate_csp_nonce": csp_nonce(request)}
