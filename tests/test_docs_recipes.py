"""The testing recipes of the framework pages, run as written in an owner's project
(their app module stands in as ``myapp``)."""

from __future__ import annotations

import pytest

from tests.docs_snippets import ROOT, named_files

pytest_plugins = ["pytester"]

SECRET = "owner-secret-0123456789abcdefghijklmnopqrstuvwxyz"

FLASK_APP = f"""
from flask import Flask
from humangate.contrib.flask import HumanGate


def create_app():
    app = Flask(__name__)
    app.config["HUMANGATE"] = {{"secret_keys": ["{SECRET}"], "store": "memory://"}}
    HumanGate(app)

    @app.get("/account")
    def account():
        return "account"

    return app
"""

FASTAPI_APP = f"""
from fastapi import FastAPI
from humangate import Config
from humangate.asgi import HumanGate

config = Config(secret_keys=["{SECRET}"], store="memory://")
app = FastAPI()
app.state.humangate_config = config
app.add_middleware(HumanGate, config=config)


@app.get("/me")
def me():
    return {{"ok": True}}


@app.get("/dashboard")
def dashboard():
    return {{"ok": True}}
"""

DJANGO_SETTINGS = f"""
SECRET_KEY = "recipe"
ALLOWED_HOSTS = ["*"]
ROOT_URLCONF = "myurls"
INSTALLED_APPS = ["django.contrib.contenttypes", "humangate.contrib.django"]
MIDDLEWARE = ["humangate.contrib.django.middleware.HumanGateMiddleware"]
HUMANGATE = {{"secret_keys": ["{SECRET}"], "store": "memory://"}}
DATABASES = {{}}
USE_TZ = True
"""

DJANGO_URLS = """
from django.http import HttpResponse
from django.urls import path

urlpatterns = [path("", lambda request: HttpResponse("home"))]
"""


def run(pytester: pytest.Pytester, files: dict[str, str], *args: str) -> pytest.RunResult:
    pytester.makepyfile(**{name.removesuffix(".py"): text for name, text in files.items()})
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", *args)


def test_flask_recipe(pytester: pytest.Pytester) -> None:
    files = named_files("docs/frameworks/flask.md")
    assert "test_views.py" in files
    result = run(pytester, {"myapp.py": FLASK_APP, **files})
    result.assert_outcomes(passed=2)


def test_fastapi_recipe(pytester: pytest.Pytester) -> None:
    files = named_files("docs/frameworks/fastapi.md")
    assert "test_api.py" in files
    result = run(pytester, {"myapp.py": FASTAPI_APP, **files})
    result.assert_outcomes(passed=2)


def test_getting_started_recipe(pytester: pytest.Pytester) -> None:
    files = named_files("docs/getting-started.md")
    assert {"conftest.py", "test_dashboard.py"} <= set(files)
    result = run(pytester, {"myapp.py": FASTAPI_APP, **files})
    result.assert_outcomes(passed=1)


def test_django_recipe_with_pytest_django(pytester: pytest.Pytester) -> None:
    files = named_files("docs/frameworks/django.md")
    assert "test_views.py" in files
    assert "pytest-django" in (ROOT / "docs/frameworks/django.md").read_text()
    result = run(
        pytester,
        {"mysettings.py": DJANGO_SETTINGS, "myurls.py": DJANGO_URLS, **files},
        "-p",
        "pytest_django",
        "--ds",
        "mysettings",
    )
    result.assert_outcomes(passed=2)
