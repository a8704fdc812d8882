"""The interaction step: a button placed per ticket, and the server's judgement of how it
was activated.

Where the button sits and how big it is comes from the ticket's sealed probe seed
(through a hash with a label of its own): the page only draws it where it is told. The
page then sends the *events* that reached the button, not a verdict: pointer or mouse
down/up and the click (isTrusted, the click's ``detail``, the pointer type, coordinates
relative to the pad, a time since the button was shown), or the key that activated it.
The server decides:

- a pointer activation (``click.detail >= 1``) needs a trusted down and up before the
  click, in order and in time, all of them on the button where the server placed it;
  this is also what screen readers produce in Chromium (a pointer sequence at the
  button's centre) and Firefox (a mouse sequence);
- a keyboard activation (``detail == 0``) needs the trusted Enter or Space that caused it;
- a trusted click with neither (voice control, other assistive tools) still passes, as a
  soft doubt: accessibility is not traded for this check.

Every coordinate is in CSS pixels relative to the "pad", the box the page positions the
button in (left and width as a share of the pad's width, top and height in pixels). The
pad depends on where the challenge runs, which the ticket records (its ``surface``):
the challenge page's pad is 152 px tall and as wide as the page's card; the
Turnstile-compatible widget's frame is 65 px tall (140 px in its compact size), so its
pad is a fixed box that fits inside it. See docs/challenges.md for what this stops and
what it does not.
"""

from __future__ import annotations

import hashlib
import json
import math
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

from humangate.challenges.protocol import StepResult, Submission
from humangate.crypto.tickets import Failure, Ticket
from humangate.immutable import immutable
from humangate.signals.verdicts import Verdict, Verdicts

MAX_EVENTS: Final = 32  # the page keeps the last events before the click
TOLERANCE: Final = 1.5  # px: sub-pixel layout and rounding to 0.1 px
MIN_REACTION_MS: Final = 100  # faster than a person sees the button and reacts (soft)
MAX_CLICK_AFTER_RELEASE_MS: Final = 1_000
MAX_KEY_TO_CLICK_MS: Final = 2_000
MAX_EVENT_TIME_MS: Final = 3_600_000  # no ticket lives longer than this
POINTER_DOWN = frozenset({"pointerdown", "mousedown"})
POINTER_UP = frozenset({"pointerup", "mouseup"})
EVENT_TYPES = frozenset({*POINTER_DOWN, *POINTER_UP, "keydown", "keyup", "click"})
KEYS = frozenset({"enter", "space", "other"})


@dataclass(frozen=True, slots=True)
class Pad:
    """The box the button is placed in, and the ranges its place and size come from.

    ``width`` 0: as wide as the page made it (the challenge page's card, measured and
    reported by the page); otherwise a fixed width in px (the widget's frame).
    """

    height: int  # px
    width: int  # px, or 0
    min_width: int  # px: the narrowest pad the page may report (when ``width`` is 0)
    max_width: int
    button_width: tuple[int, int]  # thousandths of the pad's width
    button_height: tuple[int, int]  # px


# Where a ticket's challenge runs (Ticket.surface) -> its pad. The page's button is at
# least 56 px tall and 46 % of a card at least 120 px wide; the widget's at least 40 px
# by 153 px (normal and flexible sizes: the frame is 300 x 65 px with the brand beside
# it) or 54 px by 112 px (compact: 150 x 140 px, the brand below: room for a long
# word such as "człowiekiem" on one line, and for three lines). WCAG 2.5.8 asks 24 px.
PAGE: Final = ""
WIDGET: Final = "widget"
WIDGET_COMPACT: Final = "widget-compact"
PADS: Final[Mapping[str, Pad]] = {
    PAGE: Pad(152, 0, 120, 8000, (460, 700), (56, 72)),
    WIDGET: Pad(56, 204, 204, 204, (750, 1000), (40, 48)),
    WIDGET_COMPACT: Pad(96, 132, 132, 132, (850, 1000), (54, 66)),
}
PAD_HEIGHT: Final = PADS[PAGE].height


def widget_surface(size: str) -> str:
    """The surface of a widget frame of Turnstile ``size`` (normal, flexible, compact)."""
    return WIDGET_COMPACT if size == "compact" else WIDGET


@immutable  # one per challenge page (the escalation's button is placed in advance)
class ButtonLayout:
    """Where the button is: left/width in thousandths of the pad's width, top/height px."""

    left: int
    top: int
    width: int
    height: int
    pad: Pad = PADS[PAGE]

    def params(self) -> dict[str, int]:
        """What the page's button needs: :meth:`params_json`, read back."""
        params: dict[str, int] = json.loads(self.params_json())
        return params

    def params_json(self) -> str:
        """The pad's and the button's size and place as JSON text (every managed
        challenge page carries it)."""
        return _params_json(self.left, self.top, self.width, self.height, self.pad)

    def box(self, pad_width: float) -> tuple[float, float, float, float]:
        """(x0, y0, x1, y1) in px for a pad ``pad_width`` px wide."""
        x0 = self.left * pad_width / 1000
        return (x0, self.top, x0 + self.width * pad_width / 1000, self.top + self.height)


def layout_for(ticket: Ticket) -> ButtonLayout:
    """The ticket's button. Its sealed probe seed is random; hashing it with a label of
    its own gives this step randomness no other use of the seed shares (a ticket made
    before probe seeds existed falls back to its id)."""
    return ButtonLayout(*_placed(ticket))


def _placed(ticket: Ticket) -> tuple[int, int, int, int, Pad]:
    """:func:`layout_for`'s fields: left, top, width, height and the pad."""
    pad = PADS.get(ticket.surface, _PAGE_PAD)
    secret = ticket.probe or ticket.id
    digest = hashlib.sha256(_LAYOUT_LABEL + secret.encode()).digest()
    # The digest's first four big-endian 32-bit words, in this order. Each is taken
    # into a span of at most a thousand values: the bias is below 1e-6. (Written out,
    # not a helper called four times: every managed challenge page places a button.)
    for_width, for_height, for_left, for_top = _WORDS.unpack_from(digest)
    low, high = pad.button_width
    width = low + for_width % (high - low + 1)
    low, high = pad.button_height
    height = low + for_height % (high - low + 1)
    left = for_left % (1000 - width + 1)
    top = for_top % (pad.height - height + 1)
    return left, top, width, height, pad


def _params_json(left: int, top: int, width: int, height: int, pad: Pad) -> str:
    return (
        f'{{"pad":{pad.height},"pad_w":{pad.width},"left":{left},'
        f'"top":{top},"width":{width},"height":{height}}}'
    )


_LAYOUT_LABEL: Final = b"humangate/interaction/layout/v2\x00"
_WORDS: Final = struct.Struct(">4I")
_PAGE_PAD: Final = PADS[PAGE]


@dataclass(frozen=True, slots=True)
class Event:
    type: str
    t: float  # ms since the button was shown
    x: float  # px, relative to the pad
    y: float
    trusted: bool
    detail: int
    pointer: str  # "mouse" | "touch" | "pen" | "" (keyboard clicks, mouse events)
    key: str  # "enter" | "space" | "other" | ""
    same_screen: bool  # screenX == clientX and screenY == clientY (CDP's mark)


@dataclass(frozen=True, slots=True)
class Evidence:
    pad_width: float
    pad_height: float
    button: tuple[float, float, float, float]  # the box the page measured: x, y, w, h
    events: tuple[Event, ...]


def parse_evidence(raw: Mapping[str, object]) -> Evidence | None:
    """The page's evidence, or None when anything is missing, mistyped or out of range."""
    pad, button, events = raw.get("pad"), raw.get("button"), raw.get("events")
    pad_size = _numbers(pad, 2)
    box = _numbers(button, 4)
    if pad_size is None or box is None or not isinstance(events, list):
        return None
    if not 0 < len(events) <= MAX_EVENTS:
        return None
    parsed = [_event(item) for item in events]
    if any(event is None for event in parsed):
        return None
    return Evidence(
        pad_size[0],
        pad_size[1],
        (box[0], box[1], box[2], box[3]),
        tuple(event for event in parsed if event is not None),
    )


def _numbers(value: object, count: int) -> list[float] | None:
    if not isinstance(value, list) or len(value) != count:
        return None
    numbers = [_number(item) for item in value]
    return None if any(n is None for n in numbers) else [n for n in numbers if n is not None]


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and abs(number) < 1e7 else None


def _event(raw: object) -> Event | None:
    if not isinstance(raw, dict):
        return None
    kind, key, pointer = raw.get("type"), raw.get("key", ""), raw.get("pointer", "")
    t, x, y = _number(raw.get("t")), _number(raw.get("x")), _number(raw.get("y"))
    trusted, detail, same = raw.get("trusted"), raw.get("detail"), raw.get("same_screen")
    if kind not in EVENT_TYPES or t is None or x is None or y is None:
        return None
    if not isinstance(trusted, bool) or not isinstance(same, bool):
        return None
    if isinstance(detail, bool) or not isinstance(detail, int) or not 0 <= detail < 1000:
        return None
    if not isinstance(pointer, str) or len(pointer) > 8:
        return None
    if not isinstance(key, str) or (key and key not in KEYS):
        return None
    return Event(str(kind), t, x, y, trusted, detail, pointer, key, same)


def judge(evidence: Evidence, layout: ButtonLayout) -> Verdicts:
    """The interaction verdicts for ``evidence`` against the button the server placed."""
    verdicts: Verdicts = {
        "interaction": Verdict.PASS,
        "interaction_target": Verdict.PASS,
        "interaction_order": Verdict.PASS,
        "interaction_source": Verdict.PASS,
        "pointer_plausible": Verdict.NA,
        "interaction_time": Verdict.PASS,
    }
    events = evidence.events
    click = events[-1]
    before = events[:-1]
    if click.type != "click" or any(e.type == "click" for e in before):
        verdicts["interaction_order"] = Verdict.FAIL
    if not all(e.trusted for e in events):
        verdicts["interaction"] = Verdict.FAIL  # element.click(), dispatchEvent()
    times = [e.t for e in events]
    if times != sorted(times) or times[0] < 0 or times[-1] > MAX_EVENT_TIME_MS:
        verdicts["interaction_order"] = Verdict.FAIL
    if not _layout_matches(evidence, layout):
        verdicts["interaction_target"] = Verdict.FAIL
    if click.detail >= 1:
        verdicts.update(_pointer_verdicts(evidence, layout, before, click))
    else:
        verdicts.update(_keyboard_verdicts(before, click))
    return verdicts


def _layout_matches(evidence: Evidence, layout: ButtonLayout) -> bool:
    """The pad and the button the page measured are the ones the server placed."""
    pad = layout.pad
    if not pad.min_width - TOLERANCE <= evidence.pad_width <= pad.max_width + TOLERANCE:
        return False
    if abs(evidence.pad_height - pad.height) > TOLERANCE:
        return False
    x0, y0, x1, y1 = layout.box(evidence.pad_width)
    bx, by, bw, bh = evidence.button
    measured = (bx, by, bx + bw, by + bh)
    return all(abs(a - b) <= TOLERANCE for a, b in zip(measured, (x0, y0, x1, y1), strict=True))


def _on_button(event: Event, box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = box
    return (
        x0 - TOLERANCE <= event.x <= x1 + TOLERANCE and y0 - TOLERANCE <= event.y <= y1 + TOLERANCE
    )


def _pointer_verdicts(
    evidence: Evidence, layout: ButtonLayout, before: Sequence[Event], click: Event
) -> Verdicts:
    verdicts: Verdicts = {}
    downs = [e for e in before if e.type in POINTER_DOWN]
    ups = [e for e in before if e.type in POINTER_UP]
    if not downs or not ups:
        # A pointer click with no press and release before it: made up.
        verdicts["interaction_order"] = Verdict.FAIL
        return verdicts
    down, up = downs[-1], ups[-1]
    if not down.t <= up.t <= click.t or click.t - up.t > MAX_CLICK_AFTER_RELEASE_MS:
        verdicts["interaction_order"] = Verdict.FAIL
    box = layout.box(evidence.pad_width)
    if not all(_on_button(e, box) for e in (down, up, click)):
        verdicts["interaction_target"] = Verdict.FAIL
    # CDP's Input.dispatchMouseEvent leaves screen coordinates equal to client ones; a
    # window always has its viewport offset on screen (toolbar, frame), except a kiosk
    # window at (0, 0): hence only a doubt.
    cdp_like = any(e.same_screen for e in (*downs, *ups, click))
    verdicts["pointer_plausible"] = Verdict.FAIL if cdp_like else Verdict.PASS
    if down.t < MIN_REACTION_MS:
        verdicts["interaction_time"] = Verdict.FAIL
    return verdicts


def _keyboard_verdicts(before: Sequence[Event], click: Event) -> Verdicts:
    verdicts: Verdicts = {}
    presses = [e for e in before if e.type == "keydown" and e.key in ("enter", "space")]
    if not presses:
        # A trusted click no key or pointer caused: voice control, switch access and
        # other assistive tools. Let it through, as a doubt (it costs score, not passage).
        verdicts["interaction_source"] = Verdict.FAIL
        if click.t < MIN_REACTION_MS:
            verdicts["interaction_time"] = Verdict.FAIL
        return verdicts
    press = presses[-1]
    if click.t - press.t > MAX_KEY_TO_CLICK_MS and press.key == "enter":
        verdicts["interaction_order"] = Verdict.FAIL
    if press.key == "space":
        # Space activates on release: a keyup of Space between the press and the click.
        releases = [e for e in before if e.type == "keyup" and e.key == "space"]
        release = releases[-1].t if releases else -1.0
        if not press.t <= release <= click.t <= release + MAX_CLICK_AFTER_RELEASE_MS:
            verdicts["interaction_order"] = Verdict.FAIL
    if press.t < MIN_REACTION_MS:
        verdicts["interaction_time"] = Verdict.FAIL
    return verdicts


HARD: Final = ("interaction", "interaction_target", "interaction_order")


class InteractionStep:
    """A trusted activation of the button the ticket placed; the server judges the events."""

    name: Final = "interaction"
    script: Final = None

    def issue(self, ticket: Ticket) -> Mapping[str, object]:
        return layout_for(ticket).params()

    def issue_json(self, ticket: Ticket) -> str:
        # ButtonLayout.params_json without building the layout (one per managed page).
        return _params_json(*_placed(ticket))

    def verify(self, submission: Submission) -> StepResult:
        raw = submission.steps.get(self.name)
        if raw is None:
            # Not done yet (not a signal about the browser): the page must show the button.
            return StepResult(Failure.INTERACTION_REQUIRED.value)
        evidence = parse_evidence(raw) if isinstance(raw, dict) else None
        if evidence is None:
            return StepResult(Failure.AUTOMATED.value, {"interaction": Verdict.FAIL})
        verdicts = judge(evidence, layout_for(submission.ticket))
        if any(verdicts[name] is Verdict.FAIL for name in HARD):
            return StepResult(Failure.AUTOMATED.value, verdicts)
        return StepResult(verdicts=verdicts)
