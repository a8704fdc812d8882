"""The "path" probe family: canvas hit tests on a random path.

The server draws a random self-intersecting polygon plus a circle (either winding
direction) and picks points at least :data:`MARGIN` px from every edge, then asks the
page's 2D canvas ``isPointInPath`` (with the "nonzero" or "evenodd" fill rule) and
``isPointInStroke`` (round joins, a random line width). It knows the answers from the
winding numbers and distances it used to pick the points. DOM emulators have no 2D
context (``getContext`` returns null), so the answers are missing there.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from humangate.probes.draws import below, draw_bits

SIZE = 128
MARGIN = 2.0
"""Minimum distance (px) between a test point and any boundary it is tested against."""

NONZERO, EVENODD, STROKE = 0, 1, 2
Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class PathTask:
    polygon: tuple[tuple[int, int], ...]
    circle: tuple[int, int, int, bool]  # cx, cy, r, anticlockwise
    line_width: int
    queries: tuple[tuple[int, int, int], ...]  # x, y, mode
    answer: str

    def describe(self) -> dict[str, object]:
        return {
            "pts": [list(p) for p in self.polygon],
            "arc": [*self.circle[:3], int(self.circle[3])],
            "lw": self.line_width,
            "q": [list(q) for q in self.queries],
        }


def _segment_distance(p: Point, a: Point, b: Point) -> float:
    (px, py), (ax, ay), (bx, by) = p, a, b
    dx, dy = bx - ax, by - ay
    length = dx * dx + dy * dy
    t = 0.0 if length == 0 else max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / length))
    return math.hypot(px - (ax + t * dx), py - (ay + t * dy))


def _winding(p: Point, polygon: tuple[tuple[int, int], ...]) -> int:
    """Signed winding number of a closed polygon around ``p`` (raw coordinates)."""
    x, y = p
    total = 0
    for i, (ax, ay) in enumerate(polygon):
        bx, by = polygon[(i + 1) % len(polygon)]
        cross = (bx - ax) * (y - ay) - (x - ax) * (by - ay)
        if ay <= y < by and cross > 0:
            total += 1
        elif by <= y < ay and cross < 0:
            total -= 1
    return total


def answers_for(
    task_polygon: tuple[tuple[int, int], ...],
    circle: tuple[int, int, int, bool],
    line_width: int,
    x: int,
    y: int,
) -> tuple[dict[int, bool], float, float]:
    """The three answers at (x, y), and the distances that decide how safe they are."""
    cx, cy, radius, anticlockwise = circle
    p = (float(x), float(y))
    edges = [
        _segment_distance(p, a, task_polygon[(i + 1) % len(task_polygon)])
        for i, a in enumerate(task_polygon)
    ]
    circle_distance = abs(math.hypot(x - cx, y - cy) - radius)
    nearest = min([*edges, circle_distance])
    inside_circle = math.hypot(x - cx, y - cy) < radius
    # An arc with increasing angle winds positively in raw (y-down) coordinates, the
    # same sense as _winding's positive count.
    winding = _winding(p, task_polygon) + (0 if not inside_circle else (-1 if anticlockwise else 1))
    half = line_width / 2
    return (
        {NONZERO: winding != 0, EVENODD: winding % 2 != 0, STROKE: nearest < half},
        nearest,
        abs(nearest - half),
    )


_SPAN = SIZE - 4  # candidate coordinates: randrange(2, SIZE - 2)
_SPAN_BITS = _SPAN.bit_length()


Edge = tuple[int, int, int, int, int, int, int, int, int]


class _Outline:
    """One task's path, prepared to pick test points fast.

    :meth:`hits` and :meth:`misses` return what filtering :func:`answers_for` returns
    (the same float operations, so the same answers to the last bit) while doing only
    the work that can still change the result: they stop as soon as no mode qualifies
    and skip the distance to an edge whose bounding box is too far away to matter.
    """

    __slots__ = ("circle", "crossings", "edges", "half", "stroke_edges")

    def __init__(
        self,
        polygon: tuple[tuple[int, int], ...],
        circle: tuple[int, int, int, bool],
        line_width: int,
    ) -> None:
        self.circle = circle
        self.half = line_width / 2
        self.crossings: list[tuple[int, int, int, int, int]] = []
        for i, (ax, ay) in enumerate(polygon):
            bx, by = polygon[(i + 1) % len(polygon)]
            self.crossings.append((ax, ay, by, bx - ax, by - ay))
        # Every threshold a distance is compared with is below half + MARGIN; a stroke
        # hit only asks whether it is below half.
        self.edges = self._edges(polygon, math.ceil(self.half + MARGIN) + 1)
        self.stroke_edges = self._edges(polygon, math.ceil(self.half) + 1)

    @staticmethod
    def _edges(polygon: tuple[tuple[int, int], ...], reach: int) -> list[Edge]:
        """Each edge with its bounding box grown by ``reach``: a point outside it is
        farther than ``reach`` from the edge."""
        edges = []
        for i, (ax, ay) in enumerate(polygon):
            bx, by = polygon[(i + 1) % len(polygon)]
            dx, dy = bx - ax, by - ay
            edges.append(
                (
                    ax, ay, dx, dy, dx * dx + dy * dy,
                    min(ax, bx) - reach, max(ax, bx) + reach,
                    min(ay, by) - reach, max(ay, by) + reach,
                )
            )  # fmt: skip
        return edges

    def winding(self, x: int, y: int, inside_circle: bool) -> int:
        """The path's winding number at (x, y): :func:`_winding` (in integers, which is
        exact) plus the circle's."""
        total = 0
        for ax, ay, by, dx, dy in self.crossings:
            if ay <= y:
                if y < by and dx * (y - ay) - (x - ax) * dy > 0:
                    total += 1
            elif by <= y and dx * (y - ay) - (x - ax) * dy < 0:
                total -= 1
        if inside_circle:
            total += -1 if self.circle[3] else 1
        return total

    def distance(self, edge: int, x: int, y: int) -> float:
        """:func:`_segment_distance` from (x, y) to polygon edge ``edge``."""
        ax, ay, dx, dy, length, *_ = self.edges[edge]
        if length:
            t = ((x - ax) * dx + (y - ay) * dy) / length
            t = t if t < 1.0 else 1.0
            t = t if t > 0.0 else 0.0
        else:
            t = 0.0
        return math.hypot(x - (ax + t * dx), y - (ay + t * dy))

    @staticmethod
    def nearest(edges: list[Edge], x: int, y: int, nearest: float, stop: float) -> float:
        """The least of ``nearest`` and the distances to those ``edges`` whose grown box
        holds (x, y), as :func:`_segment_distance` computes them; the first below
        ``stop``, if any, ends the search."""
        for ax, ay, dx, dy, length, xlo, xhi, ylo, yhi in edges:
            if xlo <= x <= xhi and ylo <= y <= yhi:
                if length:
                    t = ((x - ax) * dx + (y - ay) * dy) / length
                    t = t if t < 1.0 else 1.0
                    t = t if t > 0.0 else 0.0
                else:
                    t = 0.0
                distance = math.hypot(x - (ax + t * dx), y - (ay + t * dy))
                if distance < nearest:
                    nearest = distance
                    if nearest < stop:
                        break
        return nearest

    def hits(self, x: int, y: int, edge: int) -> list[int]:
        """The modes that answer "inside" at (x, y) with MARGIN to spare; ``edge``: the
        edge the point was drawn next to (-1: none)."""
        cx, cy, radius, _ = self.circle
        half = self.half
        centre = math.hypot(x - cx, y - cy)
        nearest = abs(centre - radius)
        if half < MARGIN:
            # A stroke hit would need half - nearest >= MARGIN: only fill hits are
            # possible, and they need nearest >= MARGIN (the edge drawn next to first).
            if nearest < MARGIN or (edge >= 0 and self.distance(edge, x, y) < MARGIN):
                return []
            winding = self.winding(x, y, centre < radius)
            if winding == 0 or self.nearest(self.edges, x, y, nearest, MARGIN) < MARGIN:
                return []
            return [NONZERO, EVENODD] if winding % 2 else [NONZERO]
        winding = self.winding(x, y, centre < radius)
        if winding == 0:  # no fill hit: only a stroke hit is left
            nearest = self.nearest(self.stroke_edges, x, y, nearest, -1.0)
            return [STROKE] if nearest < half and abs(nearest - half) >= MARGIN else []
        nearest = self.nearest(self.edges, x, y, nearest, -1.0)
        modes = []
        if nearest >= MARGIN:
            modes.append(NONZERO)
            if winding % 2:
                modes.append(EVENODD)
        if nearest < half and abs(nearest - half) >= MARGIN:
            modes.append(STROKE)
        return modes

    def misses(self, x: int, y: int) -> list[int]:
        """The modes that answer "outside" at (x, y) with MARGIN to spare: each needs
        nearest >= MARGIN."""
        cx, cy, radius, _ = self.circle
        centre = math.hypot(x - cx, y - cy)
        nearest = abs(centre - radius)
        if nearest < MARGIN:
            return []
        nearest = self.nearest(self.edges, x, y, nearest, MARGIN)
        if nearest < MARGIN:
            return []
        winding = self.winding(x, y, centre < radius)
        modes = []
        if winding == 0:
            modes.append(NONZERO)
        if winding % 2 == 0:
            modes.append(EVENODD)
        if not nearest < self.half and abs(nearest - self.half) >= MARGIN:
            modes.append(STROKE)
        return modes


def generate(r: random.Random) -> PathTask:
    n = r.randrange(5, 9)
    center = SIZE / 2
    # A star-like polygon: vertices at random angles (not sorted half the time, so the
    # outline crosses itself and the fill rules disagree).
    angles = [r.uniform(0, 2 * math.pi) for _ in range(n)]
    if r.random() < 0.5:
        angles.sort()
    polygon = tuple(
        (
            round(center + r.uniform(20, 58) * math.cos(a)),
            round(center + r.uniform(20, 58) * math.sin(a)),
        )
        for a in angles
    )
    circle = (r.randrange(30, 98), r.randrange(30, 98), r.randrange(10, 26), r.random() < 0.5)
    line_width = r.randrange(2, 9)
    queries: list[tuple[int, int, int]] = []
    bits: list[str] = []
    wanted = r.randrange(10, 17)
    # About as many hits as misses, so that guessing one answer throughout gets nowhere.
    outcomes = [i % 2 == 0 for i in range(wanted)]
    r.shuffle(outcomes)
    # The search below draws exactly what r.random/randrange/uniform/choice would (the
    # same calls in the same order), inlined: a task tries ~70 points, and the calls'
    # overhead was most of a challenge page's cost.
    bits_of = draw_bits(r)
    rand = r.random
    outline = _Outline(polygon, circle, line_width)
    jitter = line_width / 2
    sides = len(polygon)
    side_bits = sides.bit_length()
    for outcome in outcomes:
        for _ in range(200):
            i = -1
            if outcome and rand() < 0.4:  # stroke hits lie along the edges
                i = bits_of(side_bits)
                while i >= sides:
                    i = bits_of(side_bits)
                (ax, ay), (bx, by) = polygon[i], polygon[(i + 1) % sides]
                t = rand()
                x = round(ax + t * (bx - ax) + (-jitter + (jitter - -jitter) * rand()))
                y = round(ay + t * (by - ay) + (-jitter + (jitter - -jitter) * rand()))
                x, y = min(max(x, 2), SIZE - 3), min(max(y, 2), SIZE - 3)
            else:
                x = bits_of(_SPAN_BITS)
                while x >= _SPAN:
                    x = bits_of(_SPAN_BITS)
                y = bits_of(_SPAN_BITS)
                while y >= _SPAN:
                    y = bits_of(_SPAN_BITS)
                x, y = x + 2, y + 2
            modes = outline.hits(x, y, i) if outcome else outline.misses(x, y)
            if modes:
                queries.append((x, y, modes[below(bits_of, len(modes))]))
                bits.append("1" if outcome else "0")
                break
    return PathTask(polygon, circle, line_width, tuple(queries), "".join(bits))
