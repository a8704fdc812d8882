"""The store is down during a solve: the visitor learns it is the site's problem, the
event says why, API clients still get a problem document with Retry-After."""

from __future__ import annotations

import json
import logging
import sqlite3
from pathlib import Path

import pytest

from humangate.i18n import available, catalog
from tests.observe.helpers import gate, solve_once
from tests.support import WSGIClient


def test_locked_store_during_a_solve(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "locked.db"
    client = WSGIClient(gate(store=f"sqlite:///{path}?timeout=0.1", analytics=False))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process holding the write lock
    try:
        with caplog.at_level(logging.INFO, logger="humangate.events"):
            response = solve_once(client, "/login")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status == 503
    assert response.header("retry-after") == "5"
    assert response.header("content-type") == "application/problem+json"
    body = json.loads(response.body)
    assert body["reason"] == "site_unavailable"
    assert body["ok"] is False
    message = body["message"]
    assert message == catalog("en")["failure_site_unavailable"]
    for blame in ("browser", "VPN", "extension"):
        assert blame not in message
    events = [
        r.humangate  # type: ignore[attr-defined]
        for r in caplog.records
        if r.getMessage().startswith("challenge_failed")
    ]
    assert [e["reason"] for e in events] == ["store_unavailable"]


def test_every_language_has_the_site_message() -> None:
    english = catalog("en")["failure_site_unavailable"]
    for code in available():
        text = catalog(code)["failure_site_unavailable"]
        assert text and (code == "en" or text != english)
