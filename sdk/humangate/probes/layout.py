"""The "box" probe family: the laid-out boxes of a random tree of fixed-size elements.

The server builds a tree of flex, grid and flow-root containers around fixed-size
leaves (no text, so every engine lays it out alike) and knows where every box lands
because it chose the sizes that put it there. The page builds the same tree in a
shadow root, measures ``getBoundingClientRect`` of the picked boxes relative to the
root, and reports them in units of :data:`UNIT` px. Every length here is a multiple of
the unit, so a real engine's sub-pixel rounding (zoom, device pixel ratios) rounds back
to the exact answer; DOM emulators without layout report zeros.

The tree exercises what a layout engine does and a DOM does not: flex free space
(justify-content, flex-grow, align-items incl. stretch), grid fr tracks, sibling
margin collapsing, auto margins, percentage and ``calc(em ± px)`` widths, box-sizing,
border widths that count only with a border style, and absolutely positioned boxes
placed from either edge.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from humangate.probes.draws import Draws

UNIT = 4
"""Answers are reported in these px units (rounded): the tolerance of the family."""

_MAX_DEPTH = 2
_ROOT_CSS = (
    ("direction", "ltr"),  # the page may be rtl; layout must not depend on it
    ("writing-mode", "horizontal-tb"),
    ("position", "relative"),
)


@dataclass(slots=True)
class Box:
    id: str
    css: list[tuple[str, str]]
    w: int  # border-box size, px
    h: int
    kids: list[tuple[Box, int, int]] = field(default_factory=list)  # child, dx, dy


def _m(r: Draws, low: int, high: int, step: int = 8) -> int:
    """A random multiple of ``step`` in [low, high]."""
    return r.randrange(low // step, high // step + 1) * step


class _Builder:
    def __init__(self, r: Draws) -> None:
        self.r = r
        self.ids: set[str] = set()

    def new_id(self) -> str:
        while True:
            name = self.r.word("abcdefghijklmnopqrstuvwxyz", 5)
            if name not in self.ids:
                self.ids.add(name)
                return name

    # ---------------------------------------------------------------- leaves
    def edges(self, css: list[tuple[str, str]]) -> int:
        """Padding and border on one side (px) as they will count; adds their CSS."""
        r = self.r
        pad = r.choice((0, 0, 4, 8))
        if pad:
            css.append(("padding", f"{pad}px"))
        border = r.choice((0, 4, 4))
        if border:
            # A border width counts only with a border style: "none" keeps it at zero.
            style = r.choice(("solid", "solid", "dashed", "none"))
            css.append(("border", f"{border}px {style} transparent"))
            if style == "none":
                border = 0
        return pad + border

    def length(self, css: list[tuple[str, str]], prop: str, px: int) -> None:
        """``prop: px`` written as px or as calc(k em ± b px) with a font size."""
        r = self.r
        if r.random() < 0.4:
            font = r.choice((12, 16, 20, 24))
            k = r.randrange(1, max(2, px // font + 1))
            rest = px - k * font
            sign = "+" if rest >= 0 else "-"
            css.append(("font-size", f"{font}px"))
            css.append((prop, f"calc({k}em {sign} {abs(rest)}px)"))
        else:
            css.append((prop, f"{px}px"))

    def leaf(
        self,
        *,
        w: int | None = None,
        h: int | None = None,
        auto_h: int | None = None,
        half_of: int | None = None,
    ) -> Box:
        """A leaf of border-box size (w, h).

        ``auto_h`` leaves the height to a flex stretch; ``half_of`` writes the width as
        ``50%`` of a containing block that wide.
        """
        r = self.r
        css: list[tuple[str, str]] = []
        edge = self.edges(css)
        w = half_of // 2 if half_of is not None else w if w is not None else _m(r, 16, 64)
        h = h if h is not None else (auto_h if auto_h is not None else _m(r, 16, 56))
        if 2 * edge >= min(w, h):
            css.clear()
            edge = 0
        border_box = r.random() < 0.5
        if border_box:
            css.append(("box-sizing", "border-box"))
        inner = 0 if border_box else 2 * edge
        if half_of is not None:
            css.append(("width", "50%"))
            w += inner  # the percentage sets the content (or border) box
        else:
            self.length(css, "width", w - inner)
        if auto_h is None:
            css.append(("height", f"{h - inner}px"))
        r.shuffle(css)  # declaration order changes nothing in a real engine
        return Box(self.new_id(), css, w, h)

    # ------------------------------------------------------------ containers
    def node(self, depth: int) -> Box:
        r = self.r
        if depth >= _MAX_DEPTH or r.random() < 0.35:
            return self.leaf()
        kind = r.choice(("flex", "flex", "grid", "flow"))
        if kind == "flex":
            return self.flex(depth)
        if kind == "grid":
            return self.grid()
        return self.flow(depth)

    def container_edges(self, css: list[tuple[str, str]]) -> int:
        r = self.r
        pad = r.choice((0, 4, 8))
        border = r.choice((0, 4))
        if pad:
            css.append(("padding", f"{pad}px"))
        if border:
            css.append(("border", f"{border}px solid transparent"))
        return pad + border

    def flex(self, depth: int) -> Box:
        r = self.r
        css: list[tuple[str, str]] = [("display", "flex")]
        row = r.random() < 0.5
        css.append(("flex-direction", "row" if row else "column"))
        n = r.randrange(2, 5)
        gap = r.choice((0, 4, 8, 12))
        if gap:
            css.append(("gap", f"{gap}px"))
        justify = r.choice(("flex-start", "flex-end", "center", "space-between", "space-evenly"))
        align = r.choice(("flex-start", "flex-end", "center", "stretch"))
        css.append(("justify-content", justify))
        edge = self.container_edges(css)
        cross = _m(r, 24, 72)
        kids = self.flex_kids(depth, n, cross, stretch_leaves=align == "stretch" and row)
        cross, align = self.cross_size(kids, row, cross, align)
        css.append(("align-items", align))
        for kid in kids:
            # Leaves without a height fill the line's cross size.
            if row and not kid.kids and not any(p == "height" for p, _ in kid.css):
                kid.h = cross
        margins = self.main_margins(kids, row)
        grow = -1
        step = {"flex-start": 4, "flex-end": 4, "center": 8}.get(
            justify, 4 * (n - 1) if justify == "space-between" else 4 * (n + 1)
        )
        free = step * r.randrange(0, 6)
        leaves = [i for i, kid in enumerate(kids) if not kid.kids]
        if justify == "flex-start" and free and leaves and r.random() < 0.5:
            # Only a leaf grows: a container's own content is laid out for its width.
            grow = r.choice(leaves)
            kids[grow].css.append(("flex-grow", "1"))
        main_sizes = [k.w if row else k.h for k in kids]
        used = sum(main_sizes) + sum(a + b for a, b in margins) + gap * (n - 1)
        main_content = used + free
        if grow >= 0:
            if row:
                kids[grow].w += free
            else:
                kids[grow].h += free
        lead, between = _justify("flex-start" if grow >= 0 else justify, free, n)
        placed: list[tuple[Box, int, int]] = []
        pos = edge + lead
        for kid, (before, after) in zip(kids, margins, strict=True):
            pos += before
            size = kid.w if row else kid.h
            off = _align(align, cross, kid.h if row else kid.w)
            placed.append((kid, pos, edge + off) if row else (kid, edge + off, pos))
            pos += size + after + gap + between
        w, h = (main_content, cross) if row else (cross, main_content)
        css += [("width", f"{w}px"), ("height", f"{h}px")]
        w, h = w + 2 * edge, h + 2 * edge
        box = Box(self.new_id(), css, w, h, placed)
        self.add_absolute(box, edge)
        return box

    def cross_size(self, kids: list[Box], row: bool, cross: int, align: str) -> tuple[int, str]:
        """The line's cross size (and the alignment, if centring cannot be exact)."""
        sizes = [k.h if row else k.w for k in kids]
        cross = max([cross, *sizes]) + 8 * self.r.randrange(0, 3)
        if align == "center":
            # Centring halves the leftover: it must be a multiple of 2 units for every kid.
            residues = {size % 8 for size in sizes}
            if len(residues) > 1:
                return cross, "flex-end"
            cross += (residues.pop() - cross) % 8
        return cross, align

    def flex_kids(self, depth: int, n: int, cross: int, *, stretch_leaves: bool) -> list[Box]:
        kids: list[Box] = []
        for _ in range(n):
            if self.r.random() < 0.3 and depth + 1 < _MAX_DEPTH:
                kids.append(self.node(depth + 1))
            elif stretch_leaves and self.r.random() < 0.5:
                kids.append(self.leaf(auto_h=cross))
            else:
                kids.append(self.leaf())
        return kids

    def main_margins(self, kids: list[Box], row: bool) -> list[tuple[int, int]]:
        """Random margins on the main axis (flex items' margins never collapse)."""
        margins = []
        for kid in kids:
            before, after = self.r.choice((0, 0, 4, 8)), self.r.choice((0, 0, 4))
            side = ("left", "right") if row else ("top", "bottom")
            if before:
                kid.css.append((f"margin-{side[0]}", f"{before}px"))
            if after:
                kid.css.append((f"margin-{side[1]}", f"{after}px"))
            margins.append((before, after))
        return margins

    def grid(self) -> Box:
        r = self.r
        css: list[tuple[str, str]] = [("display", "grid")]
        ncol = r.randrange(2, 4)
        fr_unit = _m(r, 16, 40)
        tracks: list[tuple[str, int]] = []
        for _ in range(ncol):
            if r.random() < 0.5:
                k = r.randrange(1, 4)
                tracks.append((f"{k}fr", k * fr_unit))
            else:
                px = _m(r, 24, 80)
                tracks.append((f"{px}px", px))
        if not any(t.endswith("fr") for t, _ in tracks):
            tracks[r.randrange(ncol)] = ("1fr", fr_unit)
        cgap, rgap = r.choice((0, 4, 8)), r.choice((0, 4, 8))
        css.append(("grid-template-columns", " ".join(t for t, _ in tracks)))
        if cgap:
            css.append(("column-gap", f"{cgap}px"))
        if rgap:
            css.append(("row-gap", f"{rgap}px"))
        css += [("justify-items", "start"), ("align-items", "start")]
        edge = self.container_edges(css)
        n = r.randrange(2, 6)
        kids = [self.leaf(w=_m(r, 16, tracks[i % ncol][1]), h=_m(r, 16, 48)) for i in range(n)]
        rows = [max(k.h for k in kids[i : i + ncol]) for i in range(0, n, ncol)]
        placed = []
        for i, kid in enumerate(kids):
            col, row = i % ncol, i // ncol
            x = edge + sum(px for _, px in tracks[:col]) + cgap * col
            y = edge + sum(rows[:row]) + rgap * row
            placed.append((kid, x, y))
        content_w = sum(px for _, px in tracks) + cgap * (ncol - 1)
        content_h = sum(rows) + rgap * (len(rows) - 1)
        css += [("width", f"{content_w}px"), ("height", f"{content_h}px")]
        box = Box(self.new_id(), css, content_w + 2 * edge, content_h + 2 * edge, placed)
        self.add_absolute(box, edge)
        return box

    def flow(self, depth: int) -> Box:
        r = self.r
        css: list[tuple[str, str]] = [("display", "flow-root")]
        edge = self.container_edges(css)
        content_w = 16 * r.randrange(6, 12)
        n = r.randrange(2, 4)
        placed = []
        y = edge
        previous_bottom = 0
        for index in range(n):
            choice = r.random()
            if choice < 0.25:
                kid = self.leaf(half_of=content_w)
            elif choice < 0.4 and depth + 1 < _MAX_DEPTH:
                kid = self.node(depth + 1)
            else:
                kid = self.leaf(w=_m(r, 16, content_w))
            top, bottom = r.choice((0, 4, 8, 12, 16)), r.choice((0, 4, 8, 12, 16))
            if top:
                kid.css.append(("margin-top", f"{top}px"))
            if bottom:
                kid.css.append(("margin-bottom", f"{bottom}px"))
            # Adjoining vertical margins of siblings collapse to the larger one.
            y += top if index == 0 else max(top, previous_bottom) - previous_bottom
            free = content_w - kid.w
            if free >= 0 and free % 8 == 0 and r.random() < 0.3:
                kid.css += [("margin-left", "auto"), ("margin-right", "auto")]
                x = edge + free // 2
            else:
                left = min(_m(r, 0, 16, 4), max(free, 0))
                if left:
                    kid.css.append(("margin-left", f"{left}px"))
                x = edge + left
            placed.append((kid, x, y))
            y += kid.h + bottom
            previous_bottom = bottom
        content_h = y - edge + 4 * r.randrange(0, 4)
        css += [("width", f"{content_w}px"), ("height", f"{content_h}px")]
        box = Box(self.new_id(), css, content_w + 2 * edge, content_h + 2 * edge, placed)
        self.add_absolute(box, edge)
        return box

    def add_absolute(self, box: Box, edge: int) -> None:
        """Sometimes an absolutely positioned leaf, placed from a random pair of edges."""
        r = self.r
        if r.random() >= 0.35:
            return
        border = edge - _padding(box.css)
        kid = self.leaf()
        kid.css.append(("position", "absolute"))
        dx, dy = _m(r, 0, 24, 4), _m(r, 0, 24, 4)
        if r.random() < 0.5:
            kid.css.append(("left", f"{dx}px"))
            x = border + dx
        else:
            kid.css.append(("right", f"{dx}px"))
            x = box.w - border - dx - kid.w
        if r.random() < 0.5:
            kid.css.append(("top", f"{dy}px"))
            y = border + dy
        else:
            kid.css.append(("bottom", f"{dy}px"))
            y = box.h - border - dy - kid.h
        box.css.append(("position", "relative"))
        box.kids.append((kid, x, y))


def _justify(justify: str, free: int, n: int) -> tuple[int, int]:
    """Space before the first item and between items for ``free`` leftover px."""
    if justify == "flex-end":
        return free, 0
    if justify == "center":
        return free // 2, 0
    if justify == "space-between":
        return 0, free // (n - 1)
    if justify == "space-evenly":
        return free // (n + 1), free // (n + 1)
    return 0, 0


def _align(align: str, cross: int, kid_cross: int) -> int:
    if align == "flex-end":
        return cross - kid_cross
    if align == "center":
        return (cross - kid_cross) // 2
    return 0  # flex-start, and stretch (the kid already fills the line)


def _padding(css: list[tuple[str, str]]) -> int:
    for prop, value in css:
        if prop == "padding":
            return int(value.removesuffix("px"))
    return 0


@dataclass(frozen=True, slots=True)
class BoxTask:
    """One tree: its description for the page and the expected answer."""

    tree: dict[str, object]
    picks: tuple[str, ...]
    answer: str


def _describe(box: Box) -> dict[str, object]:
    return {
        "id": box.id,
        "css": [list(pair) for pair in box.css],
        "kids": [_describe(kid) for kid, _, _ in box.kids],
    }


def _rects(box: Box, x: int, y: int, out: dict[str, tuple[int, int, int, int]]) -> None:
    out[box.id] = (x, y, box.w, box.h)
    for kid, dx, dy in box.kids:
        _rects(kid, x + dx, y + dy, out)


def generate(source: random.Random) -> BoxTask:
    r = Draws(source)  # the same draws as from source itself, made faster
    builder = _Builder(r)
    kind = r.choice(("flex", "grid", "flow"))
    builders = {"flex": builder.flex, "grid": lambda _depth: builder.grid(), "flow": builder.flow}
    root = builders[kind](0)
    root.css = [*_ROOT_CSS, *(c for c in root.css if c[0] != "position")]
    rects: dict[str, tuple[int, int, int, int]] = {}
    _rects(root, 0, 0, rects)
    candidates = [name for name in rects if name != root.id]
    picks = tuple(r.sample(candidates, min(len(candidates), r.randrange(3, 7))))
    answer = ";".join(",".join(str(v // UNIT) for v in rects[name]) for name in picks)
    return BoxTask(_describe(root), picks, answer)
