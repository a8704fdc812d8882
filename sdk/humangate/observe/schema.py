"""How analytics are laid out in the shared store (one place, so writer and readers agree).

Counters live in hashes of integer fields:

* ``stats:m:<minute>``: one hash per minute, kept 24 hours (the dashboard and CLI);
* ``stats:total``: running totals, kept 30 days after the last write (Prometheus
  counters must not fall when an old minute expires).

Field names are ``|``-separated tuples whose parts all come from small sets: event
kinds, levels, failure reasons, rule labels from the configuration, ISO country codes,
ASNs (capped per flush). That keeps label cardinality bounded however hostile the traffic.
"""

from __future__ import annotations

import math
import re

BUCKET_SECONDS = 60
RETENTION_SECONDS = 24 * 3600
TOTAL_TTL_SECONDS = 30 * 86400
RECENT_LIMIT = 200
RECENT_TTL_SECONDS = 24 * 3600

TOTAL_KEY = "stats:total"
RECENT_KEY = "stats:events"

# Solve-time histogram upper bounds (milliseconds); the last bucket is +Inf.
SOLVE_BOUNDS_MS = (250, 500, 1000, 2000, 4000, 8000, 15000, 30000, 60000, math.inf)

NONE = "-"  # a label that does not apply (no rule, no level)
MAX_LABEL = 80
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def minute_key(minute: int) -> str:
    return f"stats:m:{minute}"


def minute_of(at: float) -> int:
    return int(at // BUCKET_SECONDS) * BUCKET_SECONDS


def label(value: object) -> str:
    """A safe field part: no separator, no control characters, bounded length."""
    if value is None or value == "":
        return NONE
    if type(value) is str and value.isprintable() and "|" not in value:
        return value[:MAX_LABEL]  # the usual case, without a pass over each character
    text = "".join(ch if ch.isprintable() and ch != "|" else " " for ch in str(value))
    return text[:MAX_LABEL]


def country(value: object) -> str | None:
    if not value:
        return None  # the usual case: nothing could locate the client
    text = str(value).upper()
    return text if _COUNTRY.match(text) else None


def count_field(kind: str, rule: str, level: str) -> str:
    return f"n|{kind}|{rule}|{level}"


def reason_field(reason: str, level: str) -> str:
    return f"r|{reason}|{level}"


def pat_field(outcome: str) -> str:
    """Private Access Tokens presented, by outcome: "valid" or why not (humangate.pat)."""
    return f"p|{outcome}"


def geo_field(dimension: str, kind: str, value: str) -> str:
    return f"{dimension}|{kind}|{value}"  # dimension: "c" country, "a" ASN


def solve_field(rule: str, level: str, index: int) -> str:
    return f"s|{rule}|{level}|{index}"


def solve_sum_field(rule: str, level: str) -> str:
    return f"ss|{rule}|{level}"


def widget_field(kind: str, sitekey: str, outcome: str) -> str:
    """The Turnstile-compatible widget: solves and siteverify outcomes by sitekey (from
    the configuration) and outcome ("success" or documented error codes)."""
    return f"w|{kind}|{sitekey}|{outcome}"


def jsd_field(kind: str, outcome: str) -> str:
    """JavaScript Detections: pages ("page": "injected" or why not) and detection posts
    ("post": "passed", "failed" or why refused); outcomes are fixed labels."""
    return f"j|{kind}|{outcome}"


def solve_bucket(ms: int) -> int:
    for index, bound in enumerate(SOLVE_BOUNDS_MS):
        if ms <= bound:
            return index
    return len(SOLVE_BOUNDS_MS) - 1
