"""The Python blocks of README.md and docs/, for the tests that run them as written."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Also indented blocks (content tabs), which are dedented.
_BLOCK = re.compile(r"^( *)```python\n(.*?)^\1```", re.MULTILINE | re.DOTALL)


def python_blocks(relative: str) -> list[str]:
    """Every ```python block of a Markdown file, in order."""
    text = (ROOT / relative).read_text(encoding="utf-8")
    return [textwrap.dedent(body) for _, body in _BLOCK.findall(text)]


def named_files(relative: str) -> dict[str, str]:
    """The blocks that start with a file-name comment (``# test_views.py``), by name."""
    files = {}
    for block in python_blocks(relative):
        first, _, rest = block.partition("\n")
        match = re.fullmatch(r"# ([\w/]+\.py)", first.strip())
        if match:
            files[match.group(1)] = rest
    return files


def all_documents() -> list[str]:
    return ["README.md", *sorted(str(p.relative_to(ROOT)) for p in (ROOT / "docs").rglob("*.md"))]
