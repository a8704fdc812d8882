"""The built browser runtime, served from the wheel (no Node needed at install).

Each file is served under two names: its plain name (``challenge.js``, short cache, for
pages that hard-code it) and a content-hashed one (``challenge.3f9a0c1b2d4e.js``,
cached for a year as ``immutable``) that humangate's own pages use, so a release never
meets a stale cached script. The build (js/build.mjs) ships gzip and brotli variants
next to each file; the one the browser accepts is sent as is, with ``Vary:
accept-encoding``, so nothing is compressed per request.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from importlib import resources

from humangate.http.answers import cacheable
from humangate.http.response import Response

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".mjs": "text/javascript; charset=utf-8",
    ".wasm": "application/wasm",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".ico": "image/x-icon",
    ".svg": "image/svg+xml",
}
# Preferred first when the browser accepts several.
_ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
_SHORT = "public, max-age=3600"
_IMMUTABLE = "public, max-age=31536000, immutable"


@dataclass(frozen=True, slots=True)
class _Asset:
    content_type: str
    digest: str  # hex, the first 12 characters name the hashed file
    variants: dict[str, bytes]  # content-encoding ("identity", "br", "gzip") -> bytes


@functools.cache
def _load() -> dict[str, _Asset]:
    root = resources.files("humangate").joinpath("static")
    entries = {entry.name: entry for entry in root.iterdir() if entry.is_file()}
    assets = {}
    for name, entry in entries.items():
        suffix = "." + name.rsplit(".", 1)[-1]
        if suffix not in _TYPES:
            continue  # .gz/.br variants are read with their file
        data = entry.read_bytes()
        variants = {"identity": data}
        for encoding, extension in _ENCODINGS:
            if name + extension in entries:
                variants[encoding] = entries[name + extension].read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        assets[name] = _Asset(_TYPES[suffix], digest, variants)
    return assets


@functools.cache  # the files are read once per process (_load); every page names its script
def hashed_name(name: str) -> str:
    """``challenge.js`` -> ``challenge.<hash>.js`` (the name itself if unknown)."""
    asset = _load().get(name)
    if asset is None:
        return name
    stem, dot, extension = name.rpartition(".")
    return f"{stem}.{asset.digest[:12]}{dot}{extension}"


def _accepted(header: str | None) -> set[str]:
    """The codings an Accept-Encoding header allows (q=0 refuses one)."""
    accepted = set()
    for part in (header or "").lower().split(","):
        coding, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=")
        if coding and not (params.strip().startswith("q=") and _is_zero(quality)):
            accepted.add(coding.strip())
    return accepted


def _is_zero(quality: str) -> bool:
    try:
        return float(quality) == 0
    except ValueError:
        return False


class StaticAssets:
    """Every file of ``humangate/static``, loaded once per process."""

    __slots__ = ("_by_name",)

    def __init__(self) -> None:
        # name as requested -> (file name, hashed?)
        self._by_name: dict[str, tuple[str, bool]] = {}
        for name in _load():
            self._by_name[name] = (name, False)
            self._by_name[hashed_name(name)] = (name, True)

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def url(self, prefix: str, name: str) -> str:
        """Where humangate's own pages load ``name`` from: the content-hashed name."""
        return f"{prefix}static/{hashed_name(name)}"

    def response(
        self,
        name: str,
        method: str,
        if_none_match: str | None,
        accept_encoding: str | None = None,
    ) -> Response | None:
        """The asset, a 304, or None when there is no such file."""
        found = self._by_name.get(name)
        if found is None:
            return None
        file_name, hashed = found
        asset = _load()[file_name]
        accepted = _accepted(accept_encoding)
        encoding = next((e for e, _ in _ENCODINGS if e in accepted and e in asset.variants), None)
        data = asset.variants[encoding or "identity"]
        # One ETag per representation: a cache must not answer a gzip request with br.
        etag = f'"{asset.digest[:20]}{"-" + encoding if encoding else ""}"'
        headers = [
            ("content-type", asset.content_type),
            ("cache-control", _IMMUTABLE if hashed else _SHORT),
            ("vary", "accept-encoding"),
            ("x-content-type-options", "nosniff"),
        ]
        if encoding:
            headers.append(("content-encoding", encoding))
        return cacheable(data, etag, tuple(headers), method, if_none_match)
