"""The built browser runtime, served from the wheel (no Node needed at install)."""

from __future__ import annotations

from importlib import resources

from humangate.http.answers import cacheable, etag_of
from humangate.http.request import Response

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".ico": "image/x-icon",
    ".svg": "image/svg+xml",
}


class StaticAssets:
    """Every file of ``humangate/static`` loaded once, with an ETag each."""

    __slots__ = ("_files",)

    def __init__(self) -> None:
        self._files: dict[str, tuple[bytes, str, str]] = {}
        root = resources.files("humangate").joinpath("static")
        for entry in root.iterdir():
            suffix = "." + entry.name.rsplit(".", 1)[-1]
            if entry.is_file() and suffix in _TYPES:
                data = entry.read_bytes()
                self._files[entry.name] = (data, _TYPES[suffix], etag_of(data))

    def __contains__(self, name: str) -> bool:
        return name in self._files

    def response(self, name: str, method: str, if_none_match: str | None) -> Response | None:
        """The asset, a 304, or None when there is no such file."""
        found = self._files.get(name)
        if found is None:
            return None
        data, content_type, etag = found
        headers = (
            ("content-type", content_type),
            ("cache-control", "public, max-age=3600"),
            ("x-content-type-options", "nosniff"),
        )
        return cacheable(data, etag, headers, method, if_none_match)
