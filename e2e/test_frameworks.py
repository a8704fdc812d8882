"""Each framework's example app passes a person's browser, under its usual server.

Plain headed Chromium under Xvfb (no automation), observed on the server side: the app's
hits file shows what got past the gate, the access log what the gate answered itself.
Django and Flask also show a challenged form POST arriving after the solve, body intact
(Django with its CSRF check on the replayed form).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Literal

import pytest

from e2e.conftest import OpenChromium
from e2e.harness import AppServer, launch, retire, server_command

Framework = Literal["django-wsgi", "django-asgi", "flask", "fastapi"]
TARGET = "/protected/page?x=1"
SOLVE = "/.humangate/solve"

_APPS: dict[str, tuple[Literal["wsgi", "asgi"], str]] = {
    "django-wsgi": ("wsgi", "integrations.django_app.wsgi:application"),
    "django-asgi": ("asgi", "integrations.django_app.asgi:application"),
    "flask": ("wsgi", "integrations.flask_app.app:application"),
    "fastapi": ("asgi", "integrations.fastapi_app.app:application"),
}


def start_framework_app(framework: Framework, workdir: Path, difficulty: int = 16) -> AppServer:
    """Start an example app: gunicorn (2 workers) for WSGI, uvicorn for ASGI."""
    kind, target = _APPS[framework]
    workers = 2 if kind == "wsgi" else 1
    return launch(
        kind,
        workdir,
        lambda port: server_command(kind, port, target, workers=workers),
        difficulty=difficulty,
    )


ServeFramework = Callable[[Framework], AppServer]


@pytest.fixture
def serve_framework(tmp_path: Path, artifacts: Path) -> Iterator[ServeFramework]:
    started: list[AppServer] = []

    def serve(framework: Framework) -> AppServer:
        server = start_framework_app(framework, tmp_path / framework)
        started.append(server)
        return server

    yield serve
    retire(started, artifacts)


def summary(server: AppServer) -> list[str]:
    return [f"{e.method} {e.target} {e.status}" for e in server.access_log()]


@pytest.mark.browser
@pytest.mark.parametrize("framework", ["django-wsgi", "django-asgi", "flask", "fastapi"])
def test_example_app_lets_a_person_through(
    framework: Framework, serve_framework: ServeFramework, open_chromium: OpenChromium
) -> None:
    server = serve_framework(framework)
    with open_chromium(server.url(TARGET)):
        reached = server.wait_for_hit(TARGET, timeout=30)
    assert reached, f"{TARGET} never reached the app: {summary(server)}"
    assert server.hits().count(TARGET) == 1
    log = server.access_log()
    assert [e.status for e in log if e.target == TARGET] == [403, 200], summary(server)
    assert any(e.target == SOLVE and e.status == 200 for e in log), summary(server)
    assert server.server_errors() == [], summary(server)


@pytest.mark.browser
@pytest.mark.parametrize("framework", ["django-wsgi", "flask"])
def test_challenged_form_post_reaches_the_app_once(
    framework: Framework, serve_framework: ServeFramework, open_chromium: OpenChromium
) -> None:
    server = serve_framework(framework)
    # The form page is allowed; its script submits the form (#send) to the challenged
    # /contact, as a person pressing "Send" would.
    expected = "POST /contact name=Ada Lovelace"
    with open_chromium(server.url("/open/form#send")):
        reached = server.wait_for_hit(expected, timeout=40)
    assert reached, f"the held form never reached the app: {summary(server)}"
    assert server.hits().count(expected) == 1
    log = server.access_log()
    posts = [e.status for e in log if e.target == "/contact" and e.method == "POST"]
    # Held first; then the holding page sends it back to /contact itself (so the
    # address bar shows /contact), not to an endpoint of the gate.
    assert posts == [403, 200], f"held, then sent to its own address: {summary(server)}"
    assert not [e for e in log if e.target.startswith("/.humangate/replay")], summary(server)
    assert server.server_errors() == [], summary(server)
