"""The challenge answer: what each kind of client gets, and what it costs to make."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import pytest

from humangate import Config
from humangate.crypto.tickets import TicketBook
from humangate.events import Event, Kind
from humangate.http.request import Request
from humangate.i18n import available
from humangate.jsontext import compact
from humangate.levels import Level
from humangate.pages import json_members, script_json
from humangate.wsgi import HumanGate
from tests.conftest import BROWSER_UA, SECRET
from tests.support import WSGIClient, challenge_data


def site(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    start_response("200 OK", [("content-type", "text/plain")])
    return [b"ok"]


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def record(self, event: Event) -> None:
        self.events.append(event)


def gated(**settings: Any) -> tuple[HumanGate, Recorder]:
    config = Config(secret_keys=[SECRET], store="memory://", difficulty=8, **settings)
    app = HumanGate(site, config)
    recorder = Recorder()
    app.gate.engine.add_observer(recorder)
    return app, recorder


def test_a_json_problem_seals_no_ticket_but_is_reported_with_its_difficulty(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A script flooding an API gets this answer: no ticket could come back from it, so
    # none is sealed (the page's main cost); the challenge is still counted as issued.
    sealed: list[object] = []
    issue = TicketBook.issue

    def counting_issue(self: TicketBook, **kwargs: Any) -> Any:
        sealed.append(kwargs)
        return issue(self, **kwargs)

    monkeypatch.setattr(TicketBook, "issue", counting_issue)
    app, recorder = gated()
    client = WSGIClient(app)
    answer = client.request("GET", "//api/x", query="a=1", html=False)
    assert answer.status == 403
    problem = answer.json()
    assert problem["challenge_url"] == "/api/x?a=1"  # still only ever a local path
    assert sealed == []
    [issued] = [e for e in recorder.events if e.kind is Kind.CHALLENGE_ISSUED]
    assert issued.ray == problem["ray_id"]
    assert issued.difficulty == 8 and issued.level == "managed"
    page = client.request("GET", "/api/x")
    assert page.status == 403 and len(sealed) == 1
    assert challenge_data(page.body)["difficulty"] == sealed[0]["difficulty"]  # type: ignore[index]


def test_the_page_data_is_the_same_whether_encoded_once_or_per_page() -> None:
    app, _ = gated(default_action="challenge")
    client = WSGIClient(app)
    first = challenge_data(client.request("GET", "/a").body)
    second = challenge_data(client.request("GET", "/b", headers={"accept-language": "fr"}).body)
    third = challenge_data(client.request("GET", "/c").body)
    challenger = app.gate.engine._challenger
    assert set(challenger._constant_json) == {(Level.INTERACTIVE, "en"), (Level.INTERACTIVE, "fr")}
    # Per ticket: a fresh puzzle, ray and step parameters on every page.
    assert first["ticket"] != third["ticket"] and first["seed"] != third["seed"]
    assert first["ray"] != third["ray"]
    assert first["step_params"] != third["step_params"]
    # The same for every page of a level and language, in every page.
    shared = ("v", "solve_url", "probe_url", "level", "steps", "languages", "step_scripts")
    assert all(first[key] == third[key] == second[key] for key in shared)
    assert first["messages"] == third["messages"] != second["messages"]
    assert (first["language"], second["language"]) == ("en", "fr")
    # What the widget's frame gets is the same data, unencoded, plus the ticket id.
    visit = app.gate.engine._visit(_request())
    widget = challenger.widget(visit, Level.INTERACTIVE, "widget")
    assert set(widget) == {*first, "ticket_id"}


def test_a_flood_of_invented_languages_keeps_the_page_data_cache_bounded() -> None:
    # The cache key is the negotiated language, never the header: a script sending a new
    # Accept-Language on every request cannot grow the gate's memory with them.
    app, _ = gated(default_action="challenge")
    client = WSGIClient(app)
    headers = [f"x-{n}, zz-{n};q=0.9, {n}" for n in range(300)]
    headers += ["fr-CA, de;q=0.5", "DE", "*", "", "en;q=0, fr;q=0", "ja-JP;q=1.0"]
    for value in headers:
        assert client.request("GET", "/x", headers={"accept-language": value}).status == 403
    keys = set(app.gate.engine._challenger._constant_json)
    assert {level for level, _ in keys} == {Level.INTERACTIVE}
    assert {language for _, language in keys} <= set(available())
    assert len(keys) <= len(available())


def _request() -> Request:
    return Request("GET", "/", headers=(("user-agent", BROWSER_UA),), peer="198.51.100.7")


def test_page_data_stays_script_safe_when_merged() -> None:
    constant = json_members({"x": "</script><!--&"})
    text = script_json({"y": "<b>"}, constant)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"y": "<b>", "x": "</script><!--&"}
    assert json.loads(script_json({}, constant)) == {"x": "</script><!--&"}
    assert script_json({"y": 1}) == '{"y":1}'


def test_the_per_ticket_json_is_what_the_generic_encoder_writes() -> None:
    # The page writes its per-ticket members by hand (measured cheaper); the widget gets
    # the same members as a dict. Both must say the same thing, byte for byte, for any
    # level's steps and any language header, including awkward ones.
    app, _ = gated(default_action="challenge")
    challenger = app.gate.engine._challenger
    visit = app.gate.engine._visit(_request())
    for level in (Level.NON_INTERACTIVE, Level.MANAGED, Level.INTERACTIVE):
        for language in ("", "fr-CA", 'x"</script>\u2028é'):
            request = Request("GET", "/", headers=(("accept-language", language),))
            ticket, token = challenger._ticket(request, visit, level, 8, "0123456789abcdef")
            written = challenger._per_ticket_json(ticket, token, request)
            assert written == compact(challenger._per_ticket(ticket, token, request))


def test_members_written_unescaped_are_in_alphabets_json_never_escapes() -> None:
    # The page writes the token, seed and hashes between quotes without escaping them:
    # that is safe only while humangate.crypto writes them in URL-safe base64 and hex,
    # whatever the client sends (its User-Agent and languages are only hashed).
    app, _ = gated(default_action="challenge")
    challenger = app.gate.engine._challenger
    hostile = '"</script><img src=x onerror=alert(1)>\\\u2028é'
    request = Request(
        "GET",
        "/" + hostile,
        headers=(("user-agent", hostile), ("accept-language", hostile)),
        peer="198.51.100.7",
    )
    visit = app.gate.engine._visit(request)
    for level in (Level.NON_INTERACTIVE, Level.MANAGED, Level.INTERACTIVE):
        ticket, token = challenger._ticket(request, visit, level, 8, "0123456789abcdef")
        data = json.loads(challenger._per_ticket_json(ticket, token, request))
        assert re.fullmatch(r"[A-Za-z0-9_-]+", data["ticket"])
        for name in ("seed", "ua_hash", "lang_hash"):
            assert re.fullmatch(r"[0-9a-f]+", data[name]), name
        for params in data["step_params"].values():
            assert all(re.fullmatch(r"[0-9a-z_]+", str(v)) for v in params.values())
