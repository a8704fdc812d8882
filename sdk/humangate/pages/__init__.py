"""HTML for the pages visitors see. Every value reflected into a page is escaped.

A challenge page is a layout (``challenge.html``, or the owner's custom template) around
one widget (``widget.html``): status line, progress, help and the runtime script. The
same widget serves all challenge types; the script reads which steps to run from the
JSON island. Texts carry ``data-i18n`` keys so the page script can re-render them when
``navigator.language`` asks for another catalog than the server guessed.
"""

from __future__ import annotations

import html
import string
from collections.abc import Callable, Mapping
from functools import cache, lru_cache
from importlib import resources
from operator import itemgetter
from typing import Any, Literal

from humangate.i18n import catalog, direction
from humangate.jsontext import compact
from humangate.pages.custom import CustomTemplate

__all__ = [
    "CustomTemplate",
    "block_page",
    "challenge_page",
    "favicon_link",
    "json_members",
    "script_json",
    "script_safe_json",
]


# The built-in challenge page: the layout with the widget written into it, so that a page
# is filled in one pass (both read the same nonce, ray, language and catalog).
_LAYOUT_WITH_WIDGET = "challenge.html+widget.html"


@cache
def _text(name: str) -> str:
    if name == _LAYOUT_WITH_WIDGET:
        return _text("challenge.html").replace("$widget", _text("widget.html"), 1)
    return resources.files(__package__).joinpath("templates", name).read_text("utf-8")


def script_json(data: Mapping[str, Any], constant: str = "") -> str:
    """JSON safe inside <script>: no "</script>", no "<!--", no U+2028 surprises.

    ``constant``: more members, as :func:`json_members` encoded them, added after
    ``data``'s (what is the same on every page is encoded once, not per page).
    """
    return script_safe_json(compact(data), constant)


def script_safe_json(text: str, constant: str = "") -> str:
    """:func:`script_json` for a JSON object already written as ``text``."""
    text = _script_safe(text)
    if not constant:
        return text
    return f"{text[:-1]},{constant}}}" if len(text) > 2 else f"{{{constant}}}"


def json_members(data: Mapping[str, Any]) -> str:
    """``data``'s members as script-safe JSON without the braces, for script_json."""
    return script_json(data)[1:-1]


def _script_safe(text: str) -> str:
    if "<" not in text and ">" not in text and "&" not in text:
        return text  # the usual case: three fast searches, where replace counts each character
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


@lru_cache(maxsize=8)  # the owner's one or two icon URLs, on every page
def favicon_link(href: str) -> str:
    return f'<link rel="icon" href="{html.escape(href)}">'


def _fill(
    name: str,
    language: str,
    values: Mapping[str, str],
    trusted: Mapping[str, str],
    constants: tuple[tuple[str, str], ...] = (),
) -> str:
    """Fill a template: catalog texts and ``values`` are escaped; ``trusted`` and
    ``constants`` (the same on every page) are not."""
    return _fill_utf8(name, language, values, trusted, constants).decode()


def _fill_utf8(
    name: str,
    language: str,
    values: Mapping[str, str],
    trusted: Mapping[str, str],
    constants: tuple[tuple[str, str], ...] = (),
) -> bytes:
    """:func:`_fill`, as the UTF-8 bytes a page is sent as.

    Built as bytes from pieces encoded once: the page text holds non-ASCII characters,
    so as a str it is two or four bytes a character, and joining and encoding the whole
    page on every request cost more than the rest of filling it."""
    # The names in the callers' order, as the cache key: a tuple is cheaper to build than
    # a set, and each caller always writes its names in one order.
    form, take = _compiled_utf8(name, language, (*values, *trusted), constants)
    filled = {key: _escaped_utf8(value) for key, value in values.items()}
    for key, value in trusted.items():
        filled[key] = value.encode()
    return form % take(filled)


def _escaped_utf8(value: str) -> bytes:
    # Most values hold nothing to escape (a ray id, an address): five searches are
    # cheaper than html.escape's five replacements (or one regular expression search).
    if "&" in value or "<" in value or ">" in value or '"' in value or "'" in value:
        value = html.escape(value)
    return value.encode()


@cache
def _compiled_utf8(
    name: str,
    language: str,
    per_page: tuple[str, ...],
    constants: tuple[tuple[str, str], ...],
) -> tuple[bytes, Callable[[Mapping[str, bytes]], tuple[bytes, ...]]]:
    """The template as one bytes format (``%s`` where a per-page value goes, every other
    ``%`` doubled) and what takes the values from a mapping in the order the ``%s`` want
    them: a page is then filled by one C call, not a join of pieces."""
    pieces, names = _compiled(name, language, per_page, constants)
    form = b"%s".join(piece.encode().replace(b"%", b"%%") for piece in pieces)
    if len(names) > 1:
        return form, itemgetter(*names)
    # itemgetter of one name gives the value, not a tuple of it (and of none, an error)
    return form, lambda filled: tuple(filled[key] for key in names)


@cache
def _compiled(
    name: str,
    language: str,
    per_page: tuple[str, ...],
    constants: tuple[tuple[str, str], ...],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The template with what is the same on every page in place (the language's escaped
    catalog texts, its direction, ``constants``): the literal pieces, and between them
    the names of the ``per_page`` values. Built once per template and language."""
    fixed = {key: html.escape(value) for key, value in catalog(language).items()}
    fixed.update(constants)
    fixed.update(lang=html.escape(language), dir=direction(language))
    text = _text(name)
    pieces: list[str] = []
    names: list[str] = []
    literal: list[str] = []
    position = 0
    for match in string.Template.pattern.finditer(text):
        literal.append(text[position : match.start()])
        position = match.end()
        key = match.group("named") or match.group("braced")
        if match.group("escaped") is not None:
            literal.append("$")
        elif key is None:
            raise ValueError(f"{name}: invalid placeholder at {match.start()}")
        elif key in per_page and key not in ("lang", "dir"):
            pieces.append("".join(literal))
            literal = []
            names.append(key)
        else:
            literal.append(fixed[key])
    literal.append(text[position:])
    pieces.append("".join(literal))
    return tuple(pieces), tuple(names)


@cache
def _page_constants() -> tuple[tuple[str, str], ...]:
    """The built-in challenge page's stylesheet, then the compatibility script (the
    widget alone needs only the script). Made once: they key the compiled templates."""
    return (
        ("css", _text("base.css") + _text("widget.css")),
        ("compat_js", _text("compat.js").strip()),
    )


def challenge_page(
    *,
    language: str,
    nonce: str,
    host: str,
    ray: str,
    client_ip: str,
    script_url: str,
    challenge_json: str,
    favicon_url: str = "/favicon.ico",
    template: CustomTemplate | None = None,
    country: str = "",
) -> bytes:
    """The interstitial page, built in or from the owner's ``template``."""
    if template is None:
        return _fill_utf8(
            _LAYOUT_WITH_WIDGET,
            language,
            {"host": host, "ray": ray, "client_ip": client_ip, "script_url": script_url},
            {
                "favicon": favicon_link(favicon_url),
                "nonce": nonce,
                # The JSON island is escaped for <script> context, where HTML escapes
                # do not apply.
                "challenge_json": challenge_json,
                "ray_line": "",  # the layout's footer shows the ray id
            },
            _page_constants(),
        )
    # An owner's page may not show the ray id: the widget does.
    messages = catalog(language)
    ray_line = (
        f'<p><span data-i18n="ray_label">{html.escape(messages["ray_label"])}</span>: '
        f"<code>{html.escape(ray)}</code></p>\n"
    )
    widget = _fill(
        "widget.html",
        language,
        {"ray": ray, "script_url": script_url},
        {"challenge_json": challenge_json, "nonce": nonce, "ray_line": ray_line},
        _page_constants()[1:],
    )
    head = f'<style nonce="{nonce}">{_text("widget.css")}</style>'
    if not template.has_icon:
        head = favicon_link(favicon_url) + head
    page = template.render(
        widget=widget, head_extra=head, client_ip=client_ip, ray=ray, geo=country, nonce=nonce
    )
    return page.encode("utf-8")


def block_page(
    *,
    language: str,
    nonce: str,
    host: str,
    ray: str,
    client_ip: str,
    favicon_url: str = "/favicon.ico",
    kind: Literal["block", "rate_limited"] = "block",
) -> bytes:
    """The page for a block (403) or a rate limit (429)."""
    messages = catalog(language)
    return _fill_utf8(
        "block.html",
        language,
        {
            "host": host,
            "ray": ray,
            "client_ip": client_ip,
            "page_title": messages[f"{kind}_title"],
            "page_heading": messages[f"{kind}_heading"],
            "page_text": messages[f"{kind}_text"],
        },
        {"favicon": favicon_link(favicon_url), "nonce": nonce},
        (("css", _text("base.css")),),
    )
