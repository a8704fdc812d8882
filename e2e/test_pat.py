"""A browser that cannot attest (Chromium) passes a managed challenge that offers Private
Access Tokens exactly as before: the page's token request gets its 401 and the challenge
goes on. (The token path itself is tested over HTTP in tests/pat/test_workers.py: no
browser here can mint a token.)"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from e2e.harness import (
    AppServer,
    Display,
    launch,
    plain_chromium,
    server_command,
    stop_group,
    wait_until,
)
from tests.pat.issuer import TestIssuer


@pytest.mark.browser
def test_chromium_passes_a_managed_challenge_offering_tokens(
    tmp_path: Path, xvfb: Display, artifacts: Path
) -> None:
    issuer = TestIssuer("issuer.test")
    keys = tmp_path / "keys.json"
    keys.write_text(json.dumps({"issuer": issuer.name, **issuer.directory()}))

    def started(server: AppServer) -> bool:
        return wait_until(
            lambda: (
                server.process.poll() is not None
                or "Application startup complete" in server.log_file.read_text(errors="replace")
            ),
            20,
        )

    server = launch(
        "asgi",
        tmp_path / "pat",
        lambda port: server_command("asgi", port, "e2e.pat_app:application"),
        difficulty=10,
        extra_env={"HUMANGATE_PAT_KEYS": str(keys)},
        ready=started,
    )
    try:
        with plain_chromium(server.url("/welcome"), xvfb, artifacts / "pat-chromium.log"):
            assert server.wait_for_hit("/welcome", 30), server.log_file.read_text()[-3000:]
        log = server.log_file.read_text(errors="replace")
        assert re.search(r'"GET /\.humangate/pat\?ticket=\S+ HTTP/1\.1" 401', log), log[-3000:]
        assert re.search(r"solve ray=\w+ level=managed outcome=passed .* pat=-", log)
        assert " 500" not in log
    finally:
        stop_group(server.process)
