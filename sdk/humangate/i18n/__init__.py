"""Message catalogs: one JSON file per language under ``catalogs/``."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

DEFAULT_LANGUAGE = "en"


@cache
def catalog(language: str = DEFAULT_LANGUAGE) -> dict[str, str]:
    """The messages for ``language`` (falling back to English key by key)."""
    english = _load(DEFAULT_LANGUAGE)
    if language == DEFAULT_LANGUAGE:
        return english
    try:
        return {**english, **_load(language)}
    except FileNotFoundError:
        return english


def _load(language: str) -> dict[str, str]:
    if not language.replace("-", "").isalnum():
        raise FileNotFoundError(language)
    text = resources.files(__package__).joinpath("catalogs", f"{language}.json").read_text("utf-8")
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError(f"catalog {language} is not an object")
    return {str(key): str(value) for key, value in data.items()}
