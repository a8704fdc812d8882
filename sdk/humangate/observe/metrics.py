"""Prometheus exposition, read from the shared store at scrape time.

A per-process ``prometheus_client`` registry would show one gunicorn worker's counts
per scrape; reading the store's running totals instead gives every scrape the sum over
all workers and machines. Labels are bounded: ``rule`` comes from the configuration,
``level`` and ``reason`` from fixed sets, ``country`` is an ISO code capped per flush.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Iterator

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from prometheus_client.utils import floatToGoString

from humangate.config import Config
from humangate.observe import schema
from humangate.observe.summary import RuleStats, read_totals
from humangate.stores.base import Store

_COUNTERS = (
    ("challenges_issued", "Challenges issued (challenge pages and JSON challenges).", "issued"),
    ("challenges_solved", "Challenges solved (a clearance was issued).", "solved"),
    ("challenge_submissions_rejected", "Solve submissions refused.", "rejected"),
    ("passes_with_clearance", "Requests passed because of a valid clearance.", "passed"),
    ("blocks", "Requests blocked.", "blocked"),
    ("rate_limited", "Requests refused by a rate limiting rule.", "rate_limited"),
)


class _Snapshot(Collector):
    def __init__(self, rows: list[RuleStats], other: Counter[str]) -> None:
        self._rows = rows
        self._other = other

    def collect(self) -> Iterable[Metric]:
        for name, help_text, attribute in _COUNTERS:
            family = CounterMetricFamily(f"humangate_{name}", help_text, labels=("rule", "level"))
            for row in self._rows:
                value = getattr(row, attribute)
                if value:
                    family.add_metric((row.rule, row.level), value)
            yield family
        yield from self._solve_time()
        yield from self._others()

    def _solve_time(self) -> Iterator[Metric]:
        family = HistogramMetricFamily(
            "humangate_challenge_solve_seconds",
            "Time from challenge page to solution, as the browser measured it.",
            labels=("rule", "level"),
        )
        for row in self._rows:
            if not any(row.solve_buckets):
                continue
            cumulative, buckets = 0, []
            for bound, count in zip(schema.SOLVE_BOUNDS_MS, row.solve_buckets, strict=True):
                cumulative += count
                le = floatToGoString(bound / 1000)  # type: ignore[no-untyped-call]
                buckets.append((le, cumulative))
            family.add_metric((row.rule, row.level), buckets, row.solve_ms_sum / 1000)
        yield family

    def _others(self) -> Iterator[Metric]:
        reasons = CounterMetricFamily(
            "humangate_challenge_failures",
            "Refused solve submissions by reason.",
            labels=("reason", "level"),
        )
        countries = CounterMetricFamily(
            "humangate_events_by_country",
            "Decisions by client country (ISO code; 'other' past the cap).",
            labels=("kind", "country"),
        )
        tokens = CounterMetricFamily(
            "humangate_private_access_tokens",
            "Private Access Tokens presented, by outcome: valid, or why not.",
            labels=("outcome",),
        )
        solves = CounterMetricFamily(
            "humangate_widget_solves",
            "Tokens the Turnstile-compatible widget issued, by sitekey.",
            labels=("sitekey",),
        )
        verifies = CounterMetricFamily(
            "humangate_siteverify",
            "Siteverify answers by sitekey and outcome (success or the error codes).",
            labels=("sitekey", "outcome"),
        )
        pages = CounterMetricFamily(
            "humangate_jsd_pages",
            "HTML pages for JavaScript Detections: injected, or why the script was left out.",
            labels=("outcome",),
        )
        posts = CounterMetricFamily(
            "humangate_jsd_posts",
            "JavaScript Detections posts: passed, failed, or why refused.",
            labels=("outcome",),
        )
        for name, value in sorted(self._other.items()):
            parts = name.split("|")
            if parts[0] == "j" and len(parts) == 3 and parts[1] in ("page", "post"):
                (pages if parts[1] == "page" else posts).add_metric((parts[2],), value)
            elif parts[0] == "p" and len(parts) == 2:
                tokens.add_metric((parts[1],), value)
            elif parts[0] == "w" and len(parts) == 4 and parts[1] == "widget_solved":
                solves.add_metric((parts[2],), value)
            elif parts[0] == "w" and len(parts) == 4 and parts[1] == "siteverify":
                verifies.add_metric((parts[2], parts[3]), value)
            elif parts[0] == "r" and len(parts) == 3:
                reasons.add_metric((parts[1], parts[2]), value)
            elif parts[0] == "c" and len(parts) == 3:
                countries.add_metric((parts[1], parts[2]), value)
        yield reasons
        yield countries
        yield tokens
        yield solves
        yield verifies
        yield pages
        yield posts


class HumanGateCollector(Collector):
    """humangate's metrics for your own ``prometheus_client`` registry.

    Reads the running totals from the shared store on every scrape, so any process
    (a worker, a sidecar, your existing ``/metrics`` endpoint) reports the sum over all
    workers and machines::

        from prometheus_client import REGISTRY
        from humangate.observe.metrics import HumanGateCollector

        REGISTRY.register(HumanGateCollector(config))   # or a Store
    """

    def __init__(self, source: Config | Store) -> None:
        if isinstance(source, Config):
            self._store: Store | None = None
            self._uri: str | None = source.store
        else:
            self._store, self._uri = source, None
        self._lock = threading.Lock()

    def collect(self) -> Iterable[Metric]:
        rows, other = read_totals(self._open())
        return _Snapshot(rows, other).collect()

    def _open(self) -> Store:
        with self._lock:
            if self._store is None:
                from humangate.stores import open_store  # noqa: PLC0415 - lazily, on first scrape

                assert self._uri is not None
                self._store = open_store(self._uri)
            return self._store


def exposition(
    rows: list[RuleStats], other: Counter[str], accept: str | None = None
) -> tuple[bytes, str]:
    """The body and content type for a scrape: OpenMetrics when ``accept`` asks for it
    (Prometheus does by default), else the classic text format."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(rows, other))
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type
