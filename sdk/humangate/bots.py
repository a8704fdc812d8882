"""Verified bots: a crawler's User-Agent counts only from its operator's published ranges.

``cf.client.bot`` / ``cf.bot_management.verified_bot`` is true when the User-Agent names
a known crawler *and* the client IP lies in the IP ranges that crawler's operator
publishes (e.g. Google's googlebot.json). A Googlebot User-Agent from anywhere else is
a spoof and gets false. The ranges ship in ``humangate/data/verified_bots.json``
(a dated snapshot whose sources are cited in the file) and are refreshed with
``humangate bots refresh --from FILE_OR_URL``.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from humangate.errors import ConfigError

ClientIP = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class Crawler:
    name: str
    user_agent: re.Pattern[str]
    networks: tuple[Network, ...]


def prefixes_from_published(data: Mapping[str, Any]) -> list[str]:
    """The prefixes of a list in Google's/Bing's published format:
    ``{"creationTime": …, "prefixes": [{"ipv4Prefix": …} | {"ipv6Prefix": …}]}``."""
    prefixes = data.get("prefixes")
    if not isinstance(prefixes, list):
        raise ValueError("expected a 'prefixes' list")
    found = []
    for entry in prefixes:
        if isinstance(entry, dict):
            value = entry.get("ipv4Prefix") or entry.get("ipv6Prefix")
            if isinstance(value, str):
                found.append(value)
    return found


class VerifiedBots:
    __slots__ = ("_crawlers",)

    def __init__(self, crawlers: Iterable[Crawler]) -> None:
        self._crawlers = tuple(crawlers)

    @classmethod
    def load(cls, path: str | None = None) -> VerifiedBots:
        try:
            if path is None:
                text = resources.files("humangate").joinpath("data", "verified_bots.json")
                raw = json.loads(text.read_text("utf-8"))
            else:
                raw = json.loads(Path(path).read_text("utf-8"))
            return cls(parse_bots(raw))
        except (OSError, ValueError, KeyError, TypeError, re.error) as exc:
            raise ConfigError("bots_file", f"cannot load verified bot ranges: {exc}") from None

    @property
    def crawlers(self) -> tuple[Crawler, ...]:
        return self._crawlers

    def is_verified(self, ip: ClientIP | None, user_agent: str) -> bool:
        if ip is None or not user_agent:
            return False
        for crawler in self._crawlers:
            if crawler.user_agent.search(user_agent):
                # Only the crawler the User-Agent claims to be may vouch for it.
                return any(ip.version == n.version and ip in n for n in crawler.networks)
        return False


def parse_bots(raw: Mapping[str, Any]) -> list[Crawler]:
    crawlers = []
    for name, spec in raw["crawlers"].items():
        networks = tuple(ipaddress.ip_network(p, strict=False) for p in spec["prefixes"])
        crawlers.append(Crawler(name, re.compile(spec["user_agent"]), networks))
    return crawlers


def refresh(
    current: Mapping[str, Any], crawler: str, published: Mapping[str, Any]
) -> dict[str, Any]:
    """``current`` with ``crawler``'s prefixes replaced by those of a published list."""
    prefixes = prefixes_from_published(published)
    for prefix in prefixes:
        ipaddress.ip_network(prefix, strict=False)  # refuse a malformed list whole
    if not prefixes:
        raise ValueError("the published list has no prefixes")
    updated = json.loads(json.dumps(current))
    if crawler not in updated["crawlers"]:
        raise ValueError(f"unknown crawler {crawler!r}; known: {', '.join(updated['crawlers'])}")
    entry = updated["crawlers"][crawler]
    entry["prefixes"] = prefixes
    entry["creationTime"] = published.get("creationTime", "")
    return dict(updated)
