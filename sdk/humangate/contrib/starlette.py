"""Starlette and FastAPI: the ASGI gate as middleware, and the clearance for endpoints.

    from fastapi import Depends, FastAPI
    from humangate.adapters.asgi import HumanGate
    from humangate.contrib.starlette import clearance, install, require_level

    app = FastAPI()
    app.add_middleware(HumanGate, config=Config(secret_keys=[...]))
    install(app)   # require_level answers with the challenge page / JSON problem

    @app.get("/me")
    def me(seen: Clearance | None = Depends(clearance)): ...

    @app.get("/admin", dependencies=[Depends(require_level("interactive"))])
    def admin(): ...

``HumanGate(app, config)`` is a pure ASGI middleware, which is what Starlette's
``Middleware(cls, *args, **kwargs)`` builds: the app first, options by keyword.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response as StarletteResponse

from humangate.adapters.asgi import CLEARANCE_KEY, GATE_KEY
from humangate.adapters.gate import GateCore
from humangate.crypto.clearance import Clearance
from humangate.decorators import challenge_action
from humangate.effects import run_async
from humangate.engine import Answer
from humangate.http.request import Request as NeutralRequest
from humangate.http.response import Response
from humangate.levels import Level


def clearance(request: HTTPConnection) -> Clearance | None:
    """The visitor's clearance (level, bot score), or None where none was required.

    Usable as a FastAPI dependency (``Depends(clearance)``) or called with a Starlette
    ``Request``/``WebSocket``.
    """
    value = request.scope.get(CLEARANCE_KEY)
    return value if isinstance(value, Clearance) else None


class ChallengeRequired(HTTPException):
    """Raised by :func:`require_level`: the visitor must pass the gate's challenge.

    With :func:`install` (``app.add_exception_handler``) the answer is the gate's own:
    the challenge page for browsers, a JSON problem for API clients, both with
    ``cf-mitigated: challenge``. Without it, Starlette's default handler still sends
    the status, ``cf-mitigated: challenge`` and a JSON ``detail``.
    """

    def __init__(self, response: Response) -> None:
        headers = {name: value for name, value in response.headers if name.lower() != "set-cookie"}
        super().__init__(response.status, detail="challenge required", headers=headers)
        self.response = response


async def challenge_response(request: HTTPConnection, exc: Exception) -> StarletteResponse:
    """The exception handler for :class:`ChallengeRequired` (see :func:`install`)."""
    assert isinstance(exc, ChallengeRequired)
    answer = exc.response
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers]
    response = StarletteResponse(answer.body, status_code=answer.status)
    response.raw_headers = [*(h for h in response.raw_headers if h[0] != b"content-type"), *raw]
    return response


def install(app: Starlette) -> None:
    """Let :func:`require_level` answer with the gate's challenge page or JSON problem."""
    app.add_exception_handler(ChallengeRequired, challenge_response)


def require_level(
    level: str | Level, *, status_code: int = 403
) -> Callable[[HTTPConnection], Awaitable[Clearance]]:
    """A dependency that challenges visitors whose clearance is below ``level``.

    The gate already challenges by rule; this is for endpoints that need more than the
    rule asked for (e.g. an interactive clearance before a payment form). Below the
    level it raises :class:`ChallengeRequired`; without the gate in front of the app it
    refuses with ``status_code``.
    """
    required = level if isinstance(level, Level) else Level.from_label(level)
    action = challenge_action(required.label)

    async def dependency(request: HTTPConnection) -> Clearance:
        seen = clearance(request)
        if seen is not None and seen.level >= required:
            return seen
        gate = request.scope.get(GATE_KEY)
        if not isinstance(gate, GateCore) or not isinstance(request, Request):
            raise HTTPException(status_code, detail=f"a {required.label} clearance is required")
        neutral = _neutral(request)
        body = request.body

        async def read_body(limit: int) -> bytes:
            # A form POST is held (bounded) and sent again after the challenge.
            return (await body())[: limit + 1]

        flow = gate.engine.require(neutral, action, rule=request.url.path)
        outcome = await run_async(flow, gate.store, read_body)
        if not isinstance(outcome, Answer):
            assert isinstance(outcome.clearance, Clearance)
            return outcome.clearance
        raise ChallengeRequired(outcome.response)

    return dependency


def _neutral(request: HTTPConnection) -> NeutralRequest:
    scope = request.scope
    client = scope.get("client")
    raw_path = scope.get("raw_path")
    return NeutralRequest(
        method=str(scope.get("method", "GET")).upper(),
        path=scope.get("root_path", "") + scope.get("path", "/"),
        query=bytes(scope.get("query_string", b"")).decode("latin-1"),
        headers=tuple(
            (k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in request.headers.raw
        ),
        peer=str(client[0]) if client else None,
        scheme=scope.get("scheme", "http"),
        raw_path=bytes(raw_path).decode("latin-1") if raw_path else "",
    )
