"""``humangate stats --store URI``: the dashboard's summary as a table in the terminal."""

from __future__ import annotations

import argparse
import json
import sys
import time

from humangate.errors import ConfigError, StoreError
from humangate.observe import summary
from humangate.observe.dashboard import WINDOWS
from humangate.stores import open_store


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    stats = commands.add_parser("stats", help="print challenge analytics (CSR per rule)")
    stats.add_argument("--store", required=True, help="the store URI the gate writes to")
    stats.add_argument("--window", choices=sorted(WINDOWS), default="24h")
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    stats.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        store = open_store(args.store)
        try:
            data = summary.read_summary(store, time.time(), window=WINDOWS[args.window])
        finally:
            store.close()
    except (ConfigError, StoreError) as exc:
        print(f"humangate stats: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary.as_dict(data), indent=2))
    else:
        print(render(data, args.window))
    return 0


def render(data: summary.Summary, window: str) -> str:
    """The table: one line per rule and level, then the totals and top countries."""
    head = (
        "rule",
        "level",
        "issued",
        "solved",
        "failed",
        "CSR",
        "median",
        "passed",
        "blocked",
        "limited",
    )
    rows = [
        (
            _cut(r.rule, 40),
            r.level,
            str(r.issued),
            str(r.solved),
            str(r.failed),
            _pct(r.csr),
            _ms(r.median_solve_ms),
            str(r.passed),
            str(r.blocked),
            str(r.rate_limited),
        )
        for r in data.rows
    ]
    rows.append(
        (
            "TOTAL",
            "",
            str(data.issued),
            str(data.solved),
            str(max(data.issued - data.solved, 0)),
            _pct(data.csr),
            "",
            str(data.kinds["passed_with_clearance"]),
            str(data.kinds["blocked"]),
            str(data.kinds["rate_limited"]),
        )
    )
    widths = [max(len(row[i]) for row in (head, *rows)) for i in range(len(head))]
    lines = [f"humangate analytics, last {window}"]
    for index, row in enumerate((head, *rows)):
        cells = [
            cell.ljust(width) if i < 2 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
        if index == 0 or index == len(rows) - 1:
            lines.append("  ".join("-" * w for w in widths))
    if data.reasons:
        lines.append(
            "refused submissions: " + ", ".join(f"{k} {v}" for k, v in data.reasons.most_common())
        )
    if data.countries:
        lines.append("top countries: " + ", ".join(f"{c} {n}" for c, n in data.countries))
    return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 1000:.1f}s" if value >= 1000 else f"{value:.0f}ms"
