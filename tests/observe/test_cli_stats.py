"""``humangate stats`` reads the same store the gate writes (here an SQLite file)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from humangate.cli import main
from humangate.stores import open_store
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


@pytest.mark.parametrize("form", ["uri", "path"])
def test_stats_refuses_a_store_that_does_not_exist(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], form: str
) -> None:
    missing = tmp_path / "typo.sqlite3"
    value = f"sqlite:///{missing}" if form == "uri" else str(missing)
    assert main(["stats", "--store", value]) == 2
    assert "no database at" in capsys.readouterr().err
    assert not missing.exists()  # not created and reported as zeros


def test_stats_takes_a_plain_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hg.db"
    open_store(f"sqlite:///{path}").close()
    assert main(["stats", "--store", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["issued"] == 0


def test_stats_refuses_memory(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["stats", "--store", "memory://"]) == 2
    assert "inside the app's process" in capsys.readouterr().err
