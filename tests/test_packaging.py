"""The sdist and wheel build from a checkout (no network, no Node) and hold what an
installed gate needs: static assets, catalogs, templates, the licence; never tests."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    empty = tmp_path_factory.mktemp("path")  # PATH without node (or anything else)
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        env={"PATH": str(empty), "HOME": str(empty)},
        timeout=300,
    )
    return out


def test_wheel_contents(dist: Path) -> None:
    (wheel,) = dist.glob("humangate-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "humangate/static/challenge.js",
        "humangate/static/pow-worker.js",
        "humangate/static/spa.js",
        "humangate/static/pow-simd.wasm",
        "humangate/static/challenge.js.br",
        "humangate/static/challenge.js.gz",
        "humangate/i18n/catalogs/en.json",
        "humangate/pages/templates/challenge.html",
        "humangate/data/verified_bots.json",
        "humangate/py.typed",
    ):
        assert needed in names, needed
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert not [n for n in names if n.startswith(("tests/", "e2e/", "js/", "bench/"))]
    assert not [n for n in names if "node_modules" in n or n.endswith(".wat")]
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "License-Expression: MIT" in text
    for extra in ("redis", "geo", "metrics"):
        assert f"Provides-Extra: {extra}" in text


def test_sdist_contents(dist: Path) -> None:
    (sdist,) = dist.glob("humangate-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"LICENSE", "README.md", "pyproject.toml"} <= names
    assert "sdk/humangate/static/challenge.js" in names
    assert not [n for n in names if n.startswith(("tests/", "e2e/", "js/", "integrations/"))]


def test_license_matches_the_declared_one() -> None:
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License")
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()


def test_readme_lists_each_extra_once_and_only_real_ones() -> None:
    declared = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    ) - {"dev"}
    readme = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `(\w+)` \|", readme, flags=re.MULTILINE)
    assert sorted(rows) == sorted(declared)
    assert len(rows) == len(set(rows))
    assert "pip install ." in readme
