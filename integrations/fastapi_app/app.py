"""FastAPI behind humangate: ``uvicorn integrations.fastapi_app.app:application``.

The gate is a pure ASGI middleware (``add_middleware``); endpoints read the visitor's
clearance through a dependency. ``/open/spa`` (allowed by the demo rules) is a page whose
script calls the challenged ``/api/data`` through the SPA helper.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, PlainTextResponse

from humangate.asgi import HumanGate
from humangate.clearance import Clearance
from humangate.contrib.starlette import clearance, require_level
from integrations import jsd_pages
from integrations.settings import config_from_environment, record_hit

Cleared = Annotated[Clearance | None, Depends(clearance)]


def record(request: Request) -> None:
    # Server-side proof for the browser tests. A route dependency, not a middleware:
    # middleware added after the gate would sit outside it and see challenged requests.
    query = request.url.query
    record_hit(request.url.path + ("?" + query if query else ""))


application = FastAPI(dependencies=[Depends(record)])
application.add_middleware(HumanGate, config=config_from_environment())

SPA_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>SPA example</title>
<script src="/.humangate/static/spa.js"></script></head>
<body><h1>Orders</h1><p id="result" role="status">Loading…</p>
<script>
humangate.fetch("/api/data?from=spa", { headers: { accept: "application/json" } })
  .then((response) => response.json())
  .then((data) => {
    document.getElementById("result").textContent = data.ok ? "Loaded" : "Failed";
    return fetch("/open/spa-result?ok=" + (data.ok ? 1 : 0));
  });
</script></body></html>
"""


@application.get("/healthz", response_class=PlainTextResponse)
def healthz() -> str:
    return "ok"


@application.get("/open/spa", response_class=HTMLResponse)
def spa() -> str:
    return SPA_PAGE


@application.get("/open/spa-result", response_class=PlainTextResponse)
def spa_result() -> str:
    return "noted"


@application.get("/api/data")
def data(seen: Cleared) -> dict[str, Any]:
    return {"ok": True, "level": seen.level.label if seen else None}


@application.get("/account", dependencies=[Depends(require_level("managed"))])
def account() -> dict[str, bool]:
    return {"ok": True}


@application.get("/jsd/status")
def jsd_status(seen: Cleared) -> PlainTextResponse:
    return PlainTextResponse(jsd_pages.status(seen, time.time()), media_type="application/json")


@application.post("/csp-report")
async def csp_report(request: Request) -> PlainTextResponse:
    record_hit(jsd_pages.report_line(await request.body()))
    return PlainTextResponse("", status_code=204)


@application.get("/jsd/{kind}", response_class=HTMLResponse)
def jsd_page(kind: str) -> HTMLResponse:
    # A strict CSP: a nonce with 'strict-dynamic' (the tag must carry the page's nonce).
    body, header = jsd_pages.page(kind, strict_dynamic=True)
    return HTMLResponse(body, headers={"content-security-policy": header})


@application.get("/{path:path}", response_class=HTMLResponse)
def page(path: str, seen: Cleared) -> str:
    level = seen.level.label if seen else "none"
    return f"<!DOCTYPE html><title>FastAPI example</title><h1>Welcome</h1><p>level {level}</p>"
