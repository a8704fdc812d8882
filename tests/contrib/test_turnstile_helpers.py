"""The framework helpers for the widget: Django field, Flask helpers, WTForms field and
FastAPI dependency, each against a real token from an in-process gate."""

from __future__ import annotations

import flask
import httpx
import pytest
from django import forms
from fastapi import Depends, FastAPI
from werkzeug.datastructures import MultiDict
from wtforms import Form

from humangate.contrib.django.turnstile import TurnstileField as DjangoTurnstileField
from humangate.contrib.fastapi import Turnstile
from humangate.contrib.turnstile_flask import turnstile_required, turnstile_widget, verify_request
from humangate.contrib.wtforms import TurnstileField as WTFormsTurnstileField
from humangate.turnstile.forms import widget_html
from humangate.turnstile.siteverify import SiteverifyResult
from tests.support import WSGIClient
from tests.turnstile.support import SITEKEY, WIDGET_SECRET, gate, widget_token


@pytest.fixture
def browser() -> WSGIClient:
    return WSGIClient(gate())  # building the gate registers its secrets in this process


def test_widget_markup_is_cloudflares_with_humangates_script() -> None:
    markup = widget_html(SITEKEY, action="login", theme="dark", response_field_name="x")
    assert markup == (
        f'<div class="cf-turnstile" data-sitekey="{SITEKEY}" data-action="login" '
        'data-theme="dark" data-response-field-name="x"></div>'
        '<script src="/.humangate/turnstile/v0/api.js" async defer></script>'
    )
    assert "&lt;" in widget_html(SITEKEY, action="<x>")


# -- Django ----------------------------------------------------------------------------------


class SignUp(forms.Form):
    email = forms.EmailField()
    human = DjangoTurnstileField(sitekey=SITEKEY, secret=WIDGET_SECRET, action="signup")


def test_django_field_renders_and_verifies_once(browser: WSGIClient) -> None:
    assert 'class="cf-turnstile"' in str(SignUp()["human"])
    token = widget_token(browser, a="signup")
    data = {"email": "a@example.org", "cf-turnstile-response": token}
    form = SignUp(data)
    assert form.is_valid(), form.errors
    again = SignUp(data)
    assert not again.is_valid()
    assert again.errors["human"] == [
        "The check that you are a person did not pass; please try again."
    ]


def test_django_field_requires_the_token_and_the_action(browser: WSGIClient) -> None:
    assert SignUp({"email": "a@example.org"}).errors["human"][0].startswith("Please complete")
    token = widget_token(browser, a="login")
    form = SignUp({"email": "a@example.org", "cf-turnstile-response": token})
    assert not form.is_valid()
    assert form.fields["human"].result.error_codes == ("action-mismatch",)  # type: ignore[attr-defined]


# -- Flask and WTForms -----------------------------------------------------------------------


def flask_app() -> flask.Flask:
    app = flask.Flask(__name__)

    @app.post("/check")
    def check() -> dict[str, object]:
        result = verify_request(secret=WIDGET_SECRET)
        return {"success": result.success, "codes": list(result.error_codes)}

    @app.post("/guarded")
    @turnstile_required(secret=WIDGET_SECRET, action="comment")
    def guarded() -> str:
        return "posted"

    @app.get("/form")
    def form() -> str:
        return str(turnstile_widget(SITEKEY, action="comment"))

    return app


def test_flask_helpers(browser: WSGIClient) -> None:
    client = flask_app().test_client()
    remote = {"REMOTE_ADDR": browser.ip}
    assert 'data-action="comment"' in client.get("/form").text
    token = widget_token(browser)
    assert client.post(
        "/check", data={"cf-turnstile-response": token}, environ_base=remote
    ).json == {
        "success": True,
        "codes": [],
    }
    again = client.post("/check", data={"cf-turnstile-response": token}, environ_base=remote)
    assert again.json == {"success": False, "codes": ["timeout-or-duplicate"]}
    assert client.post("/guarded", data={}).status_code == 403
    token = widget_token(browser, a="comment")
    answer = client.post("/guarded", data={"cf-turnstile-response": token}, environ_base=remote)
    assert answer.text == "posted"


def test_flask_binds_the_check_to_the_client(browser: WSGIClient) -> None:
    client = flask_app().test_client()
    token = widget_token(browser)
    answer = client.post(
        "/check", data={"cf-turnstile-response": token}, environ_base={"REMOTE_ADDR": "203.0.113.4"}
    )
    assert answer.json == {"success": False, "codes": ["invalid-input-response"]}


class Comment(Form):
    human = WTFormsTurnstileField(sitekey=SITEKEY, secret=WIDGET_SECRET, action="comment")


def test_wtforms_field(browser: WSGIClient) -> None:
    assert 'data-action="comment"' in Comment().human()
    token = widget_token(browser, a="comment")
    form = Comment(MultiDict({"cf-turnstile-response": token}))
    assert form.validate(), form.errors
    assert form.human.result.hostname == "testserver"
    assert not Comment(MultiDict({"cf-turnstile-response": token})).validate()
    assert not Comment(MultiDict({})).validate()


# -- FastAPI ---------------------------------------------------------------------------------


def fastapi_app() -> FastAPI:
    app = FastAPI()

    @app.post("/signup")
    async def signup(
        human: SiteverifyResult = Depends(Turnstile(secret=WIDGET_SECRET, action="signup")),  # noqa: B008
    ) -> dict[str, object]:
        return {"hostname": human.hostname}

    return app


async def test_fastapi_dependency(browser: WSGIClient) -> None:
    transport = httpx.ASGITransport(app=fastapi_app(), client=(browser.ip or "", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        token = widget_token(browser, a="signup")
        answer = await client.post("/signup", data={"cf-turnstile-response": token})
        assert answer.json() == {"hostname": "testserver"}
        again = await client.post("/signup", data={"cf-turnstile-response": token})
        assert again.status_code == 403
        assert again.json() == {"detail": {"error-codes": ["timeout-or-duplicate"]}}
        token = widget_token(browser, a="signup")
        by_header = await client.post("/signup", headers={"cf-turnstile-response": token})
        assert by_header.status_code == 200
        assert (await client.post("/signup", data={})).status_code == 403
