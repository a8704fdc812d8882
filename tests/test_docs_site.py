"""The docs site's generated configuration reference covers every setting, exactly."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.docs_snippets import ROOT


def hook() -> ModuleType:
    path = ROOT / "docs" / "hooks" / "config_reference.py"
    spec = importlib.util.spec_from_file_location("config_reference", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("config_reference", module)
    spec.loader.exec_module(module)
    return module


def test_every_public_setting_has_a_description_and_nothing_else_does() -> None:
    reference = hook()
    names = {item.name for item in reference.public_fields()}
    assert set(reference.DESCRIPTIONS) == names
    assert "compiled_rules" not in names


def test_reference_lists_every_setting_with_its_default() -> None:
    reference = hook()
    page = reference.render()
    for item in reference.public_fields():
        assert f"| `{item.name}` |" in page
    assert "| `cookie_samesite` | `str` | `'Lax'` |" in page


def test_every_page_is_in_the_nav() -> None:
    nav = (ROOT / "mkdocs.yml").read_text()
    for page in (ROOT / "docs").rglob("*.md"):
        relative = str(page.relative_to(ROOT / "docs"))
        assert relative in nav, f"{relative} is missing from mkdocs.yml nav"


def test_a_normalised_setting_shows_what_it_accepts() -> None:
    page = hook().render()
    assert "| `passage_ttl` | `int \\| float \\| timedelta` | `1800` |" in page
    assert "| `difficulty` | `int \\| Difficulty \\| Mapping[str, Any]` |" in page
