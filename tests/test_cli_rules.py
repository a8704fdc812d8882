"""``humangate rules check|test``, ``service-token`` and ``bots refresh``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from humangate.cli import main
from humangate.rules.service import HEADER, PURPOSE
from humangate.tokens import KeyRing
from tests.conftest import SECRET

CONFIG = f"""
secret_keys = ["{SECRET}"]
store = "memory://"
default_action = "allow"

[[ip_access_rules]]
value = "198.18.0.0/15"
mode = "block"

[[rules]]
expression = "ip.src in {{192.0.2.1 198.51.100.42 203.0.113.0/24}}"
action = "skip"
description = "allowlist"

[[rules]]
expression = "(ip.src.asnum in {{16509 15169}} and not cf.client.bot)"
action = "block"

[[rules]]
expression = 'http.request.uri.path wildcard "/admin*"'
action = "challenge"

[[rate_limits]]
expression = 'http.request.uri.path eq "/login"'
requests_per_period = 5
"""


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "humangate.toml"
    path.write_text(CONFIG)
    return path


def test_check_lists_rules_by_phase(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(config_file)]) == 0
    out = capsys.readouterr().out
    assert "1. ip access rules (1)" in out
    assert "2. custom rules (3, in order)" in out
    assert "[0] skip [rules]" in out
    assert "3. rate limiting rules (1)" in out
    assert "4. default action: allow" in out


def test_check_reports_the_caret_and_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(CONFIG.replace('wildcard "/admin*"', 'wildcrd "/admin*"'))
    assert main(["rules", "check", str(path)]) == 2
    err = capsys.readouterr().err
    assert "rules[2].expression" in err
    assert "^" in err
    assert "Traceback" not in err


def test_check_missing_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "check", str(tmp_path / "none.toml")]) == 2
    assert "cannot read" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "phase", "action"),
    [
        (["--path", "/admin", "--ip", "198.51.100.9"], "custom", "challenge"),
        (["--path", "/admin", "--ip", "203.0.113.7"], "custom", "allow"),
        (["--path", "/", "--ip", "198.18.0.1"], "ip_access", "block"),
        (["--path", "/", "--ip", "198.51.100.9"], "default", "allow"),
    ],
)
def test_test_prints_matches_phase_and_action(
    config_file: Path, capsys: pytest.CaptureFixture[str], argv: list[str], phase: str, action: str
) -> None:
    code = main(["rules", "test", str(config_file), "--header", "user-agent: Mozilla/5.0", *argv])
    assert code == 0
    out = capsys.readouterr().out
    assert f"phase    {phase}" in out
    assert f"action   {action}" in out


def test_test_bad_arguments_exit_2(config_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "test", str(config_file), "--ip", "nope"]) == 2
    assert main(["rules", "test", str(config_file), "--header", "no colon"]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_service_token_opens_under_its_purpose(
    config_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["service-token", "--name", "imgworker", "--config", str(config_file)]) == 0
    token = capsys.readouterr().out.strip()
    payload = KeyRing([SECRET], purposes=(PURPOSE,)).open(PURPOSE, token)
    assert payload["svc"] == "imgworker"
    assert main(["service-token", "--name", "w", "--config", str(config_file), "--as-header"]) == 0
    assert capsys.readouterr().out.startswith(f"{HEADER}: ")


def test_service_token_without_secret_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["service-token", "--name", "w"]) == 2


def test_bots_refresh_from_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    published = tmp_path / "googlebot.json"
    published.write_text(
        json.dumps({"creationTime": "2030-01-01", "prefixes": [{"ipv4Prefix": "66.249.64.0/27"}]})
    )
    output = tmp_path / "bots.json"
    argv = ["bots", "refresh", "--from", str(published), "--crawler", "googlebot"]
    argv += ["--output", str(output)]
    assert main(argv) == 0
    data = json.loads(output.read_text())
    assert data["crawlers"]["googlebot"]["prefixes"] == ["66.249.64.0/27"]
    assert "googlebot: 1 prefixes" in capsys.readouterr().out
    published.write_text("not json")
    assert main(argv) == 2
