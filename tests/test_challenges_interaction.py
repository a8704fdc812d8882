"""The interaction step: a button the ticket places, and the server's judgement of the
events that activated it (humangate/challenges/interaction.py).

Adversaries post forged, missing, out-of-place and replayed evidence to managed and
interactive challenges over HTTP; a person's mouse, touch, keyboard and screen-reader
activations pass.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable
from typing import Any

import pytest

from humangate import Config, Rule
from humangate.challenges.interaction import (
    PAD_HEIGHT,
    PAGE,
    TOLERANCE,
    WIDGET,
    WIDGET_COMPACT,
    ButtonLayout,
    judge,
    layout_for,
    parse_evidence,
)
from humangate.crypto.tickets import Ticket
from humangate.levels import Level
from humangate.probes.oracle import interaction_evidence, solution_body
from humangate.signals import passing_signals
from humangate.wsgi import HumanGate
from tests.conftest import SECRET
from tests.support import TEST_SECRETS, Result, WSGIClient, challenge_data

COOKIE = "humangate_clearance"
ACTIONS = ("managed_challenge", "challenge")


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"app"]


def client_for(action: str, rules: list[Rule] | None = None) -> WSGIClient:
    config = Config(
        secret_keys=[SECRET],
        store="memory://",
        difficulty=2,
        default_action=action,
        rules=rules or [],
    )
    return WSGIClient(HumanGate(site, config))


def post(
    client: WSGIClient,
    data: dict[str, Any],
    evidence: object = None,
    doubts: dict[str, str] | None = None,
) -> Result:
    steps = None if evidence is None else {"interaction": evidence}
    signals = {**passing_signals(), **(doubts or {})}
    body = solution_body(TEST_SECRETS, data, signals=signals, steps=steps)
    return client.request(
        "POST", data["solve_url"], body=body, headers={"content-type": "application/json"},
        html=False,
    )  # fmt: skip


def fresh(action: str) -> tuple[WSGIClient, dict[str, Any]]:
    client = client_for(action)
    return client, challenge_data(client.request("GET", "/").body)


def _ticket(probe: str, surface: str = PAGE) -> Ticket:
    return Ticket("0" * 24, "00", 1, Level.MANAGED, "", "", 0, "/", "r", probe, 0, surface)


# -- the layout ----------------------------------------------------------------------------


def test_the_layout_is_the_tickets_and_always_fits_the_pad() -> None:
    layouts = [layout_for(_ticket(f"{n:032x}")) for n in range(500)]
    assert layout_for(_ticket("ab" * 16)) == layout_for(_ticket("ab" * 16))
    for layout in layouts:
        assert layout.left >= 0 and layout.left + layout.width <= 1000
        assert layout.top >= 0 and layout.top + layout.height <= PAD_HEIGHT
        # A comfortable target (WCAG 2.5.5) on the narrowest card the page allows.
        assert layout.height >= 44 and layout.width >= 400
    # Place and size vary per ticket: reading one page tells little about the next.
    assert len({(lay.left, lay.top) for lay in layouts}) > 400
    assert len({(lay.width, lay.height) for lay in layouts}) > 200


@pytest.mark.parametrize(
    ("surface", "width", "height"), [(WIDGET, 204, 56), (WIDGET_COMPACT, 132, 96)]
)
def test_the_widget_layout_fits_its_frame(surface: str, width: int, height: int) -> None:
    """The widget's frame is 300 x 65 px (compact 150 x 140): its pad is a fixed box
    inside it, and the button always lies in the pad, at least 40 px tall."""
    layouts = [layout_for(_ticket(f"{n:032x}", surface)) for n in range(500)]
    for layout in layouts:
        assert layout.params()["pad"] == height and layout.params()["pad_w"] == width
        x0, y0, x1, y1 = layout.box(width)
        assert x0 >= 0 and x1 <= width and y0 >= 0 and y1 <= height
        assert y1 - y0 >= 40 and x1 - x0 >= 0.75 * width - 1
    assert len({(lay.left, lay.top, lay.width, lay.height) for lay in layouts}) > 300
    # The same ticket seed on another surface is another button.
    assert layout_for(_ticket("ab" * 16, surface)).pad != layout_for(_ticket("ab" * 16)).pad


def test_the_page_gets_the_layout_and_nothing_of_the_ticket() -> None:
    _, data = fresh("challenge")
    params = data["step_params"]["interaction"]
    assert set(params) == {"pad", "pad_w", "left", "top", "width", "height"}
    assert params["pad"] == PAD_HEIGHT and params["pad_w"] == 0  # as wide as the card


def test_box_scales_with_the_pad_width() -> None:
    layout = ButtonLayout(left=250, top=10, width=500, height=60)
    assert layout.box(400) == (100, 10, 300, 70)
    assert layout.box(800) == (200, 10, 600, 70)


# -- a person passes -----------------------------------------------------------------------


def _touch(data: dict[str, Any]) -> dict[str, Any]:
    evidence = interaction_evidence(data, "mouse", pad=300)
    for event in evidence["events"]:
        if event["pointer"]:
            event["pointer"] = "touch"
    return evidence


def _screen_reader_chromium(data: dict[str, Any]) -> dict[str, Any]:
    # Chromium's accessibility click: pointer and mouse down/up and the click at the
    # button's centre, all at the same instant (simulated_event_util.cc).
    evidence = interaction_evidence(data, "mouse")
    for event in evidence["events"]:
        event["t"] = 2000.0
    return evidence


PEOPLE: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "mouse": lambda data: interaction_evidence(data, "mouse"),
    "mouse on a wide pad, near a corner": lambda data: _corner(data),  # noqa: PLW0108
    "touch": _touch,
    "keyboard Enter": lambda data: interaction_evidence(data, "keyboard"),
    "keyboard Space": lambda data: interaction_evidence(data, "space"),
    "screen reader (Chromium)": _screen_reader_chromium,
    "voice control / switch access": lambda data: interaction_evidence(data, "assistive"),
}


def _corner(data: dict[str, Any]) -> dict[str, Any]:
    params = data["step_params"]["interaction"]
    # On a 1000 px pad, thousandths of the width are pixels.
    return interaction_evidence(data, "mouse", pad=1000, x=params["left"] + 1, y=params["top"] + 1)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("person", sorted(PEOPLE))
def test_a_persons_activation_passes(action: str, person: str) -> None:
    client, data = fresh(action)
    answer = post(client, data, PEOPLE[person](data))
    assert answer.status == 200, answer.json()
    assert COOKIE in client.cookies


def test_assistive_clicks_pass_as_a_doubt_that_costs_score_only() -> None:
    client = client_for("challenge", rules=[Rule("cf.bot_management.score lt 90", "block")])
    data = challenge_data(client.request("GET", "/").body)
    assert post(client, data, interaction_evidence(data, "assistive")).status == 200
    assert client.request("GET", "/").status == 403  # score 79: an owner's rule may act


# -- adversaries -----------------------------------------------------------------------------


def _click(evidence: dict[str, Any]) -> dict[str, Any]:
    click: dict[str, Any] = evidence["events"][-1]
    return click


def _edit(how: str, change: Callable[[dict[str, Any], dict[str, Any]], None]) -> Any:
    def forge(data: dict[str, Any]) -> dict[str, Any]:
        evidence = interaction_evidence(data, how)
        change(evidence, data["step_params"]["interaction"])
        return evidence

    return forge


def _outside(evidence: dict[str, Any], params: dict[str, Any]) -> None:
    right = (params["left"] + params["width"]) * 400 / 1000
    for event in evidence["events"]:
        event["x"] = right + 4  # just past the button's right edge


def _below(evidence: dict[str, Any], params: dict[str, Any]) -> None:
    for event in evidence["events"]:
        event["y"] = params["top"] + params["height"] + 4


def _elsewhere_box(evidence: dict[str, Any], params: dict[str, Any]) -> None:
    # A page that drew the button somewhere else (and clicked there).
    evidence["button"][0] = (evidence["button"][0] + 37) % 200
    for event in evidence["events"]:
        event["x"] = evidence["button"][0] + 5


FORGERIES: dict[str, Callable[[dict[str, Any]], object]] = {
    "untrusted click": _edit("mouse", lambda e, p: _click(e).update(trusted=False)),
    "untrusted pointerdown": _edit("mouse", lambda e, p: e["events"][0].update(trusted=False)),
    "untrusted key": _edit("keyboard", lambda e, p: e["events"][0].update(trusted=False)),
    "pointer click without down/up": _edit("mouse", lambda e, p: e.update(events=e["events"][-1:])),
    "pointer click without up": _edit(
        "mouse", lambda e, p: e.update(events=[e["events"][0], e["events"][-1]])
    ),
    "up before down": _edit(
        "mouse",
        lambda e, p: e.update(events=[*e["events"][2:4], *e["events"][0:2], e["events"][4]]),
    ),
    "time running backwards": _edit("mouse", lambda e, p: _click(e).update(t=10.0)),
    "negative time": _edit("mouse", lambda e, p: [ev.update(t=-5.0) for ev in e["events"]]),
    "click long after release": _edit("mouse", lambda e, p: _click(e).update(t=9000.0)),
    "click not last": _edit("mouse", lambda e, p: e["events"].append(dict(e["events"][0]))),
    "two clicks": _edit("mouse", lambda e, p: e["events"].insert(0, dict(_click(e)))),
    "click outside the button (right)": _edit("mouse", _outside),
    "click outside the button (below)": _edit("mouse", _below),
    "button drawn elsewhere": _edit("mouse", _elsewhere_box),
    "pad of another height": _edit("mouse", lambda e, p: e["pad"].__setitem__(1, 100.0)),
    "absurd pad width": _edit("mouse", lambda e, p: e["pad"].__setitem__(0, 1e6)),
    "Enter long before the click": _edit("keyboard", lambda e, p: _click(e).update(t=5000.0)),
    "Space never released": _edit("space", lambda e, p: e["events"].pop(1)),
    "too many events": _edit("keyboard", lambda e, p: e.update(events=e["events"] * 17)),
    "no events": _edit("mouse", lambda e, p: e.update(events=[])),
    "unknown event type": _edit("mouse", lambda e, p: e["events"][0].update(type="tap")),
    "string coordinates": _edit("mouse", lambda e, p: _click(e).update(x="10")),
    "infinite time": lambda data: json.loads(
        json.dumps(interaction_evidence(data, "mouse")).replace('"t": 731.5', '"t": Infinity', 1)
    ),
    "boolean detail": _edit("mouse", lambda e, p: _click(e).update(detail=True)),
    "typed text as key": _edit("keyboard", lambda e, p: e["events"][0].update(key="hunter2")),
    "verdict instead of evidence": lambda data: "pass",
    "old-style verdicts": lambda data: {"interaction": "pass", "pointer_plausible": "pass"},
    "empty object": lambda data: {},
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_forged_evidence_is_refused(action: str, forgery: str) -> None:
    client, data = fresh(action)
    answer = post(client, data, FORGERIES[forgery](data))
    assert answer.status == 403
    assert answer.json()["reason"] == "automated", answer.json()
    assert COOKIE not in client.cookies


@pytest.mark.parametrize("action", ACTIONS)
def test_missing_evidence_asks_for_the_interaction(action: str) -> None:
    client, data = fresh(action)
    if action == "managed_challenge":
        # Managed asks only on doubts; with none, the clean browser passes without a click.
        assert post(client, data).status == 200
        client, data = fresh(action)
        answer = post(client, data, doubts={"chrome_object": "fail"})
    else:
        answer = post(client, data)
    assert answer.status == 403 and answer.json()["reason"] == "interaction_required"


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("how", ["mouse", "keyboard"])
def test_evidence_replayed_into_other_tickets_is_refused(
    action: str, how: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A real activation captured for one ticket, posted with 100 others: none passes.

    A pointer replay misses the other tickets' buttons (their place and size differ);
    keyboard evidence has no place, but carries the first ticket's button box, which is
    not the next ticket's either.
    """
    client, first = fresh(action)
    captured = interaction_evidence(first, how)
    passed = 0
    for _ in range(100):
        data = challenge_data(client.request("GET", "/").body)
        passed += post(client, data, copy.deepcopy(captured)).status == 200
    with capsys.disabled():
        print(f"\n{action} {how} evidence replayed into 100 other tickets: {passed} passed")
    assert passed == 0


def test_parse_rejects_what_is_not_evidence() -> None:
    assert parse_evidence({"pad": [400, 152], "button": [0, 0, 1, 1], "events": "x"}) is None
    assert parse_evidence({"pad": [400], "button": [0, 0, 1, 1], "events": []}) is None
    assert parse_evidence({"pad": [400, True], "button": [0, 0, 1, 1], "events": []}) is None


def test_each_rule_names_itself_in_the_verdicts() -> None:
    """Operators see which part failed (the solve log lists the failed checks' names)."""
    data = {"step_params": {"interaction": ButtonLayout(100, 20, 600, 60).params()}}
    layout = ButtonLayout(100, 20, 600, 60)

    def verdicts(evidence: dict[str, Any]) -> dict[str, str]:
        parsed = parse_evidence(evidence)
        assert parsed is not None
        return {k: v.value for k, v in judge(parsed, layout).items() if v.value == "fail"}

    assert verdicts(interaction_evidence(data, "mouse")) == {}
    assert verdicts(interaction_evidence(data, "mouse", x=399)) == {"interaction_target": "fail"}
    early = interaction_evidence(data, "mouse")
    early["events"][-1]["t"] = 1.0
    assert verdicts(early) == {"interaction_order": "fail"}
    fast = interaction_evidence(data, "mouse")
    for event in fast["events"]:
        event["t"] = 30.0
    assert verdicts(fast) == {"interaction_time": "fail"}
    cdp = interaction_evidence(data, "mouse")
    cdp["events"][0]["same_screen"] = True
    assert verdicts(cdp) == {"pointer_plausible": "fail"}
    assert verdicts(interaction_evidence(data, "assistive")) == {"interaction_source": "fail"}


# -- the widget's frame ----------------------------------------------------------------------


def _widget_solve(size: str, evidence: Callable[[dict[str, Any]], object]) -> Result:
    """A managed widget frame of ``size`` whose first solve had doubts, re-posted with
    ``evidence`` built from the frame's own challenge data."""
    from tests.turnstile.support import frame, gate  # noqa: PLC0415

    client = WSGIClient(gate())
    _, data = frame(client, s=size)
    challenge = data["challenge"]
    body = solution_body(
        TEST_SECRETS,
        challenge,
        signals={**passing_signals(), "chrome_object": "fail"},
        steps={"interaction": evidence(challenge)},
        extra={"context": challenge["context"]},
    )
    return client.request(
        "POST", challenge["solve_url"], body=body, headers={"content-type": "application/json"},
        html=False,
    )  # fmt: skip


@pytest.mark.parametrize(("size", "pad"), [("normal", (204, 56)), ("flexible", (204, 56)),
                                           ("compact", (132, 96))])  # fmt: skip
def test_the_widget_frame_gets_a_box_that_fits_it(size: str, pad: tuple[int, int]) -> None:
    from tests.turnstile.support import frame, gate  # noqa: PLC0415

    _, data = frame(WSGIClient(gate()), s=size)
    params = data["challenge"]["step_params"]["interaction"]
    assert (params["pad_w"], params["pad"]) == pad
    answer = _widget_solve(size, lambda challenge: interaction_evidence(challenge, "mouse"))
    assert answer.status == 200, answer.json()


def _page_geometry(challenge: dict[str, Any]) -> dict[str, Any]:
    # The page's 152 px pad and its share of a 400 px card, on a widget ticket.
    params = dict(challenge["step_params"]["interaction"], pad=152, pad_w=0)
    return interaction_evidence({"step_params": {"interaction": params}}, "mouse")


def _beside(challenge: dict[str, Any]) -> dict[str, Any]:
    evidence = interaction_evidence(challenge, "mouse")
    params = challenge["step_params"]["interaction"]
    right = (params["left"] + params["width"]) * params["pad_w"] / 1000
    x = right + 3 if right + 3 <= params["pad_w"] else params["left"] * params["pad_w"] / 1000 - 3
    for event in evidence["events"]:  # type: ignore[union-attr]
        event["x"] = x
    return evidence


def _untrusted(challenge: dict[str, Any]) -> dict[str, Any]:
    evidence = interaction_evidence(challenge, "mouse")
    for event in evidence["events"]:  # type: ignore[union-attr]
        event["trusted"] = False
    return evidence


@pytest.mark.parametrize(
    "forge", [_page_geometry, _beside, _untrusted], ids=["page geometry", "beside", "untrusted"]
)
@pytest.mark.parametrize("size", ["normal", "compact"])
def test_forged_widget_evidence_is_refused(size: str, forge: Callable[..., object]) -> None:
    answer = _widget_solve(size, forge)
    assert answer.status == 403
    assert answer.json()["reason"] == "automated", answer.json()


def _same_box(evidence: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether two frames' buttons are in one place, within the verifier's tolerance."""
    return all(
        abs(a - b) <= TOLERANCE for a, b in zip(evidence["button"], other["button"], strict=True)
    )


def test_widget_evidence_replayed_into_other_frames_is_refused() -> None:
    """A real click captured in one frame, posted with 50 other frames' tickets.

    A frame whose button the layout happened to put where the captured one was (about
    one in 1,200 on the widget's small pad: see the next test) takes the click as its
    own; such a frame is counted apart, and must be rare. Every other one refuses."""
    from tests.turnstile.support import frame, gate  # noqa: PLC0415

    captured = interaction_evidence(frame(WSGIClient(gate()))[1]["challenge"], "mouse")
    same_place: list[bool] = []

    def replay(challenge: dict[str, Any]) -> object:
        same_place.append(_same_box(captured, interaction_evidence(challenge, "mouse")))
        return copy.deepcopy(captured)

    statuses = [_widget_solve("normal", replay).status for _ in range(50)]
    elsewhere = [status for status, same in zip(statuses, same_place, strict=True) if not same]
    assert elsewhere == [403] * len(elsewhere)
    assert same_place.count(True) <= 3  # 0.04 expected in 50


@pytest.mark.parametrize(("surface", "pad_width"), [(WIDGET, 204), (WIDGET_COMPACT, 132)])
def test_two_widget_frames_rarely_place_their_buttons_alike(surface: str, pad_width: int) -> None:
    """The bound on the replay above: how often two random layouts of a widget's pad
    agree within the tolerance (0.00092 normal, 0.00106 compact for these 1,000)."""
    layouts = [layout_for(_ticket(f"{n:032x}", surface)) for n in range(1000)]
    boxes = [layout.box(pad_width) for layout in layouts]
    pairs = alike = 0
    for i, first in enumerate(boxes):
        for second in boxes[i + 1 :]:
            pairs += 1
            alike += all(abs(a - b) <= TOLERANCE for a, b in zip(first, second, strict=True))
    assert alike / pairs < 0.002
