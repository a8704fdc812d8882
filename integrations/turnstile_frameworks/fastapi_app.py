"""FastAPI with the widget: ``HUMANGATE_DEV_MODE=1 uvicorn
integrations.turnstile_frameworks.fastapi_app:application``; open http://127.0.0.1:8000/."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse

from humangate.asgi import HumanGate
from humangate.contrib.fastapi import Turnstile
from humangate.turnstile.forms import widget_html
from humangate.turnstile.siteverify import SiteverifyResult
from integrations.turnstile_frameworks.keys import SECRET, SITEKEY, config

app = FastAPI()
Human = Annotated[SiteverifyResult, Depends(Turnstile(secret=SECRET, action="signup"))]


@app.get("/", response_class=HTMLResponse)
async def signup_page() -> str:
    return (
        '<!DOCTYPE html><title>Sign up</title><form method="post" action="/signup">'
        '<input name="email" value="person@example.org">'
        f"{widget_html(SITEKEY, action='signup')}<button>Sign up</button></form>"
    )


@app.post("/signup")
async def signup(human: Human) -> dict[str, str]:
    return {"welcome": "signed up", "verified_for": human.hostname or ""}


application = HumanGate(app, config())
