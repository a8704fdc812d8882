"""Starlette and FastAPI: the ASGI gate as middleware, and the clearance for endpoints.

    from fastapi import Depends, FastAPI
    from humangate.adapters.asgi import HumanGate
    from humangate.contrib.starlette import clearance, require_level

    app = FastAPI()
    app.add_middleware(HumanGate, config=Config(secret_keys=[...]))

    @app.get("/me")
    def me(seen: Clearance | None = Depends(clearance)): ...

    @app.get("/admin", dependencies=[Depends(require_level("interactive"))])
    def admin(): ...

``HumanGate(app, config)`` is a pure ASGI middleware, which is what Starlette's
``Middleware(cls, *args, **kwargs)`` builds: the app first, options by keyword.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection

from humangate.adapters.asgi import CLEARANCE_KEY
from humangate.crypto.clearance import Clearance
from humangate.levels import Level


def clearance(request: HTTPConnection) -> Clearance | None:
    """The visitor's clearance (level, bot score), or None where none was required.

    Usable as a FastAPI dependency (``Depends(clearance)``) or called with a Starlette
    ``Request``/``WebSocket``.
    """
    value = request.scope.get(CLEARANCE_KEY)
    return value if isinstance(value, Clearance) else None


def require_level(
    level: str | Level, *, status_code: int = 403
) -> Callable[[HTTPConnection], Clearance]:
    """A dependency that refuses visitors whose clearance is below ``level``.

    The gate already challenges by rule; this is for endpoints that need more than the
    rule asked for (e.g. an interactive clearance before a payment form).
    """
    required = level if isinstance(level, Level) else Level.from_label(level)

    def dependency(request: HTTPConnection) -> Clearance:
        seen = clearance(request)
        if seen is None or seen.level < required:
            raise HTTPException(status_code, detail=f"a {required.label} clearance is required")
        return seen

    return dependency
