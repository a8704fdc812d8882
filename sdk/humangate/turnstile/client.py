"""``humangate.turnstile.verify``: redeem a widget token from Python.

In the process that serves the widget (a WSGI/ASGI app wrapped by humangate, or the
Django middleware), ``verify`` checks the token directly with that gate's store: no
HTTP hop. Elsewhere, give the siteverify URL (``url=`` or ``HUMANGATE_SITEVERIFY_URL``)
and it POSTs there, as any Turnstile client would.
"""

from __future__ import annotations

import asyncio
import json
import os
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlencode

from humangate.effects import run_sync
from humangate.stores.base import Store
from humangate.turnstile.siteverify import (
    INTERNAL_ERROR,
    INVALID_SECRET,
    Siteverifier,
    SiteverifyResult,
    VerifyRequest,
    failure,
    precheck,
)

URL_ENV = "HUMANGATE_SITEVERIFY_URL"

_lock = threading.Lock()
# Secret -> the verifier of the gate that owns it and that gate's store (lazily opened).
_gates: dict[str, tuple[Siteverifier, Callable[[], Store]]] = {}


class NoSiteverify(LookupError):
    """Neither a gate in this process nor a siteverify URL can check this secret."""


def register(secrets: tuple[str, ...], verifier: Siteverifier, store: Callable[[], Store]) -> None:
    """Make this process's ``verify`` use ``verifier`` for ``secrets`` (the newest gate
    built for a secret wins, e.g. after a reload)."""
    with _lock:
        for secret in secrets:
            _gates[secret] = (verifier, store)


def verify(
    token: str,
    *,
    secret: str,
    remoteip: str | None = None,
    idempotency_key: str | None = None,
    url: str | None = None,
    timeout: float = 10.0,
) -> SiteverifyResult:
    """Redeem ``token``; the answer siteverify would give (``result.success``)."""
    request = VerifyRequest(secret or "", token or "", remoteip or "", idempotency_key or "")
    url = url or os.environ.get(URL_ENV) or None
    if url is not None:
        return _remote(url, request, timeout)
    early = precheck(request, time.time())
    if early is not None:
        return early
    with _lock:
        found = _gates.get(request.secret)
        any_gate = bool(_gates)
    if found is not None:
        verifier, store = found
        return run_sync(verifier.verify(request), store())
    if any_gate:
        return failure(INVALID_SECRET)
    raise NoSiteverify(
        "no humangate gate in this process knows this secret: wrap the app that serves the "
        f"widget, or pass url= (or set ${URL_ENV}) to verify against a remote humangate"
    )


async def averify(
    token: str,
    *,
    secret: str,
    remoteip: str | None = None,
    idempotency_key: str | None = None,
    url: str | None = None,
    timeout: float = 10.0,
) -> SiteverifyResult:
    """:func:`verify` for async code (the store or HTTP call runs in a thread)."""
    return await asyncio.to_thread(
        verify,
        token,
        secret=secret,
        remoteip=remoteip,
        idempotency_key=idempotency_key,
        url=url,
        timeout=timeout,
    )


def _remote(url: str, request: VerifyRequest, timeout: float) -> SiteverifyResult:
    fields = {
        "secret": request.secret,
        "response": request.response,
        **({"remoteip": request.remoteip} if request.remoteip else {}),
        **({"idempotency_key": request.idempotency_key} if request.idempotency_key else {}),
    }
    http = urllib.request.Request(  # noqa: S310 - the owner's configured http(s) URL
        url,
        data=urlencode(fields).encode(),
        headers={"content-type": "application/x-www-form-urlencoded"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(http, timeout=timeout) as answer:  # noqa: S310
            data = json.loads(answer.read(64 * 1024))
    except urllib.error.HTTPError as exc:
        try:
            data = json.loads(exc.read(64 * 1024))
        except ValueError:
            return failure(INTERNAL_ERROR)
    except (OSError, ValueError):
        return failure(INTERNAL_ERROR)  # unreachable or not JSON: retryable, never a pass
    return SiteverifyResult.from_json(data) if isinstance(data, dict) else failure(INTERNAL_ERROR)
