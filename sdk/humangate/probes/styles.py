"""The "style" probe family: computed-style serialisation of random colours and calc().

The page gives each of a few random elements some declarations (inside a closed shadow
root, under a parent with its own) and reads one property back with
``getComputedStyle``. The server knows the serialisation because it chose values whose
computed form is exact: ``calc()`` of em, %, in/pt/pc and px lengths that resolve to whole
pixels (negative results clamped where the property clamps them), ``min()``/``clamp()``,
integers, times and angles; colours that must be inherited, picked by ``light-dark()``
under a color-scheme, mixed with ``color-mix()`` or rebuilt with relative colour syntax.

Only primitives measured to give exactly this answer in headed Chromium 156 and Firefox
ESR 153 (also with resistFingerprinting, uBlock Origin, no WebGL) *and* to come back
wrong or unresolved in jsdom and happy-dom are used: jsdom serialises plain hex, hsl(),
hwb(), rgb(calc()) and named colours and ``currentcolor`` correctly, so those never
appear on their own here. Font sizes are 16 px or more (a person's minimum font size
setting stays below that), border widths are only asked where the border style makes
them 0 (a visible border is snapped to device pixels at fractional zoom).
"""

from __future__ import annotations

import colorsys
import random
from collections.abc import Callable
from dataclasses import dataclass

Css = list[tuple[str, str]]
_FONTS = (16, 20, 24, 32)
_NAMED = {"rebeccapurple": (102, 51, 153), "tomato": (255, 99, 71), "slateblue": (106, 90, 205),
          "teal": (0, 128, 128), "orchid": (218, 112, 214), "peru": (205, 133, 63)}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Item:
    parent: Css  # the parent's declarations
    css: Css  # the element's own, the probed one among them
    prop: str  # the property read back
    want: str  # its computed serialisation


@dataclass(frozen=True, slots=True)
class StyleTask:
    items: tuple[Item, ...]
    answer: str

    def describe(self) -> dict[str, object]:
        return {
            "items": [
                {"par": [list(p) for p in i.parent], "css": [list(p) for p in i.css], "get": i.prop}
                for i in self.items
            ]
        }


def _rgb(c: tuple[int, int, int]) -> str:
    return f"rgb({c[0]}, {c[1]}, {c[2]})"


def _signed(b: int) -> str:
    return f"+ {b}px" if b >= 0 else f"- {-b}px"


def _em(r: random.Random) -> Item:
    font, k = r.choice(_FONTS), r.randrange(1, 5)
    prop = r.choice(("width", "height", "margin-left", "margin-top", "padding-right",
                     "padding-bottom", "letter-spacing"))  # fmt: skip
    b = (
        r.randrange(-font * k + 1, 41)
        if prop.startswith(("margin", "letter"))
        else r.randrange(-8, 41)
    )
    value = f"calc({k}em {_signed(b)})"
    return Item([], [("font-size", f"{font}px"), (prop, value)], prop, f"{font * k + b}px")


def _percent(r: random.Random) -> Item:
    # Only shares that are exact in binary: 65 % of 360 px is 235.984 px in both engines.
    width, p, b = 4 * r.randrange(25, 101), r.choice((25, 50, 75)), r.randrange(0, 31)
    prop = r.choice(("margin-left", "padding-left", "padding-top", "width"))
    return Item(
        [("width", f"{width}px")],
        [(prop, f"calc({p}% + {b}px)")],
        prop,
        f"{width * p // 100 + b}px",
    )


def _minmax(r: random.Random) -> Item:
    a, b, c = r.randrange(0, 20), r.randrange(20, 40), r.randrange(40, 60)
    prop = r.choice(("padding-top", "padding-left", "margin-bottom", "margin-right"))
    kind = r.randrange(3)
    if kind == 0:
        return Item([], [(prop, f"clamp({a}px, {b}px, {c}px)")], prop, f"{b}px")
    if kind == 1:
        return Item([], [(prop, f"min({c}px, {b}px, {a + 40}px)")], prop, f"{min(c, b, a + 40)}px")
    return Item([], [(prop, f"max({a}px, {b}px)")], prop, f"{b}px")


def _units(r: random.Random) -> Item:
    k, j = r.randrange(1, 4), r.randrange(0, 4)
    prop = r.choice(("height", "width"))
    css = [("position", "absolute"), (prop, f"calc({k}in + {3 * j}pt - {k}pc)")]
    return Item([], css, prop, f"{96 * k + 4 * j - 16 * k}px")


def _integer(r: random.Random) -> Item:
    a, b = r.randrange(1, 8), r.randrange(2, 5)
    kind = r.randrange(4)
    if kind == 0:
        return Item(
            [],
            [("position", "relative"), ("z-index", f"calc({a} * {b} - 3)")],
            "z-index",
            str(a * b - 3),
        )
    if kind == 1:
        return Item([], [("order", f"calc({a} + {b})")], "order", str(a + b))
    if kind == 2:
        return Item([], [("font-weight", f"calc({a} * 100)")], "font-weight", str(a * 100))
    return Item([], [("tab-size", f"calc({a} + {b})")], "tab-size", str(a + b))


def _number(r: random.Random) -> Item:
    a = r.randrange(1, 8)
    kind = r.randrange(4)
    if kind == 0:
        q = r.choice((1, 2, 3))
        return Item([], [("opacity", f"calc({a * q} / {a * 4})")], "opacity", f"{q / 4:g}")
    if kind == 1:
        b = r.randrange(2, 5)
        return Item([], [("transition-duration", f"calc({a}s + {b * 250}ms)")],
                    "transition-duration", f"{a + b * 0.25:g}s")  # fmt: skip
    if kind == 2:
        return Item(
            [], [("rotate", f"calc({a * 10}deg + 0.25turn)")], "rotate", f"{a * 10 + 90}deg"
        )
    b = r.randrange(2, 5)
    return Item([], [("line-height", f"calc({a}px * {b})")], "line-height", f"{a * b}px")


def _font_size(r: random.Random) -> Item:
    a, b = r.randrange(4, 9), r.randrange(0, 12)
    return Item([], [("font-size", f"calc({a * 3}pt + {b}px)")], "font-size", f"{a * 4 + b}px")


def _hsl_safe(r: random.Random) -> tuple[str, tuple[int, int, int]]:
    """An hsl() whose sRGB channels are not near a rounding boundary (engines agree)."""
    while True:
        h, s, light = r.randrange(360), r.randrange(101), r.randrange(101)
        red, green, blue = (x * 255 for x in colorsys.hls_to_rgb(h / 360, light / 100, s / 100))
        if all(abs(x % 1 - 0.5) >= 0.1 for x in (red, green, blue)):
            rgb = (round(red), round(green), round(blue))
            text = f"hsl({h} {s}% {light}%)" if r.random() < 0.5 else f"hsl({h}, {s}%, {light}%)"
            return text, rgb


def _hex(c: tuple[int, ...]) -> str:
    return "#" + "".join(f"{x:02x}" for x in c)


def _colour(r: random.Random) -> tuple[str, tuple[int, int, int]]:
    kind = r.randrange(3)
    if kind == 0:
        rgb = (r.randrange(256), r.randrange(256), r.randrange(256))
        return _hex(rgb), rgb
    if kind == 1:
        return _hsl_safe(r)
    name = r.choice(sorted(_NAMED))
    return name, _NAMED[name]


def _inherit(r: random.Random) -> Item:
    text, rgb = _colour(r)
    return Item([("color", text)], [("color", "inherit")], "color", _rgb(rgb))


def _light_dark(r: random.Random) -> Item:
    (light, light_rgb), (dark, dark_rgb) = _colour(r), _colour(r)
    scheme = r.choice(("light", "dark"))
    want = light_rgb if scheme == "light" else dark_rgb
    return Item(
        [("color-scheme", scheme)], [("color", f"light-dark({light}, {dark})")], "color", _rgb(want)
    )


def _srgb(channels: tuple[float, float, float]) -> str:
    return "color(srgb " + " ".join(f"{c / 255:.6g}" for c in channels) + ")"


def _stable(k: int) -> bool:
    """Whether k/255 prints the same 6 significant digits however the engine rounds it
    (they compute in single precision: 0.3137255 comes out as ...726 or ...725)."""
    value = k / 255
    return all(f"{value * (1 + e):.6g}" == f"{value:.6g}" for e in (-2e-7, 2e-7))


_STABLE = tuple(k for k in range(256) if _stable(k))
_STABLE_EVEN = tuple(k for k in _STABLE if k % 2 == 0)


def _mix(r: random.Random) -> Item:
    while True:
        a = tuple(r.choice(_STABLE_EVEN) for _ in range(3))
        b = tuple(r.choice(_STABLE_EVEN) for _ in range(3))
        if all((x + y) // 2 in _STABLE for x, y in zip(a, b, strict=True)):
            break
    mixed = ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, (a[2] + b[2]) / 2)
    value = f"color-mix(in srgb, {_hex(a)}, {_hex(b)})"
    return Item([], [("color", value)], "color", _srgb(mixed))


def _relative(r: random.Random) -> Item:
    c = (r.choice(_STABLE), r.choice(_STABLE), r.choice(_STABLE))
    order = r.choice((("b", "r", "g"), ("g", "b", "r"), ("r", "r", "b"), ("b", "g", "r")))
    pick = {"r": c[0], "g": c[1], "b": c[2]}
    value = f"rgb(from {_hex(c)} {' '.join(order)})"
    return Item(
        [], [("color", value)], "color", _srgb((pick[order[0]], pick[order[1]], pick[order[2]]))
    )


def _no_border(r: random.Random) -> Item:
    side = r.choice(("top", "right", "bottom", "left"))
    a, b = r.randrange(1, 40), r.randrange(1, 40)
    css = [(f"border-{side}-style", r.choice(("none", "hidden"))),
           (f"border-{side}-width", f"max({a}px, {b}px)")]  # fmt: skip
    return Item([], css, f"border-{side}-width", "0px")


_KINDS: tuple[Callable[[random.Random], Item], ...] = (
    _em, _em, _percent, _percent, _minmax, _units, _integer, _number, _font_size,
    _inherit, _light_dark, _mix, _relative, _no_border,
)  # fmt: skip


def generate(r: random.Random) -> StyleTask:
    items = []
    for _ in range(r.randrange(5, 9)):
        item = r.choice(_KINDS)(r)
        css = list(item.css)
        r.shuffle(css)  # declaration order changes nothing here (distinct properties)
        items.append(Item(item.parent, css, item.prop, item.want))
    return StyleTask(tuple(items), ";".join(i.want for i in items))
