"""Tiny server-side SVG charts: no script, no external assets, fine under a strict CSP."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

PALETTE = ("#2563eb", "#f97316", "#16a34a", "#db2777", "#7c3aed", "#0891b2", "#ca8a04")


def line_chart(
    series: Sequence[tuple[str, Sequence[float | None]]],
    labels: Sequence[str],
    *,
    width: int = 640,
    height: int = 220,
    y_max: float | None = None,
    percent: bool = False,
    title: str,
) -> str:
    """Lines over a shared x axis; ``None`` values leave a gap (no data, not zero)."""
    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for _, points in series for v in points if v is not None]
    peak = y_max if y_max is not None else max(values, default=0) or 1
    n = max(len(labels), 2)

    def x(i: int) -> float:
        return left + plot_w * i / (n - 1)

    def y(v: float) -> float:
        return top + plot_h * (1 - v / peak)

    parts = [_frame(width, height, title)]
    for step in range(5):
        value = peak * step / 4
        text = f"{value * 100:.0f}%" if percent else _short(value)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y(value):.1f}" '
            f'y2="{y(value):.1f}"/><text class="axis" x="{left - 6}" y="{y(value) + 4:.1f}" '
            f'text-anchor="end">{text}</text>'
        )
    for i in _ticks(len(labels), 6):
        parts.append(
            f'<text class="axis" x="{x(i):.1f}" y="{height - 8}" text-anchor="middle">'
            f"{escape(labels[i])}</text>"
        )
    for index, (name, points) in enumerate(series):
        color = PALETTE[index % len(PALETTE)]
        path, pen_down = [], False
        for i, v in enumerate(points):
            if v is None:
                pen_down = False
                continue
            path.append(f"{'L' if pen_down else 'M'}{x(i):.1f},{y(v):.1f}")
            pen_down = True
        if path:
            parts.append(
                f'<path d="{" ".join(path)}" fill="none" stroke="{color}" stroke-width="2.5" '
                f'stroke-linejoin="round" stroke-linecap="round"><title>{escape(name)}</title>'
                "</path>"
            )
        for i, v in enumerate(points):
            lonely = (
                v is not None
                and (i == 0 or points[i - 1] is None)
                and (i == len(points) - 1 or points[i + 1] is None)
            )
            if lonely and v is not None:  # a single point would be invisible as a line
                parts.append(f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{color}"/>')
    parts.append("</svg>")
    return "".join(parts)


def bar_pairs(
    pairs: Sequence[tuple[float, float]],
    labels: Sequence[str],
    names: tuple[str, str],
    *,
    width: int = 640,
    height: int = 220,
    title: str,
) -> str:
    """Two bars per x step (e.g. issued vs solved)."""
    left, right, top, bottom = 44, 12, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((max(a, b) for a, b in pairs), default=0) or 1
    slot = plot_w / max(len(pairs), 1)
    bar = max(slot * 0.38, 1.0)
    parts = [_frame(width, height, title)]
    for step in range(5):
        value = peak * step / 4
        yy = top + plot_h * (1 - step / 4)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{yy:.1f}" y2="{yy:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{yy + 4:.1f}" text-anchor="end">'
            f"{_short(value)}</text>"
        )
    for i, (a, b) in enumerate(pairs):
        x0 = left + slot * i + slot * 0.1
        for offset, value, color, name in (
            (0.0, a, PALETTE[0], names[0]),
            (bar, b, PALETTE[2], names[1]),
        ):
            if value:
                h = plot_h * value / peak
                parts.append(
                    f'<rect x="{x0 + offset:.1f}" y="{top + plot_h - h:.1f}" width="{bar:.1f}" '
                    f'height="{h:.1f}" rx="1.5" fill="{color}"><title>{escape(name)}: '
                    f"{value:g}</title></rect>"
                )
    for i in _ticks(len(labels), 6):
        cx = left + slot * i + slot / 2
        parts.append(
            f'<text class="axis" x="{cx:.1f}" y="{height - 8}" text-anchor="middle">'
            f"{escape(labels[i])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def hbars(items: Sequence[tuple[str, float, str]], *, width: int = 420, title: str) -> str:
    """Horizontal bars: (label, value, color) each."""
    row, label_w = 30, 130
    height = max(len(items), 1) * row + 8
    peak = max((v for _, v, _ in items), default=0) or 1
    parts = [_frame(width, height, title)]
    for i, (name, value, color) in enumerate(items):
        y = 4 + i * row
        w = (width - label_w - 60) * value / peak
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{y + 19}" text-anchor="end">'
            f"{escape(name)}</text>"
            f'<rect x="{label_w}" y="{y + 5}" width="{max(w, 1.5):.1f}" height="{row - 10}" '
            f'rx="3" fill="{color}"/>'
            f'<text class="value" x="{label_w + max(w, 1.5) + 6:.1f}" y="{y + 19}">'
            f"{_short(value)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _frame(width: int, height: int, title: str) -> str:
    return (
        f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">'
        f"<title>{escape(title)}</title>"
    )


def _ticks(count: int, wanted: int) -> list[int]:
    if count <= 0:
        return []
    step = max(1, round(count / wanted))
    ticks = list(range(0, count, step))
    return ticks


def _short(value: float) -> str:
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M"
    if value >= 10_000:
        return f"{value / 1000:.0f}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k"
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"
