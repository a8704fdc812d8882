"""The SPA helper in a real browser: a challenged API call is solved in place and retried.

/open/spa (allowed) calls /api/data (challenged) through humangate.fetch; the helper
shows the challenge in a dialog, waits for the clearance and sends the request again.
The hits file proves the retried request reached the app, and the page's follow-up
request proves the page itself was never reloaded or navigated away.
"""

from __future__ import annotations

import pytest

from e2e.conftest import OpenChromium
from e2e.test_frameworks import ServeFramework, serve_framework, summary

__all__ = ["serve_framework"]  # the fixture, shared with test_frameworks

API = "/api/data?from=spa"


@pytest.mark.browser
def test_spa_helper_solves_and_retries_once(
    serve_framework: ServeFramework, open_chromium: OpenChromium
) -> None:
    server = serve_framework("fastapi")
    with open_chromium(server.url("/open/spa")):
        done = server.wait_for_hit("/open/spa-result?ok=1", timeout=40)
    assert done, f"the page never saw its data: {summary(server)}"
    assert server.hits().count(API) == 1, "the retried request reaches the app once"
    assert server.hits().count("/open/spa") == 1, "no reload of the page"
    assert server.statuses(API) == [403, 200], f"challenged, then retried: {summary(server)}"
    assert server.server_errors() == [], summary(server)
