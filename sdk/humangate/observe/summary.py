"""Reading the shared analytics back: one :class:`Summary` for dashboard, CLI and metrics.

CSR (challenge solve rate) = solved / issued, as the seeds define it; failed challenges
are issued - solved (a challenge never answered counts as failed, like Cloudflare's).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass, field

from humangate.observe import schema
from humangate.stores.base import Store

KINDS = (
    "challenge_issued",
    "challenge_solved",
    "challenge_failed",
    "passed_with_clearance",
    "blocked",
    "rate_limited",
)


@dataclass
class RuleStats:
    rule: str
    level: str
    issued: int = 0
    solved: int = 0
    rejected: int = 0  # submissions refused (wrong, replayed, automated...)
    passed: int = 0
    blocked: int = 0
    rate_limited: int = 0
    solve_buckets: list[int] = field(default_factory=lambda: [0] * len(schema.SOLVE_BOUNDS_MS))
    solve_ms_sum: int = 0

    @property
    def failed(self) -> int:
        return max(self.issued - self.solved, 0)

    @property
    def csr(self) -> float | None:
        return self.solved / self.issued if self.issued else None

    @property
    def median_solve_ms(self) -> float | None:
        return histogram_quantile(0.5, self.solve_buckets)


@dataclass
class Point:
    """One step of the time series: counts per rule in [start, start + step)."""

    start: int
    issued: Counter[str] = field(default_factory=Counter)
    solved: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)


@dataclass
class Summary:
    rows: list[RuleStats]
    kinds: Counter[str]
    reasons: Counter[str]
    countries: list[tuple[str, int]]
    asns: list[tuple[str, int]]
    series: list[Point]
    step: int
    recent: list[dict[str, object]]
    pat: Counter[str] = field(default_factory=Counter)  # Private Access Tokens by outcome

    @property
    def pat_presented(self) -> int:
        return sum(self.pat.values())

    # The widget: (kind, sitekey, outcome) -> count; kind widget_solved or siteverify.
    widget: Counter[tuple[str, str, str]] = field(default_factory=Counter)
    # JavaScript Detections: ("page" | "post", outcome) -> count (humangate.jsd).
    jsd: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def issued(self) -> int:
        return sum(r.issued for r in self.rows)

    @property
    def solved(self) -> int:
        return sum(r.solved for r in self.rows)

    @property
    def csr(self) -> float | None:
        return self.solved / self.issued if self.issued else None

    def top_rules(self, n: int = 8) -> list[RuleStats]:
        activity = [r for r in self.rows if r.issued or r.blocked or r.rate_limited or r.passed]
        return sorted(activity, key=lambda r: -(r.issued + r.blocked + r.rate_limited))[:n]


def histogram_quantile(q: float, buckets: list[int]) -> float | None:
    """Linear interpolation inside the bucket holding the q-quantile (as Prometheus does)."""
    total = sum(buckets)
    if not total:
        return None
    rank, seen, lower = q * total, 0, 0.0
    for bound, count in zip(schema.SOLVE_BOUNDS_MS, buckets, strict=True):
        if seen + count >= rank and count:
            if math.isinf(bound):
                return lower
            return lower + (bound - lower) * (rank - seen) / count
        seen += count
        lower = float(bound)
    return lower


def aggregate(fields: dict[str, int]) -> tuple[dict[tuple[str, str], RuleStats], Counter[str]]:
    """Rule rows and other counters from one hash (a minute or the totals)."""
    rows: dict[tuple[str, str], RuleStats] = {}
    other: Counter[str] = Counter()

    def row(rule: str, level: str) -> RuleStats:
        key = (rule, level)
        if key not in rows:
            rows[key] = RuleStats(rule, level)
        return rows[key]

    attribute = {
        "challenge_issued": "issued",
        "challenge_solved": "solved",
        "challenge_failed": "rejected",
        "passed_with_clearance": "passed",
        "blocked": "blocked",
        "rate_limited": "rate_limited",
    }
    for name, value in fields.items():
        parts = name.split("|")
        if parts[0] == "n" and len(parts) == 4 and parts[1] in attribute:
            stats = row(parts[2], parts[3])
            setattr(stats, attribute[parts[1]], getattr(stats, attribute[parts[1]]) + value)
        elif parts[0] == "s" and len(parts) == 4 and parts[3].isdigit():
            index = int(parts[3])
            if index < len(schema.SOLVE_BOUNDS_MS):
                row(parts[1], parts[2]).solve_buckets[index] += value
        elif parts[0] == "ss" and len(parts) == 3:
            row(parts[1], parts[2]).solve_ms_sum += value
        else:
            other[name] += value
    return rows, other


def read_summary(
    store: Store,
    now: float,
    *,
    window: int = schema.RETENTION_SECONDS,
    points: int = 48,
    recent: int = 50,
) -> Summary:
    """Everything the dashboard shows, for the last ``window`` seconds."""
    bucket = schema.BUCKET_SECONDS
    last = schema.minute_of(now)
    minutes = list(range(last - window + bucket, last + bucket, bucket))
    hashes = store.hget_many([schema.minute_key(m) for m in minutes])
    step = max(bucket, (window // points) // bucket * bucket)
    first = minutes[0]
    series = [Point(first + i * step) for i in range(math.ceil(window / step))]
    merged: dict[tuple[str, str], RuleStats] = {}
    other: Counter[str] = Counter()
    for minute, fields in zip(minutes, hashes, strict=True):
        if not fields:
            continue
        rows, extra = aggregate(fields)
        other.update(extra)
        point = series[min((minute - first) // step, len(series) - 1)]
        for key, stats in rows.items():
            point.issued[stats.rule] += stats.issued
            point.solved[stats.rule] += stats.solved
            for kind, value in _outcomes(stats).items():
                point.outcomes[kind] += value
            _merge(merged.setdefault(key, RuleStats(*key)), stats)
    return _summary(merged, other, series, step, _recent(store, recent))


def read_totals(store: Store) -> tuple[list[RuleStats], Counter[str]]:
    """The running totals (what Prometheus scrapes: monotonic counters)."""
    (fields,) = store.hget_many([schema.TOTAL_KEY])
    rows, other = aggregate(fields)
    return sorted(rows.values(), key=lambda r: (r.rule, r.level)), other


def _outcomes(stats: RuleStats) -> dict[str, int]:
    return {
        "solved": stats.solved,
        "failed": stats.failed,
        "passed": stats.passed,
        "blocked": stats.blocked,
        "rate limited": stats.rate_limited,
    }


def _merge(into: RuleStats, more: RuleStats) -> None:
    for name in (
        "issued",
        "solved",
        "rejected",
        "passed",
        "blocked",
        "rate_limited",
        "solve_ms_sum",
    ):
        setattr(into, name, getattr(into, name) + getattr(more, name))
    into.solve_buckets = [
        a + b for a, b in zip(into.solve_buckets, more.solve_buckets, strict=True)
    ]


def _summary(
    rows: dict[tuple[str, str], RuleStats],
    other: Counter[str],
    series: list[Point],
    step: int,
    recent: list[dict[str, object]],
) -> Summary:
    kinds: Counter[str] = Counter()
    for stats in rows.values():
        kinds["challenge_issued"] += stats.issued
        kinds["challenge_solved"] += stats.solved
        kinds["challenge_failed"] += stats.rejected
        kinds["passed_with_clearance"] += stats.passed
        kinds["blocked"] += stats.blocked
        kinds["rate_limited"] += stats.rate_limited
    reasons: Counter[str] = Counter()
    countries: Counter[str] = Counter()
    asns: Counter[str] = Counter()
    pat: Counter[str] = Counter()
    widget: Counter[tuple[str, str, str]] = Counter()
    jsd: Counter[tuple[str, str]] = Counter()
    for name, value in other.items():
        parts = name.split("|")
        if parts[0] == "j" and len(parts) == 3:
            jsd[parts[1], parts[2]] += value
        elif parts[0] == "p" and len(parts) == 2:
            pat[parts[1]] += value
        elif parts[0] == "w" and len(parts) == 4:
            widget[parts[1], parts[2], parts[3]] += value
        elif parts[0] == "r" and len(parts) == 3:
            reasons[parts[1]] += value
        elif parts[0] == "c" and len(parts) == 3:
            countries[parts[2]] += value
        elif parts[0] == "a" and len(parts) == 3:
            asns[parts[2]] += value
    ordered = sorted(rows.values(), key=lambda r: (-r.issued, r.rule, r.level))
    return Summary(
        ordered,
        kinds,
        reasons,
        countries.most_common(10),
        asns.most_common(10),
        series,
        step,
        recent,
        pat,
        widget,
        jsd,
    )


def _recent(store: Store, limit: int) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for item in store.recent(schema.RECENT_KEY, limit):
        try:
            data = json.loads(item)
        except ValueError:
            continue
        if isinstance(data, dict):
            out.append(data)
    # Workers flush in their own rhythm: order by the decision's time, not arrival. A solve
    # recorded by another worker than the issuer gets its rule from the issue event.
    out.sort(key=lambda e: -float(e.get("at", 0) or 0))  # type: ignore[arg-type]
    rules = {e.get("ray"): e.get("rule") for e in out if e.get("kind") == "challenge_issued"}
    for e in out:
        if e.get("kind") == "challenge_solved" and not e.get("rule") and rules.get(e.get("ray")):
            e["rule"] = rules[e.get("ray")]
    return out


def as_dict(summary: Summary) -> dict[str, object]:
    """The summary as plain JSON-able data (``dashboard?format=json``, ``humangate stats``)."""
    return {
        "issued": summary.issued,
        "solved": summary.solved,
        "failed": max(summary.issued - summary.solved, 0),
        "csr": summary.csr,
        "outcomes": dict(summary.kinds),
        "failure_reasons": dict(summary.reasons),
        "rules": [
            {
                "rule": r.rule,
                "level": r.level,
                "issued": r.issued,
                "solved": r.solved,
                "failed": r.failed,
                "csr": r.csr,
                "median_solve_ms": r.median_solve_ms,
                "passed": r.passed,
                "blocked": r.blocked,
                "rate_limited": r.rate_limited,
                "rejected": r.rejected,
            }
            for r in summary.rows
        ],
        "countries": summary.countries,
        "asns": summary.asns,
        "private_access_tokens": {
            "presented": summary.pat_presented,
            "valid": summary.pat["valid"],
            "invalid": {k: v for k, v in sorted(summary.pat.items()) if k != "valid"},
        },
        "recent": summary.recent,
        "widget": [
            {"kind": kind, "sitekey": sitekey, "outcome": outcome, "count": count}
            for (kind, sitekey, outcome), count in sorted(summary.widget.items())
        ],
        "js_detections": [
            {"kind": kind, "outcome": outcome, "count": count}
            for (kind, outcome), count in sorted(summary.jsd.items())
        ],
    }
