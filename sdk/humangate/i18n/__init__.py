"""Message catalogs (one JSON file per language under ``catalogs/``) and negotiation.

Adding a language is adding ``catalogs/<code>.json`` with every key of ``en.json``;
:func:`available` lists the files, so negotiation and the page pick it up by itself.
"""

from __future__ import annotations

import json
from functools import cache, lru_cache
from importlib import resources

from humangate.i18n.negotiate import RTL_LANGUAGES, negotiate, resolve

__all__ = [
    "DEFAULT_LANGUAGE",
    "RTL_LANGUAGES",
    "available",
    "catalog",
    "catalog_json",
    "choose_language",
    "direction",
    "negotiate",
    "resolve",
]

DEFAULT_LANGUAGE = "en"


@cache
def available() -> frozenset[str]:
    """Codes of every shipped catalog (file names without ``.json``), e.g. ``pt-br``."""
    root = resources.files(__package__).joinpath("catalogs")
    return frozenset(
        entry.name.removesuffix(".json") for entry in root.iterdir() if entry.name.endswith(".json")
    )


@cache
def catalog(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The messages for ``language`` (falling back to English key by key)."""
    english = _load(DEFAULT_LANGUAGE)
    if language == DEFAULT_LANGUAGE:
        return english
    if language not in available():
        return english
    return {**english, **_load(language)}


@cache
def catalog_json(language: str) -> bytes:
    """The full catalog as UTF-8 JSON, as ``/.humangate/i18n/<code>.json`` serves it."""
    return json.dumps(catalog(language), ensure_ascii=False, sort_keys=True).encode("utf-8")


def direction(language: str) -> str:
    """``rtl`` for right-to-left scripts (Arabic, Persian), else ``ltr``."""
    return "rtl" if language.split("-", maxsplit=1)[0] in RTL_LANGUAGES else "ltr"


def _load(language: str) -> dict[str, str]:
    if not language.replace("-", "").isalnum():
        raise FileNotFoundError(language)
    text = resources.files(__package__).joinpath("catalogs", f"{language}.json").read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"catalog {language} is not an object")
    return {str(key): str(value) for key, value in data.items()}


# Every challenge page negotiates its language, and a browser's Accept-Language (parsed,
# q-values sorted) costs more than sealing the ticket; a visitor's requests repeat it.
# Small, as the User-Agent hashes' cache (humangate.crypto.tickets): the header is the
# client's to choose.
@lru_cache(maxsize=256)
def choose_language(forced: str | None, accept_language: str | None) -> str:
    """The owner's forced language, else the best match for the header, else English.

    The page script may still switch to ``navigator.language`` (unless forced): the
    header only makes the first paint right for most visitors.
    """
    if forced:
        return forced
    return negotiate(accept_language, available()) or DEFAULT_LANGUAGE
