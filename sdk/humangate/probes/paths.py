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


def _candidate(
    r: random.Random, polygon: tuple[tuple[int, int], ...], line_width: int, *, near_edge: bool
) -> tuple[int, int]:
    """A random point in the canvas; near an edge when looking for a stroke hit."""
    if not near_edge:
        return r.randrange(2, SIZE - 2), r.randrange(2, SIZE - 2)
    i = r.randrange(len(polygon))
    (ax, ay), (bx, by) = polygon[i], polygon[(i + 1) % len(polygon)]
    t = r.random()
    jitter = line_width / 2
    x = round(ax + t * (bx - ax) + r.uniform(-jitter, jitter))
    y = round(ay + t * (by - ay) + r.uniform(-jitter, jitter))
    return min(max(x, 2), SIZE - 3), min(max(y, 2), SIZE - 3)


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
    for outcome in outcomes:
        for _ in range(200):
            near_edge = outcome and r.random() < 0.4  # stroke hits lie along the edges
            x, y = _candidate(r, polygon, line_width, near_edge=near_edge)
            result, nearest, stroke_gap = answers_for(polygon, circle, line_width, x, y)
            modes = [
                mode
                for mode in (NONZERO, EVENODD, STROKE)
                if result[mode] is outcome and (stroke_gap if mode == STROKE else nearest) >= MARGIN
            ]
            if modes:
                queries.append((x, y, r.choice(modes)))
                bits.append("1" if outcome else "0")
                break
    return PathTask(polygon, circle, line_width, tuple(queries), "".join(bits))
