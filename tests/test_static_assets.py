"""The shipped browser assets in sdk/humangate/static/ are exactly what the build makes
from js/src, so a source change without a rebuild (or a hand edit) fails here."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import brotli
import pytest

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "sdk" / "humangate" / "static"
BUILD = ROOT / "js" / "build.mjs"
NODE = shutil.which("node")
WABT = ROOT / "js" / "node_modules" / "wabt"


def shipped_files() -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in STATIC.iterdir() if path.is_file()}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    if NODE is None:
        pytest.fail(
            "needs node on PATH (make test installs nothing for node: it is part of the machine)"
        )
    if not WABT.is_dir():
        pytest.fail("needs the JS dev dependencies: run `npm ci --prefix js` (make test does)")
    out = tmp_path_factory.mktemp("static")
    subprocess.run(
        [NODE, str(BUILD), "--out", str(out)], check=True, capture_output=True, timeout=120
    )
    return {path.name: path.read_bytes() for path in out.iterdir()}


FILES = {
    "challenge.js",
    "jsd.js",
    "pow-worker.js",
    "pow-simd.wasm",
    "spa.js",
    "turnstile-api.js",
    "turnstile-frame.js",
}
VARIANTS = {f"{name}{suffix}" for name in FILES for suffix in (".gz", ".br")}


def test_the_build_makes_the_page_script_the_worker_and_the_wasm(built: dict[str, bytes]) -> None:
    assert set(built) == FILES | VARIANTS
    assert built["pow-simd.wasm"].startswith(b"\0asm")


def test_shipped_assets_are_exactly_the_build_output(built: dict[str, bytes]) -> None:
    shipped = shipped_files()
    assert sorted(shipped) == sorted(built), "run: node js/build.mjs"
    for name in FILES:
        assert shipped[name] == built[name], (
            f"{name} differs from its sources; run: node js/build.mjs"
        )


def test_precompressed_variants_are_their_files() -> None:
    # Compared by content, not bytes: compressors may differ between Node versions.
    shipped = shipped_files()
    for name in FILES:
        assert gzip.decompress(shipped[f"{name}.gz"]) == shipped[name], name
        assert brotli.decompress(shipped[f"{name}.br"]) == shipped[name], name
        assert len(shipped[f"{name}.br"]) < len(shipped[name])


def test_shipped_scripts_say_they_are_built() -> None:
    for name, contents in shipped_files().items():
        if name.endswith(".js"):
            assert contents.startswith(b"// humangate "), name
            assert b"do not edit" in contents.splitlines()[0], name
