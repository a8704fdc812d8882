"""Catalogs and language negotiation (humangate.i18n)."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from humangate.i18n import available, catalog, catalog_json, choose_language, direction
from humangate.i18n.negotiate import negotiate, resolve

# The 17 Challenge Page languages of the seeds' "Supported languages" table.
SEED_LANGUAGES = {
    "ar", "zh-cn", "zh-tw", "nl", "en", "fr", "de", "id", "it", "ja", "ko", "fa", "pl",
    "pt-br", "ru", "es", "tr",
}  # fmt: skip
# Values that are the same word in English and in the language (a product name).
ALLOWED_IDENTICAL = {"ray_label"}


def _raw(code: str) -> dict[str, str]:
    root = resources.files("humangate.i18n").joinpath("catalogs", f"{code}.json")
    data: dict[str, str] = json.loads(root.read_text("utf-8"))
    return data


def test_every_seed_language_ships() -> None:
    assert available() >= SEED_LANGUAGES


@pytest.mark.parametrize("code", sorted(SEED_LANGUAGES - {"en"}))
def test_catalog_has_every_key_translated(code: str) -> None:
    english, translated = _raw("en"), _raw(code)
    assert set(translated) == set(english), "missing or extra keys"
    same = {k for k in english if translated[k] == english[k]} - ALLOWED_IDENTICAL
    assert same == set(), f"left in English: {sorted(same)}"
    for key, value in translated.items():
        assert value.strip() == value and value, key
        # Placeholders are not used in catalogs; a stray "$" would break the templates.
        assert "$" not in value and "{" not in value, key


@pytest.mark.parametrize("code", ["ar", "fa"])
def test_right_to_left_catalogs_use_their_own_punctuation(code: str) -> None:
    for key, value in _raw(code).items():
        assert "," not in value and "?" not in value, key  # "،" and "؟" instead


def test_catalog_falls_back_to_english_for_unknown_language() -> None:
    assert catalog("xx") == catalog("en")
    assert catalog("../en") == catalog("en")


def test_catalog_json_is_the_whole_catalog() -> None:
    assert json.loads(catalog_json("ja")) == catalog("ja")


@pytest.mark.parametrize(
    ("tag", "code"),
    [
        ("ar-EG", "ar"), ("ar", "ar"), ("zh-CN", "zh-cn"), ("zh", "zh-cn"), ("zh-TW", "zh-tw"),
        ("nl-NL", "nl"), ("en-US", "en"), ("fr-FR", "fr"), ("de-DE", "de"), ("id-ID", "id"),
        ("it-IT", "it"), ("ja-JP", "ja"), ("ko-KR", "ko"), ("fa", "fa"), ("fa-IR", "fa"),
        ("pl-PL", "pl"), ("pt-BR", "pt-br"), ("pt", "pt-br"), ("ru-RU", "ru"), ("es-ES", "es"),
        ("tr-TR", "tr"),
        # fallbacks
        ("pt-PT", "pt-br"), ("zh-HK", "zh-tw"), ("zh-MO", "zh-tw"), ("zh-Hant", "zh-tw"),
        ("zh-Hant-CN", "zh-tw"), ("zh-SG", "zh-cn"), ("zh-Hans-HK", "zh-cn"), ("es-419", "es"),
        ("fr_CA", "fr"), ("  DE-at ", "de"),
    ],
)  # fmt: skip
def test_resolve(tag: str, code: str) -> None:
    assert resolve(tag, available()) == code


@pytest.mark.parametrize("tag", ["sv-SE", "und", "*", "", "12", "en US", "x" * 9, "-", "en--"])
def test_resolve_nothing(tag: str) -> None:
    assert resolve(tag, available()) is None


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5", "fr"),
        ("sv, de;q=0.8, en;q=0.5", "de"),  # first *supported* language wins
        ("en;q=0.2, ja;q=0.9", "ja"),  # by q-value, not position
        ("ja;q=0, ko", "ko"),  # q=0 means "not this one"
        ("*", None),
        ("und", None),
        ("und, *;q=0.1", None),
        (";;;,,,=q", None),
        ("ja;q=abc, ko;q=0.5", "ko"),  # a malformed q drops that entry only
        ("ja;q=2, ko;q=0.5", "ko"),  # out of range too
        ("ja;q=nan, ko", "ko"),
        ("\x00\xff, tr", "tr"),
        ("", None),
        (None, None),
    ],
)
def test_negotiate(header: str | None, code: str | None) -> None:
    assert negotiate(header, available()) == code


def test_negotiate_bounds_hostile_headers() -> None:
    # Thousands of entries: only the first few are looked at (and no exception).
    assert negotiate("xx, " * 5000 + "ja", available()) is None
    assert negotiate("a" * 100_000, available()) is None


def test_choose_language() -> None:
    assert choose_language(None, "de-DE,de;q=0.9") == "de"
    assert choose_language(None, "garbage;;") == "en"
    assert choose_language("ja", "de-DE") == "ja"  # forced by the owner


def test_direction() -> None:
    assert direction("ar") == direction("fa") == "rtl"
    assert direction("zh-tw") == direction("en") == "ltr"
