"""After a held form is sent, the address bar shows the form's own address (issue 19).

A real headed Chromium and Firefox ESR (plain processes under Xvfb, no automation)
submit a form to a challenged ``/contact?step=2``. The gate holds it, the holding page
runs the check and sends it back; the app answers with a plain 200 page. That page
reports ``location`` to the server and then navigates to it, as a bookmark would. Read
on the server side: the report names ``/contact?step=2`` (not an endpoint of the gate),
the navigation reaches that address, and the held form arrived once, marked.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from e2e.detect_support import plain_firefox
from e2e.harness import (
    ARTIFACTS,
    AppServer,
    Display,
    launch,
    plain_chromium,
    retire,
    wait_until,
)
from e2e.harness import server_command as command

OPENERS = {"chromium": plain_chromium, "firefox-esr": plain_firefox}
SENT = "POST /contact?step=2 name=Ada Lovelace replayed=1"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    workdir = tmp_path_factory.mktemp("held-form")
    app = "e2e.held_form_app:application"
    started = launch("wsgi", workdir, lambda port: command("wsgi", port, app), difficulty=14)
    yield started
    retire([started], ARTIFACTS)


def summary(server: AppServer) -> list[str]:
    return [f"{e.method} {e.target} {e.status}" for e in server.access_log()]


@pytest.mark.parametrize("browser", sorted(OPENERS))
def test_the_answer_to_a_held_form_is_at_the_forms_own_address(
    browser: str, server: AppServer, xvfb: Display, artifacts: Path
) -> None:
    before_hits, before_log = len(server.hits()), len(server.access_log())
    with OPENERS[browser](server.url("/form"), xvfb, artifacts / f"{browser}.log"):
        reached = wait_until(
            lambda: "GET /contact?step=2 mode=navigate" in server.hits()[before_hits:], 40
        )
    hits = server.hits()[before_hits:]
    log = [f"{e.method} {e.target} {e.status}" for e in server.access_log()[before_log:]]
    assert reached, f"{hits} {log}"
    assert hits.count(SENT) == 1, hits
    # What the address bar showed on the app's answer, as that page's script read it.
    assert "seen /contact?step=2" in hits, hits
    # The held POST, then the same address sent back by the holding page; no gate URL.
    assert [e for e in log if e.startswith("POST /contact")] == [
        "POST /contact?step=2 403",
        "POST /contact?step=2 200",
    ], log
    assert not [e for e in log if "/.humangate/replay" in e], log
    assert not server.server_errors(), summary(server)
