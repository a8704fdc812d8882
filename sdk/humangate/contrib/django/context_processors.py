"""Template context: the visitor's clearance and the page's CSP nonce.

Add ``"humangate.contrib.django.context_processors.humangate"`` to the template
``context_processors`` to get ``humangate_clearance`` and ``humangate_csp_nonce``.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from humangate.contrib.django.middleware import clearance_of
from humangate.crypto.clearance import Clearance


def csp_nonce(request: HttpRequest) -> str:
    """The host's CSP nonce for this page (django-csp / Django's ``request.csp_nonce``).

    We never invent one: a nonce only works if the host puts it in its own header.
    """
    value = getattr(request, "csp_nonce", None)
    if value is None:
        return ""
    # django-csp 4's nonce is a lazy object that is falsy until read, and reading it is
    # what puts the nonce into the header: so read it, never test it.
    return str(value)


def humangate(request: HttpRequest) -> dict[str, Any]:
    seen: Clearance | None = clearance_of(request)
    # Lazy: a page that never prints the nonce must not make django-csp send one.
    nonce = SimpleLazyObject(lambda: csp_nonce(request))
    return {"humangate_clearance": seen, "humangate_csp_nonce": nonce}
