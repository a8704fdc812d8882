"""A person's browser gets through: plain headed Chromium under Xvfb, observed server-side.

The browser is started as an ordinary process (no Playwright, no DevTools), so nothing in
the page can tell it is a test. Proof of passage is the app's own hits file; proof that
the gate stood in the way first is the server's access log (403, then the solve, then 200).
"""

from __future__ import annotations

import pytest

from e2e.conftest import OpenChromium, ServeApp
from e2e.harness import AccessEntry, AppServer

TARGET = "/protected/page?x=1"
SOLVE = "/.humangate/solve"


@pytest.mark.browser
@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
def test_plain_chromium_passes_the_challenge(
    kind: str, serve_app: ServeApp, open_chromium: OpenChromium
) -> None:
    server = serve_app(kind, difficulty=16)
    assert server.hits() == [], "nothing may reach the app before a browser visits"

    with open_chromium(server.url(TARGET)):
        reached = server.wait_for_hit(TARGET, timeout=30)

    assert reached, f"{TARGET} never reached the app; access log: {_summary(server)}"
    assert server.hits().count(TARGET) == 1, "the challenged request must not reach the app"
    _assert_gate_answered_first(server)
    assert server.server_errors() == [], f"server errors: {_summary(server)}"


def _assert_gate_answered_first(server: AppServer) -> None:
    """The first visit was answered by the gate (403), then solved, then let through."""
    log = server.access_log()
    visits = [entry for entry in log if entry.target == TARGET]
    assert visits, f"the access log has no {TARGET}: {_summary(server)}"
    assert visits[0].status == 403, f"first visit was not challenged: {_summary(server)}"
    # Two gunicorn workers each write a line when their request *ends*, so the solve's
    # line may follow the page's even though the page needed the solve's cookie: look for
    # the solve after the challenge, not before the pass.
    challenged = log.index(visits[0])
    solved = [entry for entry in log[challenged:] if entry.target == SOLVE and entry.status == 200]
    assert solved, f"no successful solve after the challenge: {_summary(server)}"


def _summary(server: AppServer) -> list[str]:
    return [_line(entry) for entry in server.access_log()]


def _line(entry: AccessEntry) -> str:
    return f"{entry.method} {entry.target} {entry.status}"
