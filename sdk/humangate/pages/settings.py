"""Validation of the page settings of :class:`humangate.Config` (kept here, next to the
pages, so config.py only calls one function)."""

from __future__ import annotations

from pathlib import Path

from humangate.errors import ConfigError
from humangate.i18n import available, resolve
from humangate.pages.custom import CustomTemplate, TemplateError, parse_template, read_template

MAX_FAVICON_BYTES = 256 * 1024

# Leading bytes -> media type, for the formats browsers accept as icons.
_ICON_TYPES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\x00\x00\x01\x00", "image/x-icon"),
    (b"GIF8", "image/gif"),
    (b"RIFF", "image/webp"),
    (b"<svg", "image/svg+xml"),
    (b"<?xml", "image/svg+xml"),
)


def check_page_settings(
    language: str | None, template: str | None, favicon: str | bytes | None
) -> tuple[str | None, CustomTemplate | None, bytes | None]:
    """Normalised (language code, parsed template, favicon bytes); ConfigError if bad."""
    return _language(language), _template(template), _favicon(favicon)


def _language(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError("language", "expected a language code such as 'fr' or 'pt-BR'")
    code = resolve(value, available())
    if code is None:
        choices = ", ".join(sorted(available()))
        raise ConfigError("language", f"{value!r} has no catalog (available: {choices})")
    return code


def _template(value: str | None) -> CustomTemplate | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigError("challenge_template", "expected HTML text or a file path")
    try:
        return parse_template(read_template(value))
    except TemplateError as exc:
        raise ConfigError("challenge_template", str(exc)) from None


def _favicon(value: str | bytes | None) -> bytes | None:
    if value is None:
        return None
    if isinstance(value, str):
        path = value
        if "\0" in path:  # Path would raise a bare ValueError
            position = path.index("\0")
            raise ConfigError("favicon", f"NUL character at character {position} of the path")
        try:
            value = Path(path).read_bytes()
        except OSError as exc:
            raise ConfigError("favicon", f"cannot read {path}: {exc.strerror or exc}") from None
        except ValueError:  # a lone surrogate the file system cannot encode
            raise ConfigError("favicon", f"{path!a} is not a usable file path") from None
    if not isinstance(value, bytes) or not value:
        raise ConfigError("favicon", "expected a file path or the icon's bytes")
    if len(value) > MAX_FAVICON_BYTES:
        raise ConfigError("favicon", f"larger than {MAX_FAVICON_BYTES // 1024} KiB")
    if icon_type(value) is None:
        raise ConfigError("favicon", "not an ICO, PNG, GIF, WebP or SVG image")
    return value


def icon_type(data: bytes) -> str | None:
    """The media type of an icon from its first bytes, or None if not an image we know."""
    head = data[:16].lstrip()
    for magic, media_type in _ICON_TYPES:
        if head.startswith(magic):
            return media_type
    return None
