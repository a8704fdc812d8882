"""The default store is one SQLite file per application, not one per machine."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from humangate import Config
from humangate.stores.default import default_store, default_store_path
from tests.conftest import SECRET


def test_two_apps_get_two_files(tmp_path: Path) -> None:
    shop, blog = tmp_path / "shop", tmp_path / "blog"
    assert default_store_path(str(shop)) != default_store_path(str(blog))
    assert default_store_path(str(shop)) == default_store_path(str(shop))
    assert "shop" in default_store_path(str(shop)).name


def test_not_the_old_machine_wide_file() -> None:
    assert default_store_path().name != "humangate.sqlite3"
    assert default_store_path().parent == Path(tempfile.gettempdir())


def test_config_default_follows_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert Config(secret_keys=[SECRET]).store == default_store(str(tmp_path))


def test_odd_directory_names_make_a_valid_uri(tmp_path: Path) -> None:
    odd = tmp_path / "my app?#%"
    uri = default_store(str(odd))
    assert "?" not in uri.partition("sqlite:///")[2]
    Config(secret_keys=[SECRET], store=uri)
