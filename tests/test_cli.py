"""The ``humangate`` command's first screen: --version, --help, demo, config check."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from humangate import __version__
from humangate.cli import build_parser, main
from tests.conftest import SECRET
from tests.stores.redis_server import free_port


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"humangate {__version__}"


def test_help_describes_every_command_in_plain_words(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command")
    for name, choice in commands.choices.items():  # type: ignore[union-attr]
        assert name in out
        text = next(a.help for a in commands._choices_actions if a.dest == name)  # type: ignore[attr-defined]
        assert text and len(text.split()) >= 6, (name, text)  # a sentence, not a label
        assert "CSR" not in text  # no internal jargon
        assert choice.description or text
    assert "The ``humangate`` command" not in out  # no docstring markup


def test_demo_with_its_port_taken_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["demo", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port}" in err
    assert "already in use" in err
    assert "--port" in err
    assert "Traceback" not in err


def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "humangate.toml"
    path.write_text(text)
    return str(path)


def test_config_check_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, f'secret_keys = ["{SECRET}"]\nstore = "sqlite:///{tmp_path}/g.db"\n')
    assert main(["config", "check", path]) == 0
    assert "usable" in capsys.readouterr().out


def test_config_check_missing_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = f"sqlite:///{tmp_path}/nope/g.db"
    path = write(tmp_path, f'secret_keys = ["{SECRET}"]\nstore = "{store}"\n')
    assert main(["config", "check", path]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_config_check_unreachable_redis_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = f"redis://127.0.0.1:{free_port()}/0"
    path = write(tmp_path, f'secret_keys = ["{SECRET}"]\nstore = "{store}"\n')
    assert main(["config", "check", path]) == 1
    assert "cannot reach Redis" in capsys.readouterr().out


def test_config_check_reports_a_typo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, f'secret_keys = ["{SECRET}"]\ndefault_acton = "allow"\n')
    assert main(["config", "check", path]) == 2
    assert "did you mean 'default_action'" in capsys.readouterr().err


def test_rules_check_needs_no_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, '[[rules]]\nexpression = "true"\naction = "managed_challenge"\n')
    assert main(["rules", "check", path]) == 0
    assert "[0] managed_challenge" in capsys.readouterr().out
    assert main(["rules", "test", path, "--path", "/x"]) == 0
