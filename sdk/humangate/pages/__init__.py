"""HTML for the pages visitors see. Every value reflected into a page is escaped."""

from __future__ import annotations

import html
import json
import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from humangate.i18n import catalog

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})


@cache
def _template(name: str) -> string.Template:
    text = resources.files(__package__).joinpath("templates", name).read_text("utf-8")
    return string.Template(text)


@cache
def _css() -> str:
    return resources.files(__package__).joinpath("templates", "base.css").read_text("utf-8")


def script_json(data: Mapping[str, Any]) -> str:
    """JSON safe inside <script>: no "</script>", no "<!--", no U+2028 surprises."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _render(
    name: str,
    language: str,
    nonce: str,
    values: Mapping[str, str],
    trusted: Mapping[str, str] | None = None,
) -> bytes:
    """Fill a template: ``values`` are HTML-escaped; ``trusted`` are already safe."""
    messages = catalog(language)
    escaped = {key: html.escape(value) for key, value in {**messages, **values}.items()}
    escaped.update(trusted or {})
    escaped.update(
        lang=html.escape(language),
        dir="rtl" if language.split("-", maxsplit=1)[0] in RTL_LANGUAGES else "ltr",
        nonce=nonce,
        css=_css(),
    )
    return _template(name).substitute(escaped).encode("utf-8")


def challenge_page(
    *,
    language: str,
    nonce: str,
    host: str,
    ray: str,
    client_ip: str,
    script_url: str,
    challenge: Mapping[str, Any],
) -> bytes:
    return _render(
        "challenge.html",
        language,
        nonce,
        {"host": host, "ray": ray, "client_ip": client_ip, "script_url": script_url},
        # The JSON island is escaped for <script> context, where HTML escapes do not apply.
        trusted={"challenge_json": script_json(challenge)},
    )


def block_page(*, language: str, nonce: str, host: str, ray: str, client_ip: str) -> bytes:
    return _render(
        "block.html", language, nonce, {"host": host, "ray": ray, "client_ip": client_ip}
    )
