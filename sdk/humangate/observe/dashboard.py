"""The dashboard page: KPIs, charts (inline SVG) and tables from one :class:`Summary`.

Rendered on the server so the page needs no script at all; its only inline style
carries the CSP nonce, like every page humangate serves.
"""

from __future__ import annotations

import time
from html import escape

from humangate.observe import svg
from humangate.observe.summary import Summary

WINDOWS = {"1h": 3600, "6h": 6 * 3600, "24h": 24 * 3600}
_MAX_LINES = 5

_CSS = (
    "".join(f".c{i}{{background:{color}}}" for i, color in enumerate(svg.PALETTE))
    + """
:root{color-scheme:light dark;--bg:#f6f7fb;--card:#fff;--ink:#0f172a;--muted:#64748b;
--line:#e2e8f0;--accent:#2563eb}
@media (prefers-color-scheme:dark){:root{--bg:#0b1020;--card:#131a2e;--ink:#e2e8f0;
--muted:#94a3b8;--line:#24304d}}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",
Roboto,sans-serif;background:var(--bg);color:var(--ink)}
header{display:flex;align-items:baseline;gap:16px;padding:20px 28px 8px;flex-wrap:wrap}
h1{font-size:20px;margin:0}h2{font-size:14px;margin:0 0 10px;color:var(--muted);
font-weight:600;text-transform:uppercase;letter-spacing:.04em}
nav a{color:var(--accent);text-decoration:none;margin-right:10px;padding:2px 8px;
border-radius:999px}nav a.on{background:var(--accent);color:#fff}
.sub{color:var(--muted)}main{padding:8px 28px 28px;display:grid;gap:16px;
grid-template-columns:repeat(12,1fr)}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:16px}
.kpis{grid-column:span 12;display:grid;grid-template-columns:repeat(7,1fr);gap:12px}
.kpi{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:12px 14px}
.kpi b{display:block;font-size:24px;font-variant-numeric:tabular-nums}
.kpi span{color:var(--muted);font-size:12px}
.half{grid-column:span 6}.wide{grid-column:span 8}.narrow{grid-column:span 4}
.full{grid-column:span 12}
@media (max-width:1000px){.half,.wide,.narrow{grid-column:span 12}
.kpis{grid-template-columns:repeat(3,1fr)}}
svg .grid{stroke:var(--line);stroke-width:1}svg text{fill:var(--muted);font-size:11px}
svg .label{fill:var(--ink);font-size:12px}svg .value{fill:var(--ink);font-size:12px;
font-weight:600}
.legend{display:flex;gap:14px;flex-wrap:wrap;margin-top:6px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:3px;margin-right:5px;
vertical-align:-1px}
table{width:100%;border-collapse:collapse;font-variant-numeric:tabular-nums}
th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
th{color:var(--muted);font-weight:600;font-size:12px}td.n,th.n{text-align:right}
td.rule{white-space:normal;max-width:340px;word-break:break-word}
.meter{margin-right:6px;vertical-align:0}.meter .track{fill:var(--line)}
.meter .fill{fill:var(--accent)}
.pill{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12px;
background:var(--line)}.pill.challenge_solved{background:#16a34a;color:#fff}
.pill.blocked,.pill.challenge_failed{background:#dc2626;color:#fff}
.pill.challenge_issued{background:#2563eb;color:#fff}.pill.rate_limited{background:#f97316;
color:#fff}code{font-size:12px}.empty{color:var(--muted);padding:12px 0}
"""
)


def render(summary: Summary, *, window: str, nonce: str, prefix: str, now: float) -> bytes:
    labels = [_clock(p.start, summary.step) for p in summary.series]
    top = [r.rule for r in summary.top_rules(_MAX_LINES) if r.issued]
    top = list(dict.fromkeys(top))[:_MAX_LINES]
    csr_lines = [
        (
            rule,
            [p.solved[rule] / p.issued[rule] if p.issued[rule] else None for p in summary.series],
        )
        for rule in top
    ]
    pairs = [(float(sum(p.issued.values())), float(sum(p.solved.values()))) for p in summary.series]
    kinds = summary.kinds
    outcomes = [
        ("issued", kinds["challenge_issued"], svg.PALETTE[0]),
        ("solved", kinds["challenge_solved"], svg.PALETTE[2]),
        ("failed", max(summary.issued - summary.solved, 0), "#dc2626"),
        ("passed (clearance)", kinds["passed_with_clearance"], svg.PALETTE[5]),
        ("blocked", kinds["blocked"], "#be123c"),
        ("rate limited", kinds["rate_limited"], svg.PALETTE[1]),
        ("bad submissions", kinds["challenge_failed"], svg.PALETTE[3]),
    ]
    csr = summary.csr
    body = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>humangate dashboard</title><link rel="icon" href="data:,">
<style nonce="{escape(nonce)}">{_CSS}</style></head><body>
<header><h1>humangate</h1><span class="sub">challenge analytics, all workers,
updated {escape(time.strftime("%H:%M:%S UTC", time.gmtime(now)))}</span>
<nav>{_nav(prefix, window)}</nav></header>
<main>
<section class="kpis" aria-label="totals">
{_kpi("Challenges issued", _n(summary.issued))}
{_kpi("Solved", _n(summary.solved))}
{_kpi("Solve rate (CSR)", _pct(csr))}
{_kpi("Failed (issued - solved)", _n(max(summary.issued - summary.solved, 0)))}
{_kpi("Passed with clearance", _n(kinds["passed_with_clearance"]))}
{_kpi("Blocked", _n(kinds["blocked"]))}
{_kpi("Rate limited", _n(kinds["rate_limited"]))}
</section>
<section class="card wide"><h2>Solve rate per rule over time</h2>
{
        svg.line_chart(csr_lines, labels, y_max=1.0, percent=True, title="CSR per rule")
        if csr_lines
        else '<p class="empty">No challenges issued in this window.</p>'
    }
{_legend([r for r, _ in csr_lines])}</section>
<section class="card narrow"><h2>Outcomes by type</h2>
{svg.hbars(outcomes, title="Outcomes by type")}</section>
<section class="card half"><h2>Issued vs solved</h2>
{svg.bar_pairs(pairs, labels, ("issued", "solved"), title="Issued vs solved")}
<div class="legend"><span><i class="c0"></i>issued</span>
<span><i class="c2"></i>solved</span></div></section>
<section class="card half"><h2>Where from</h2>{_geo(summary)}</section>
<section class="card full"><h2>Top rules</h2>{_rules(summary)}</section>
{_pat(summary)}
{_jsd(summary)}
<section class="card full"><h2>Widget: solves and siteverify by sitekey</h2>{
        _widget(summary)
    }</section>
<section class="card full"><h2>Recent security events</h2>{_events(summary)}</section>
</main></body></html>"""
    return body.encode()


def _nav(prefix: str, window: str) -> str:
    return "".join(
        f'<a href="{escape(prefix)}dashboard?window={name}"'
        f"{' class=on' if name == window else ''}>{name}</a>"
        for name in WINDOWS
    )


def _kpi(name: str, value: str) -> str:
    return f'<div class="kpi"><b>{value}</b><span>{escape(name)}</span></div>'


def _legend(rules: list[str]) -> str:
    items = "".join(
        f'<span><i class="c{i % len(svg.PALETTE)}"></i>{escape(rule)}</span>'
        for i, rule in enumerate(rules)
    )
    return f'<div class="legend">{items}</div>'


def _rules(summary: Summary) -> str:
    rows = summary.top_rules(12)
    if not rows:
        return '<p class="empty">Nothing recorded yet.</p>'
    lines = []
    for r in rows:
        csr = r.csr
        # An SVG bar, not a style attribute: the CSP allows only nonce'd <style>.
        meter = (
            '<svg class="meter" width="70" height="8" aria-hidden="true">'
            f'<rect width="70" height="8" rx="4" class="track"/>'
            f'<rect width="{70 * csr:.1f}" height="8" rx="4" class="fill"/></svg>'
            if csr is not None
            else ""
        )
        median = r.median_solve_ms
        lines.append(
            f'<tr><td class="rule">{escape(r.rule)}</td><td>{escape(r.level)}</td>'
            f'<td class="n">{_n(r.issued)}</td><td class="n">{_n(r.solved)}</td>'
            f'<td class="n">{_n(r.failed)}</td><td class="n">{meter}{_pct(csr)}</td>'
            f'<td class="n">{_ms(median)}</td><td class="n">{_n(r.passed)}</td>'
            f'<td class="n">{_n(r.blocked)}</td><td class="n">{_n(r.rate_limited)}</td></tr>'
        )
    head = (
        "<tr><th>rule</th><th>level</th><th class=n>issued</th><th class=n>solved</th>"
        "<th class=n>failed</th><th class=n>CSR</th><th class=n>median solve</th>"
        "<th class=n>passes</th><th class=n>blocks</th><th class=n>rate limited</th></tr>"
    )
    return f"<table>{head}{''.join(lines)}</table>"


def _pat(summary: Summary) -> str:
    """Private Access Tokens presented, valid and refused by reason (only when any were)."""
    if not summary.pat:
        return ""
    refused = [(k, n) for k, n in summary.pat.most_common() if k != "valid"]
    cells = "".join(f"<tr><td>{escape(k)}</td><td class=n>{_n(n)}</td></tr>" for k, n in refused)
    table = (
        f"<table><tr><th>not valid: reason</th><th class=n>tokens</th></tr>{cells}</table>"
        if refused
        else ""
    )
    return (
        '<section class="card full"><h2>Private Access Tokens</h2>'
        f'<section class="kpis">{_kpi("Presented", _n(summary.pat_presented))}'
        f"{_kpi('Valid', _n(summary.pat['valid']))}</section>{table}</section>"
    )


def _jsd(summary: Summary) -> str:
    """JavaScript Detections: pages injected (and why not), detections passed, failed and
    refused (only when there was any)."""
    if not summary.jsd:
        return ""
    count = summary.jsd
    posts = sum(n for (kind, _), n in count.items() if kind == "post")
    other = [
        (kind, outcome, n)
        for (kind, outcome), n in sorted(count.items())
        if (kind, outcome) not in (("page", "injected"), ("post", "passed"), ("post", "failed"))
    ]
    cells = "".join(
        f"<tr><td>{'page left out' if kind == 'page' else 'post refused'}</td>"
        f"<td>{escape(outcome)}</td><td class=n>{_n(n)}</td></tr>"
        for kind, outcome, n in other
    )
    table = (
        f"<table><tr><th>what</th><th>why</th><th class=n>count</th></tr>{cells}</table>"
        if other
        else ""
    )
    return (
        '<section class="card full"><h2>JavaScript Detections</h2><section class="kpis">'
        f"{_kpi('Pages injected', _n(count['page', 'injected']))}"
        f"{_kpi('Detections posted', _n(posts))}"
        f"{_kpi('Passed', _n(count['post', 'passed']))}"
        f"{_kpi('Failed', _n(count['post', 'failed']))}</section>{table}</section>"
    )


def _widget(summary: Summary) -> str:
    if not summary.widget:
        return '<p class="empty">No widget activity in this window.</p>'
    sitekeys = sorted({sitekey for _, sitekey, _ in summary.widget})
    lines = []
    for sitekey in sitekeys:
        solved = summary.widget.get(("widget_solved", sitekey, "-"), 0)
        verifies = {
            outcome: n
            for (kind, key, outcome), n in summary.widget.items()
            if kind == "siteverify" and key == sitekey
        }
        success = verifies.pop("success", 0)
        errors = ", ".join(f"{code} {_n(n)}" for code, n in sorted(verifies.items())) or "-"
        lines.append(
            f"<tr><td><code>{escape(sitekey)}</code></td><td class=n>{_n(solved)}</td>"
            f"<td class=n>{_n(success)}</td><td>{escape(errors)}</td></tr>"
        )
    head = (
        "<tr><th>sitekey</th><th class=n>tokens issued</th><th class=n>siteverify success</th>"
        "<th>siteverify errors by code</th></tr>"
    )
    return f"<table>{head}{''.join(lines)}</table>"


def _geo(summary: Summary) -> str:
    if not summary.countries and not summary.asns:
        return (
            '<p class="empty">No country or ASN data (configure a GeoIP database or a '
            "trusted country header).</p>"
        )
    items = [(code, float(n), svg.PALETTE[0]) for code, n in summary.countries[:6]]
    items += [(f"AS{asn}", float(n), svg.PALETTE[4]) for asn, n in summary.asns[:4]]
    return svg.hbars(items, title="Top countries and networks")


def _events(summary: Summary) -> str:
    if not summary.recent:
        return '<p class="empty">No events yet.</p>'
    lines = []
    for e in summary.recent[:25]:
        kind = str(e.get("kind", ""))
        at = float(e.get("at", 0) or 0)  # type: ignore[arg-type]
        where = " ".join(str(e[k]) for k in ("country", "asn") if e.get(k) is not None)
        lines.append(
            f"<tr><td>{escape(time.strftime('%H:%M:%S', time.gmtime(at)))}</td>"
            f'<td><span class="pill {escape(kind)}">{escape(kind.replace("_", " "))}</span></td>'
            f"<td><code>{escape(str(e.get('ray', '')))}</code></td>"
            f'<td class="rule">{escape(str(e.get("rule") or "-"))}</td>'
            f"<td>{escape(str(e.get('level') or '-'))}</td>"
            f"<td>{escape(str(e.get('reason') or ''))}</td>"
            f"<td>{escape(where)}</td><td>{escape(str(e.get('path') or ''))}</td></tr>"
        )
    head = (
        "<tr><th>time (UTC)</th><th>outcome</th><th>ray id</th><th>rule</th><th>level</th>"
        "<th>reason</th><th>where</th><th>path</th></tr>"
    )
    return f"<table>{head}{''.join(lines)}</table>"


def _clock(start: int, step: int) -> str:
    return time.strftime("%H:%M", time.gmtime(start + step))


def _n(value: int) -> str:
    return f"{value:,}"


def _pct(value: float | None) -> str:
    return "\u2013" if value is None else f"{value * 100:.1f}%"


def _ms(value: float | None) -> str:
    if value is None:
        return "\u2013"
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value:.0f} ms"
