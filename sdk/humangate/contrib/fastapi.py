"""A FastAPI dependency for the Turnstile-compatible widget.

    from humangate.contrib.fastapi import Turnstile

    @app.post("/signup")
    async def signup(human = Depends(Turnstile(secret=WIDGET_SECRET, action="signup"))):
        ...  # only reached with a valid token; human is the siteverify result

It reads the ``cf-turnstile-response`` form field (or a ``cf-turnstile-response``
header, for fetch() callers) and answers 403 otherwise. Form parsing needs
``python-multipart``, as FastAPI's own form support does.
"""

from __future__ import annotations

from fastapi import HTTPException, Request

from humangate.turnstile.client import averify
from humangate.turnstile.forms import ACTION_MISMATCH, RESPONSE_FIELD
from humangate.turnstile.siteverify import SiteverifyResult


class Turnstile:
    def __init__(self, *, secret: str, action: str | None = None, url: str | None = None) -> None:
        self.secret = secret
        self.action = action
        self.url = url

    async def __call__(self, request: Request) -> SiteverifyResult:
        token = request.headers.get(RESPONSE_FIELD)
        if token is None and request.method == "POST":
            form = await request.form()
            value = form.get(RESPONSE_FIELD)
            token = value if isinstance(value, str) else None
        client = request.client.host if request.client else None
        result = await averify(token or "", secret=self.secret, remoteip=client, url=self.url)
        if result.success and self.action is not None and result.action != self.action:
            result = SiteverifyResult(False, (ACTION_MISMATCH,))
        if not result.success:
            raise HTTPException(403, {"error-codes": list(result.error_codes)})
        return result
