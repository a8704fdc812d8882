"""Held form POSTs with the frameworks' own CSRF protection in place: a same-origin form
still goes through after the check, a cross-site one never reaches the view, and the
replay never stands in for the CSRF token (Django CsrfViewMiddleware, Flask-WTF)."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client, override_settings
from flask import Flask, request
from flask.testing import FlaskClient
from flask_wtf.csrf import CSRFProtect, generate_csrf

from humangate.contrib.flask import HumanGate
from tests.conftest import BROWSER_UA, SECRET
from tests.support import challenge_data, solution

FIELD = re.compile(r'name="(humangate-envelope|humangate-body)" value="([^"]*)"')
FORM = "application/x-www-form-urlencoded"
BROWSER = {"user-agent": BROWSER_UA, "accept": "text/html", "host": "testserver"}
SAME_ORIGIN = {"origin": "http://testserver", "sec-fetch-site": "same-origin"}
CROSS_SITE = {"origin": "https://evil.example", "sec-fetch-site": "cross-site"}
# Unmasked 32-character secret: Django accepts it as the form token for this cookie.
DJANGO_SECRET = "a" * 32

with_django_csrf = override_settings(
    MIDDLEWARE=[
        "django.middleware.security.SecurityMiddleware",
        "humangate.contrib.django.middleware.HumanGateMiddleware",
        "django.middleware.common.CommonMiddleware",
        "django.middleware.csrf.CsrfViewMiddleware",
    ]
)


def sealed(page: str) -> dict[str, str]:
    return {k: html.unescape(v) for k, v in FIELD.findall(page)}


def django_client(origin: dict[str, str]) -> Client:
    client = Client(enforce_csrf_checks=True, headers={**BROWSER, **origin})
    client.cookies["csrftoken"] = DJANGO_SECRET
    return client


def django_solve(client: Client) -> None:
    page = client.get("/.humangate/challenge", {"level": "managed"})
    data = challenge_data(page.content)
    solved = client.post(data["solve_url"], solution(data), content_type="application/json")
    assert solved.status_code == 200


@with_django_csrf
@pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
def test_django_same_origin_form_is_replayed_and_still_csrf_checked(with_token: bool) -> None:
    client = django_client(SAME_ORIGIN)
    fields = {"amount": "10", **({"csrfmiddlewaretoken": DJANGO_SECRET} if with_token else {})}
    held = client.post("/transfer", urlencode(fields), content_type=FORM)
    assert held.status_code == 403 and "humangate-envelope" in sealed(held.content.decode())
    django_solve(client)
    # The holding page posts back to the form's own address.
    replayed = client.post("/transfer", urlencode(sealed(held.content.decode())), content_type=FORM)
    if with_token:
        assert replayed.status_code == 200
        assert json.loads(replayed.content) == {"fields": fields, "replayed": "1"}
    else:
        # The replay is no substitute for the token: Django's own check still refuses.
        assert replayed.status_code == 403 and b"CSRF" in replayed.content


@with_django_csrf
def test_django_cross_site_form_never_reaches_the_view() -> None:
    client = django_client(CROSS_SITE)
    fields = {"amount": "1000", "csrfmiddlewaretoken": DJANGO_SECRET}
    held = client.post("/transfer", urlencode(fields), content_type=FORM)
    assert held.status_code == 403 and sealed(held.content.decode()) == {}
    assert b"not kept or sent" in held.content


def flask_app() -> tuple[Flask, list[dict[str, Any]]]:
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY="flask-test-secret",
        HUMANGATE={
            "secret_keys": [SECRET],
            "store": "memory://",
            "difficulty": 8,
            "rules": [{"expression": 'http.request.uri.path eq "/token"', "action": "allow"}],
        },
    )
    CSRFProtect(app)
    seen: list[dict[str, Any]] = []

    @app.get("/token")
    def token() -> str:
        return generate_csrf()

    @app.post("/transfer")
    def transfer() -> str:
        seen.append(
            {"form": dict(request.form), "replayed": request.headers.get("x-humangate-replayed")}
        )
        return "done"

    HumanGate(app)
    return app, seen


def flask_hold(client: FlaskClient, fields: dict[str, str], origin: dict[str, str]) -> str:
    held = client.post("/transfer", data=fields, headers={**BROWSER, **origin})
    assert held.status_code == 403
    return held.text


def flask_replay(client: FlaskClient, page: str) -> int:
    challenge = client.get("/.humangate/challenge?level=managed", headers=BROWSER)
    data = challenge_data(challenge.data)
    solved = client.post(
        data["solve_url"],
        data=solution(data),
        headers={**BROWSER, "content-type": "application/json"},
    )
    assert solved.status_code == 200
    # Back to the form's own address; Flask's client sends the hint cookie by its Path.
    replayed = client.post("/transfer", data=sealed(page), headers={**BROWSER, **SAME_ORIGIN})
    return replayed.status_code


@pytest.mark.parametrize("with_token", [True, False], ids=["token", "no-token"])
def test_flask_wtf_same_origin_form_is_replayed_and_still_csrf_checked(with_token: bool) -> None:
    app, seen = flask_app()
    client = app.test_client()
    token = client.get("/token", headers=BROWSER).text
    fields = {"amount": "10", **({"csrf_token": token} if with_token else {})}
    page = flask_hold(client, fields, SAME_ORIGIN)
    status = flask_replay(client, page)
    if with_token:
        assert status == 200 and seen == [{"form": fields, "replayed": "1"}]
    else:
        assert status == 400 and seen == [], "Flask-WTF still refuses a missing token"


def test_flask_wtf_cross_site_form_never_reaches_the_view() -> None:
    app, seen = flask_app()
    client = app.test_client()
    token = client.get("/token", headers=BROWSER).text
    page = flask_hold(client, {"amount": "1000", "csrf_token": token}, CROSS_SITE)
    assert sealed(page) == {} and "not kept or sent" in page
    assert seen == []
