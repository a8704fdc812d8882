"""Starlette/FastAPI: add_middleware with the pure ASGI gate, and the clearance dependency."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from humangate import Config
from humangate.asgi import HumanGate
from humangate.clearance import Clearance
from humangate.contrib.starlette import clearance, install, require_level
from humangate.testing import clearance_cookie
from tests.conftest import BROWSER_UA, SECRET
from tests.support import challenge_data, solution

Cleared = Annotated[Clearance | None, Depends(clearance)]

CONFIG = Config(secret_keys=[SECRET], store="memory://", difficulty=8)
PEER = ("198.51.100.7", 1234)


def client_for(app: Any, accept: str = "text/html") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=PEER),
        base_url="http://testserver",
        headers={"user-agent": BROWSER_UA, "accept": accept},
    )


def fastapi_app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(HumanGate, config=CONFIG)

    @app.get("/me")
    def me(seen: Cleared) -> dict[str, Any]:
        return {"level": seen.level.label if seen else None, "score": seen.score if seen else None}

    @app.get("/admin", dependencies=[Depends(require_level("interactive"))])
    def admin() -> dict[str, bool]:
        return {"ok": True}

    return app


async def test_fastapi_add_middleware_challenges_then_the_dependency_sees_the_level() -> None:
    async with client_for(fastapi_app()) as client:
        page = await client.get("/me")
        assert page.status_code == 403 and page.headers["cf-mitigated"] == "challenge"
        data = challenge_data(page.content)
        solved = await client.post(
            data["solve_url"], content=solution(data), headers={"content-type": "application/json"}
        )
        assert solved.status_code == 200
        me = await client.get("/me")
        assert me.json() == {"level": "managed", "score": 99}


async def test_fastapi_json_clients_get_a_problem() -> None:
    async with client_for(fastapi_app(), accept="application/json") as client:
        answer = await client.get("/me")
        assert answer.status_code == 403
        assert answer.headers["content-type"] == "application/problem+json"


async def test_require_level_refuses_a_lower_clearance() -> None:
    async with client_for(fastapi_app()) as client:
        name, value = clearance_cookie(CONFIG, ip=PEER[0], user_agent=BROWSER_UA)
        client.cookies.set(name, value)
        assert (await client.get("/me")).status_code == 200
        assert (await client.get("/admin")).status_code == 403
        high = clearance_cookie(CONFIG, ip=PEER[0], user_agent=BROWSER_UA, level="interactive")
        client.cookies.set(*high)
        assert (await client.get("/admin")).json() == {"ok": True}


async def test_starlette_middleware_list() -> None:
    async def home(request: Request) -> PlainTextResponse:
        seen = clearance(request)
        return PlainTextResponse(seen.level.label if seen else "none")

    app = Starlette(routes=[Route("/", home)], middleware=[Middleware(HumanGate, config=CONFIG)])
    async with client_for(app) as client:
        assert (await client.get("/")).status_code == 403
        client.cookies.set(*clearance_cookie(CONFIG, ip=PEER[0], user_agent=BROWSER_UA))
        assert (await client.get("/")).text == "managed"


def installed_app() -> FastAPI:
    app = fastapi_app()
    install(app)
    return app


async def test_require_level_answers_with_the_challenge_page() -> None:
    async with client_for(installed_app()) as client:
        client.cookies.set(*clearance_cookie(CONFIG, ip=PEER[0], user_agent=BROWSER_UA))
        page = await client.get("/admin")
        assert page.status_code == 403
        assert page.headers["cf-mitigated"] == "challenge"
        assert page.headers["content-type"].startswith("text/html")
        data = challenge_data(page.content)
        assert data["level"] == "interactive"


async def test_require_level_answers_api_clients_with_a_problem() -> None:
    async with client_for(installed_app(), accept="application/json") as client:
        client.cookies.set(*clearance_cookie(CONFIG, ip=PEER[0], user_agent=BROWSER_UA))
        answer = await client.get("/admin")
        assert answer.status_code == 403
        assert answer.headers["cf-mitigated"] == "challenge"
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"].startswith("urn:humangate:problem:")


async def test_require_level_without_install_still_says_challenge() -> None:
    async with client_for(fastapi_app()) as client:
        client.cookies.set(*clearance_cookie(CONFIG, ip=PEER[0], user_agent=BROWSER_UA))
        answer = await client.get("/admin")
        assert answer.status_code == 403
        assert answer.headers["cf-mitigated"] == "challenge"  # not a bare 403
