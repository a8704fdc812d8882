"""The fields of one request: what the engine hands to ``Expression.evaluate``."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Final
from urllib.parse import parse_qs

from humangate.client.ip import IPAddress
from humangate.http.request import MAX_HEADER_VALUE, Request
from humangate.rules.fields import FIELDS, canonical
from humangate.rules.types import BOOL, INT, IP, STRING, ArrayType, MapType, Type
from humangate.rules.uri import Mode, decode_unreserved, needs_normalising, normalise_path
from humangate.rules.values import MISSING


class RequestFields:
    """A :class:`~humangate.rules.FieldSource` over one :class:`Request`.

    Request-derived fields (``http.*``, ``ssl``, ``ip.src``, the timestamp, the ray id)
    are computed on first use and cached: a rule that reads only the path never parses
    the query string or builds the header map. Every other field (geolocation, bot
    score, clearance) comes from ``extra``, keyed by canonical field name; a value of
    the wrong type, ``None`` or an absent key is :data:`MISSING`.
    """

    __slots__ = ("_cache", "_client_ip", "_extra", "_now", "_ray_id", "_uri_mode", "request")

    def __init__(
        self,
        request: Request,
        client_ip: IPAddress | None,
        extra: Mapping[str, object] | None = None,
        *,
        ray_id: str = "",
        now: float | None = None,
        uri_mode: Mode = "cloudflare",
    ) -> None:
        self.request = request
        self._uri_mode = uri_mode
        self._client_ip = client_ip
        self._extra: Mapping[str, object] = extra or {}
        self._ray_id = ray_id
        self._now = now
        self._cache: dict[str, object] = {}

    def get(self, name: str) -> object:
        try:
            return self._cache[name]
        except KeyError:
            pass
        key = canonical(name)
        compute = _COMPUTED.get(key)
        value = compute(self) if compute is not None else self._from_extra(key)
        self._cache[name] = value
        return value

    def _from_extra(self, name: str) -> object:
        value = self._extra.get(name, MISSING)
        type_ = FIELDS.get(name)
        if value is MISSING or type_ is None or not _conforms(value, type_):
            return MISSING
        return value

    # Computed fields ----------------------------------------------------------------------

    def _path(self) -> str:
        path = self.request.path
        # The engine sends paths not in normal form elsewhere first: usually nothing to do.
        return (
            normalise_path(path, self._uri_mode)
            if needs_normalising(path, self._uri_mode)
            else path
        )

    def _uri(self) -> str:
        request = self.request
        raw = request.raw_path or request.path
        if self._uri_mode != "off":
            raw = normalise_path(decode_unreserved(raw), self._uri_mode)
        return f"{raw}?{request.query}" if request.query else raw

    def _full_uri(self) -> str:
        return f"{self.request.scheme}://{self.request.host}{self._uri()}"

    def _raw_full_uri(self) -> str:
        return f"{self.request.scheme}://{self.request.host}{self.request.target}"

    def _args(self) -> dict[str, list[str]]:
        return parse_qs(self.request.query, keep_blank_values=True)

    def _arg_names(self) -> list[str]:
        return list(self._parsed_args())

    def _arg_values(self) -> list[str]:
        return [value for values in self._parsed_args().values() for value in values]

    def _parsed_args(self) -> dict[str, list[str]]:
        args = self.get("http.request.uri.args")  # cached: parse the query once
        assert isinstance(args, dict)  # computed by _args, never MISSING
        return args

    def _headers(self) -> dict[str, list[str]]:
        headers: dict[str, list[str]] = {}
        for name, value in self._header_lines():
            headers.setdefault(name, []).append(value)
        return headers

    def _header_lines(self) -> list[tuple[str, str]]:
        # Over-long values are absent to the core (see humangate.http.request.MAX_HEADER_VALUE).
        return [(n, v) for n, v in self.request.headers if len(v) <= MAX_HEADER_VALUE]

    def _header_names(self) -> list[str]:
        return [name for name, _ in self._header_lines()]

    def _header_values(self) -> list[str]:
        return [value for _, value in self._header_lines()]

    def _cookie(self) -> str:
        # HTTP/2 splits Cookie into several lines; RFC 9113 §8.2.3 rejoins them with "; ".
        return "; ".join(self.request.header_list("cookie"))

    def _timestamp(self) -> int:
        return int(self._now if self._now is not None else time.time())

    def _timestamp_ms(self) -> int:
        return int((self._now if self._now is not None else time.time()) * 1000)

    def _extension(self) -> str:
        last = self._path().rpartition("/")[2]
        stem, dot, extension = last.rpartition(".")
        return extension.lower() if dot and stem else ""

    def _ip(self) -> object:
        return MISSING if self._client_ip is None else self._client_ip

    def _ray(self) -> object:
        return self._ray_id or MISSING


def _header(name: str) -> Callable[[RequestFields], object]:
    # Cloudflare gives "" for an absent header in these string fields.
    return lambda fields: fields.request.header(name, "") or ""


_COMPUTED: Final[Mapping[str, Callable[[RequestFields], object]]] = MappingProxyType(
    {
        "http.host": lambda f: f.request.host,
        "http.request.method": lambda f: f.request.method.upper(),
        "http.request.uri": RequestFields._uri,
        "http.request.uri.path": RequestFields._path,
        "http.request.uri.query": lambda f: f.request.query,
        "http.request.full_uri": RequestFields._full_uri,
        "http.request.uri.args": RequestFields._args,
        "http.request.uri.args.names": RequestFields._arg_names,
        "http.request.uri.args.values": RequestFields._arg_values,
        "raw.http.request.uri": lambda f: f.request.target,
        "raw.http.request.uri.path": lambda f: f.request.raw_path or f.request.path,
        "raw.http.request.uri.query": lambda f: f.request.query,
        "raw.http.request.full_uri": RequestFields._raw_full_uri,
        "http.user_agent": _header("user-agent"),
        "http.referer": _header("referer"),
        "http.x_forwarded_for": _header("x-forwarded-for"),
        "http.cookie": RequestFields._cookie,
        "http.request.headers": RequestFields._headers,
        "http.request.headers.names": RequestFields._header_names,
        "http.request.headers.values": RequestFields._header_values,
        "http.request.cookies": lambda f: {k: [v] for k, v in f.request.cookies.items()},
        "ssl": lambda f: f.request.scheme in ("https", "wss"),
        "ip.src": RequestFields._ip,
        "http.request.timestamp.sec": RequestFields._timestamp,
        "http.request.timestamp.msec": RequestFields._timestamp_ms,
        "http.request.uri.path.extension": RequestFields._extension,
        "cf.ray_id": RequestFields._ray,
    }
)


def _conforms(value: object, type_: Type) -> bool:
    """Whether an ``extra`` value has the Python shape the compiled closures expect."""
    if type_ == STRING:
        return isinstance(value, str)
    if type_ == INT:
        return type(value) is int
    if type_ == BOOL:
        return type(value) is bool
    if type_ == IP:
        return isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address)
    if isinstance(type_, ArrayType):
        return isinstance(value, list | tuple) and all(_conforms(v, type_.element) for v in value)
    if isinstance(type_, MapType):
        return isinstance(value, Mapping) and all(
            isinstance(k, str) and _conforms(v, type_.element) for k, v in value.items()
        )
    return False
