"""``humangate sitekey create|list|rotate`` print tables that the config accepts."""

from __future__ import annotations

from pathlib import Path

import pytest

from humangate import Config
from humangate.cli import main
from tests.conftest import SECRET


def _config_file(tmp_path: Path, table: str) -> Path:
    path = tmp_path / "humangate.toml"
    path.write_text(f'secret_keys = ["{SECRET}"]\nstore = "memory://"\n\n{table}')
    return path


def test_create_list_and_rotate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sitekey", "create", "--hostname", "example.org", "--mode", "invisible"]) == 0
    table = capsys.readouterr().out
    path = _config_file(tmp_path, table)
    [sitekey] = Config.from_toml(path).sitekeys
    assert (sitekey.mode, sitekey.hostnames) == ("invisible", ("example.org",))

    assert main(["sitekey", "list", str(path)]) == 0
    listed = capsys.readouterr().out
    assert sitekey.sitekey in listed and "secrets=1" in listed
    assert sitekey.secrets[0] not in listed  # secrets are never printed by list

    assert main(["sitekey", "rotate", str(path), sitekey.sitekey]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("secrets"))
    rotated = _config_file(
        tmp_path,
        table.replace(next(x for x in table.splitlines() if x.startswith("secrets")), line),
    )
    [after] = Config.from_toml(rotated).sitekeys
    assert len(after.secrets) == 2 and after.secrets[1] == sitekey.secrets[0]


def test_errors_are_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sitekey", "create", "--clearance-level", "managed"]) == 2
    assert "host names" in capsys.readouterr().out
    path = _config_file(tmp_path, "")
    assert main(["sitekey", "rotate", str(path), "0x4AAAAAAAmissing"]) == 1
    assert main(["sitekey", "list", str(tmp_path / "absent.toml")]) == 1
