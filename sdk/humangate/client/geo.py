"""Country, continent and ASN of a client IP, offline.

humangate reads MaxMind-format databases (``.mmdb``) the owner supplies — GeoLite2
Country/ASN, DB-IP Lite or IPinfo Lite — through the ``maxminddb`` package
(``pip install maxminddb``). We chose that over ``geoip2fast``, which ships its data,
after measuring both (docs/rules.md, "Geo"): geoip2fast's data has no ASN numbers and no
continent (``ip.src.asnum in {16509 15169}`` from the seeds could not work), it is a
9.6 MB download frozen at its release date, and loading it costs 0.3 s and ~90 MB per
worker; maxminddb is a 100 KB wheel that memory-maps a file the owner keeps current.

A CDN's country header (``country_header="cf-ipcountry"``) is believed only when the
TCP peer is a trusted proxy, otherwise any client could claim any country.
"""

from __future__ import annotations

import importlib
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from humangate.client.ip import IPAddress, parse_networks
from humangate.errors import ConfigError


@dataclass(frozen=True, slots=True)
class GeoInfo:
    country: str | None = None
    continent: str | None = None
    asn: int | None = None


class GeoLookup(Protocol):
    def lookup(self, ip: IPAddress) -> GeoInfo: ...


class NoGeo:
    """No database configured: every geo field is missing."""

    def lookup(self, ip: IPAddress) -> GeoInfo:
        return GeoInfo()


class MaxMindGeo:
    """Country/continent from a Country (or City) MMDB, ASN from an ASN MMDB."""

    __slots__ = ("_asn", "_country")

    def __init__(self, country_db: str | None, asn_db: str | None) -> None:
        self._country = _open_mmdb("geoip_country_db", country_db) if country_db else None
        self._asn = _open_mmdb("geoip_asn_db", asn_db) if asn_db else None

    def lookup(self, ip: IPAddress) -> GeoInfo:
        country = continent = None
        asn = None
        if self._country is not None:
            record = self._country.get(str(ip)) or {}
            country = _path(record, "country", "iso_code") or _path(
                record, "registered_country", "iso_code"
            )
            continent = _path(record, "continent", "code")
        if self._asn is not None:
            number = (self._asn.get(str(ip)) or {}).get("autonomous_system_number")
            asn = number if type(number) is int else None
        return GeoInfo(country, continent, asn)


def _path(record: Any, *keys: str) -> str | None:
    for key in keys:
        if not isinstance(record, dict):
            return None
        record = record.get(key)
    return record if isinstance(record, str) else None


def _open_mmdb(setting: str, path: str) -> Any:
    try:
        # Imported by name: an optional dependency, needed only when a database is set.
        maxminddb = importlib.import_module("maxminddb")
    except ImportError:
        raise ConfigError(setting, "needs the maxminddb package: pip install maxminddb") from None
    try:
        return maxminddb.open_database(path)
    except (OSError, ValueError) as exc:
        raise ConfigError(setting, f"cannot open {path}: {exc}") from None


def open_geo(country_db: str | None, asn_db: str | None) -> GeoLookup:
    if not country_db and not asn_db:
        return NoGeo()
    return MaxMindGeo(country_db, asn_db)


def header_country(value: str | None) -> str | None:
    """A CDN country header's value if it is a two-character code (``US``, ``T1``, ``XX``)."""
    if value and len(value.strip()) == 2 and value.strip().isalnum():
        return value.strip().upper()
    return None


class TrustedPeers:
    """Whether the TCP peer is one of the owner's proxies (``trusted_proxies``): with a
    hop count every peer is the proxy unless ``trusted_proxy_peers`` names them; with
    CIDRs, only peers inside them."""

    __slots__ = ("_any", "_networks")

    def __init__(
        self, trusted_proxies: int | Sequence[str] | None, proxy_peers: Sequence[str] = ()
    ) -> None:
        self._any = isinstance(trusted_proxies, int) and trusted_proxies > 0 and not proxy_peers
        listed = trusted_proxies if isinstance(trusted_proxies, list | tuple) else proxy_peers
        self._networks = parse_networks("trusted_proxies", listed)

    def trusts(self, peer: str | None) -> bool:
        if self._any:
            return True
        if not peer or not self._networks:
            return False
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        return any(address in network for network in self._networks)
