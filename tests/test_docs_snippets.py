"""Every ```python block of README.md and docs/ runs, so a snippet cannot rot.

The blocks of one page run in order in one namespace (a page tells one story), after a
prelude a reader has in mind: ``from humangate import Config, Rule, ...``, a WSGI
``app``/``application`` to wrap, ``HUMANGATE_SECRET_KEYS`` set as the docs recommend.
Placeholders are filled in (``"<output of humangate keygen>"``, ``[...]`` secrets,
``/var/lib/myapp/``), files a page refers to are created from the page's own TOML and
HTML blocks, and a block that starts a server builds it and closes it instead of
serving. Blocks that start with a file name (``# test_views.py``) are the testing
recipes, run as projects by tests/test_docs_recipes.py.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.docs_snippets import ROOT, all_documents, python_blocks

SECRET = "docs-secret-0123456789abcdefghijklmnopqrstuvwxyz"
OLD_SECRET = "docs-old-secret-0123456789abcdefghijklmnopqrstuvwxyz"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"ok"]


def prelude() -> dict[str, Any]:
    import humangate  # noqa: PLC0415

    namespace: dict[str, Any] = {"__name__": "docs_snippet"}
    namespace.update({name: getattr(humangate, name) for name in humangate.__all__})
    namespace.update(app=wsgi_app, application=wsgi_app, routes=[], config=None)
    namespace["TEMPLATES"] = [{"OPTIONS": {"context_processors": []}}]
    return namespace


def fill_in(block: str, workdir: Path) -> str:
    block = block.replace('"<output of humangate keygen>"', repr(SECRET))
    block = block.replace("secret_keys=[...]", f"secret_keys=[{SECRET!r}]")
    block = block.replace('secret_keys=["..."]', f"secret_keys=[{SECRET!r}]")
    block = block.replace('"<new>"', repr(SECRET)).replace('"<old>"', repr(OLD_SECRET))
    block = block.replace("/var/lib/myapp/", f"{workdir}/")
    return block.replace(".serve_forever()", ".server_close()")


def page_files(document: str, workdir: Path) -> None:
    """The files a page's snippets read, from the page's own blocks."""
    text = (ROOT / document).read_text(encoding="utf-8")
    toml = re.findall(r"^```toml\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    if toml:
        (workdir / "humangate.toml").write_text(toml[0])
    html = re.findall(r"^```html\n(<!DOCTYPE.*?)^```", text, flags=re.MULTILINE | re.DOTALL)
    if html:
        (workdir / "challenge.html").write_text(html[0])
    (workdir / "static").mkdir()
    (workdir / "static" / "favicon.png").write_bytes(PNG)


DOCUMENTS = [doc for doc in all_documents() if python_blocks(doc)]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_python_block_runs(
    document: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HUMANGATE_SECRET_KEYS", SECRET)
    monkeypatch.setenv("HUMANGATE_SECRET", SECRET)
    page_files(document, tmp_path)
    namespace = prelude()
    ran = 0
    for index, block in enumerate(python_blocks(document)):
        if re.match(r"# [\w/]+\.py\n", block):
            continue  # a recipe file: tests/test_docs_recipes.py runs it as a project
        code = compile(fill_in(block, tmp_path), f"{document} (python block {index + 1})", "exec")
        exec(code, namespace)
        ran += 1
    assert ran


def test_snippets_are_found() -> None:
    assert "README.md" in DOCUMENTS
    assert sum(len(python_blocks(doc)) for doc in DOCUMENTS) >= 40
