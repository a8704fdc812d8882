"""``humangate stats`` reads the same store the gate writes (here an SQLite file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from humangate.cli import main
from tests.observe.helpers import gate, solve_once
from tests.support import WSGIClient


def test_stats_prints_the_summary_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    uri = f"sqlite:///{tmp_path / 'hg.db'}"
    app = gate(store=uri)
    client = WSGIClient(app)
    assert solve_once(client, "/login").status == 200
    WSGIClient(app).request("GET", "/shop")
    WSGIClient(app).request("GET", "/admin")
    app.gate.engine._analytics.recorder.flush()  # what the background thread does
    assert main(["stats", "--store", uri, "--window", "1h"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == "humangate analytics, last 1h"
    login = next(line for line in lines if line.startswith("login pages"))
    assert login.split()[2:7] == ["interactive", "1", "1", "0", "100.0%"]
    assert next(line for line in lines if line.startswith("shop")).split()[1:6] == [
        "managed",
        "1",
        "0",
        "1",
        "0.0%",
    ]
    total = next(line for line in lines if line.startswith("TOTAL")).split()
    assert total[1:5] == ["2", "1", "1", "50.0%"]

    assert main(["stats", "--store", uri, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["issued"], data["solved"], data["outcomes"]["blocked"]) == (2, 1, 1)


def test_stats_reports_a_bad_store(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--store", "nosuch://x"]) == 2
    assert "store" in capsys.readouterr().err
