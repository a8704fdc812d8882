"""Which catalog a visitor gets: from a language tag or an Accept-Language header.

The rules mirror js/src/i18n.js (the page applies the same mapping to
``navigator.language``), so server and browser agree on every tag:

1. exact catalog code (``pt-br``, ``zh-tw``, ``ja``);
2. Chinese by script, else region: Traditional for ``zh-Hant``, ``-TW``, ``-HK``, ``-MO``;
   Simplified for everything else (``zh``, ``zh-Hans``, ``zh-Hans-HK``, ``-CN``, ``-SG``);
3. Portuguese of any region reads the Brazilian catalog (the only one there is);
4. otherwise the primary subtag (``fr-CA`` -> ``fr``, ``ar-EG`` -> ``ar``).

Anything else (``und``, ``*``, garbage) matches nothing; the caller falls back to English.
"""

from __future__ import annotations

import re
from collections.abc import Collection

RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur"})

_TAG = re.compile(r"^[a-z]{1,8}(?:-[a-z0-9]{1,8})*$")
_TRADITIONAL = frozenset({"hant", "tw", "hk", "mo"})
# A header is a few dozen bytes in practice; cap the work a hostile one can cause.
_MAX_HEADER = 1024
_MAX_ENTRIES = 24


def resolve(tag: str, supported: Collection[str]) -> str | None:
    """The catalog code for one BCP 47 ``tag``, or None when no catalog fits."""
    tag = tag.strip().replace("_", "-").lower()
    if not _TAG.match(tag) or tag == "und":
        return None
    if tag in supported:
        return tag
    primary, *rest = tag.split("-")
    if primary == "zh":
        # The script subtag, when given, beats the region: zh-Hans-HK is Simplified.
        traditional = "hant" in rest or ("hans" not in rest and bool(_TRADITIONAL & set(rest)))
        code = "zh-tw" if traditional else "zh-cn"
    elif primary == "pt":
        code = "pt-br"
    else:
        code = primary
    return code if code in supported else None


def negotiate(header: str | None, supported: Collection[str]) -> str | None:
    """The best catalog for an ``Accept-Language`` header by q-value, or None.

    Never raises: a malformed entry is skipped, as is ``*`` (it says "anything", which
    is no preference) and ``q=0`` (explicitly not wanted).
    """
    if not header:
        return None
    ranked: list[tuple[float, int, str]] = []
    for index, entry in enumerate(header[:_MAX_HEADER].split(",")[:_MAX_ENTRIES]):
        tag, _, params = entry.partition(";")
        quality = _quality(params)
        if quality > 0:
            ranked.append((-quality, index, tag))
    for _, _, tag in sorted(ranked):
        code = resolve(tag, supported)
        if code is not None:
            return code
    return None


def _quality(params: str) -> float:
    """The ``q`` parameter (default 1); malformed or out of range counts as 0."""
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                quality = float(value.strip())
            except ValueError:
                return 0.0
            return quality if 0.0 <= quality <= 1.0 else 0.0
    return 1.0
