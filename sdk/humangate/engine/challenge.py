"""Challenging: a ticket and the challenge page for browsers, a problem document for the
rest, and the holding page that keeps a challenged form POST until the visitor passes."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from functools import cache
from urllib.parse import parse_qs

from humangate import pages
from humangate.challenges.protocol import params_writer
from humangate.crypto.clearance import Requirement
from humangate.crypto.tickets import Ticket, language_hash
from humangate.effects import Flow, ReadBody
from humangate.engine.outcome import HeaderList
from humangate.engine.parts import Parts
from humangate.engine.replay import is_replayable
from humangate.engine.risk import assess
from humangate.engine.visit import Visit
from humangate.events import Event, Kind
from humangate.http import answers
from humangate.http.assets import hashed_name
from humangate.http.redirects import safe_target
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.i18n import available, catalog
from humangate.jsontext import string
from humangate.levels import Level
from humangate.pages.endpoints import SCRIPT_MESSAGES


class Challenger:
    __slots__ = ("_constant_json", "_params_writers", "_parts")

    def __init__(self, parts: Parts) -> None:
        self._parts = parts
        # The page data that is the same for every ticket of a level and language, as
        # JSON members: encoded once, not on every page (see _constants).
        self._constant_json: dict[tuple[Level, str], str] = {}
        # Per level: each issued step's name (as JSON) and what writes its parameters.
        self._params_writers: dict[Level, tuple[tuple[str, Callable[[Ticket], str]], ...]] = {}

    def answer(self, visit: Visit, need: Requirement, rule: str | None) -> Flow[Response]:
        """The challenge for a visit whose clearance does not meet ``need``. A form POST
        is held (its body read, at most ``replay_max_body + 1`` bytes) so it is not lost."""
        request = visit.request
        if is_replayable(request):
            replays = self._parts.replays
            body = yield ReadBody(self._parts.config.replay_max_body)
            if body is None:  # run without a body to read: ask to submit again
                return replays.must_retry(request, answers.new_ray_id(), need, visit.forget)
            assert isinstance(body, bytes)
            now = self._parts.clock()
            return replays.hold(
                request, body, need, client_ip=visit.ip, now=now, extra=visit.forget
            )
        strikes = yield from self._parts.strikes.count(visit.binding)
        return self.page(request, visit, need, visit.forget, rule, strikes=strikes)

    def explicit(self, visit: Visit) -> Flow[Response]:
        """``{prefix}challenge?level=...&work=...``: a challenge that returns to
        ``{prefix}done``.

        What the SPA helper and the form holding page show in an iframe. A visitor who
        already holds the level and the work goes straight to the done page. ``work``
        asks for more than the level's base (a rule's own difficulty); asking for less
        has no effect, and a clearance bought here passes only what its work paid for.
        """
        request = visit.request
        parts = self._parts
        query = parse_qs(request.query)
        try:
            level = Level.from_label(query.get("level", ["managed"])[0])
        except ValueError:
            level = Level.MANAGED
        level = max(level, Level.NON_INTERACTIVE)
        asked = query.get("work", [""])[0]
        # No route asks for more than the ceiling (rules' difficulty is checked against it).
        ceiling = parts.config.difficulty.ceiling
        work = min(int(asked), ceiling) if asked.isdecimal() and len(asked) <= 2 else 0
        need = Requirement(level, max(work, parts.required_work(level, None)))
        if need.met_by(visit.clearance):
            return answers.head_aware(request, done_page())
        done = f"{parts.config.path_prefix}done"
        target = replace(request, path=done, raw_path=done, query="")
        strikes = yield from parts.strikes.count(visit.binding)
        return self.page(target, visit, need, visit.forget, strikes=strikes)

    def page(
        self,
        request: Request,
        visit: Visit,
        need: Requirement,
        extra: HeaderList,
        rule: str | None = None,
        *,
        strikes: int = 0,
    ) -> Response:
        """The challenge page (HTML), or a problem document for clients that are not
        browsers and for websockets."""
        parts = self._parts
        config = parts.config
        ray = answers.new_ray_id()
        headers = (("cf-mitigated", "challenge"), *extra)
        if request.websocket:
            return answers.problem(answers.Problems.CHALLENGE, "", ray, extra_headers=headers)
        level = need.level
        difficulty = self._report_issued(
            request, visit, level, ray, rule=rule, rule_bits=need.work, strikes=strikes
        )
        if not request.accepts_html:
            # No ticket: nothing here could carry it back, and sealing one is most of
            # what this answer would cost (a flood of scripts gets this answer).
            return answers.problem(
                answers.Problems.CHALLENGE,
                "Open this URL in a web browser to pass the challenge, then retry with its "
                "clearance cookie.",
                ray,
                extra_fields={
                    "level": level.label,
                    "work": need.work,
                    "challenge_url": safe_target(request.target),
                },
                extra_headers=headers,
            )
        ticket, token = self._ticket(request, visit, level, difficulty, ray, rule=rule)
        nonce = answers.new_nonce()
        language = parts.page_language(request)
        template = parts.template
        # This ticket's PrivateToken challenges, one per trusted issuer (humangate.pat).
        if parts.pat is not None:
            headers = (*headers, *parts.pat.www_authenticate(ticket, request.host, parts.clock()))
        body = pages.challenge_page(
            language=language,
            nonce=nonce,
            host=request.host,
            ray=ray,
            client_ip=visit.ip_text,
            script_url=f"{config.path_prefix}static/{hashed_name('challenge.js')}",
            challenge_json=self._page_json(ticket, token, language, request),
            favicon_url=parts.favicon_url(),
            template=template,
            # ::GEO:: of a custom template; looked up only when a template is in use.
            country=visit.country if template is not None else "",
        )
        # frames: the page's hyperlink-auditing frame (js/src/cdp.js, engine/audit.py).
        page = answers.html_response(403, body, ray, nonce, headers, frames=True)
        return answers.head_aware(request, page)

    def widget(self, visit: Visit, level: Level, surface: str) -> dict[str, object]:
        """A new challenge at ``level`` for the Turnstile-compatible widget's frame: the
        data the challenge page's script reads, plus the ticket's id. ``surface`` (the
        frame's size) is sealed into the ticket: the interaction button's box fits it."""
        request = visit.request
        ray = answers.new_ray_id()
        difficulty = self._report_issued(request, visit, level, ray)
        ticket, token = self._ticket(request, visit, level, difficulty, ray, surface=surface)
        language = self._parts.page_language(request)
        return {
            **self._constants(level, language),
            **self._per_ticket(ticket, token, request),
            "ticket_id": ticket.id,
        }

    def _report_issued(
        self,
        request: Request,
        visit: Visit,
        level: Level,
        ray: str,
        *,
        rule: str | None = None,
        rule_bits: int | None = None,
        strikes: int = 0,
    ) -> int:
        """The difficulty of a new challenge for this visit at ``level``, reported as
        issued."""
        parts = self._parts
        config = parts.config
        risk = assess(request, visit.user_agent, visit.clearance, strikes)
        difficulty = config.difficulty.bits(
            level, risk, rule_bits=rule_bits, under_attack=config.under_attack
        )
        country, asn, client_ip = visit.located(config.log_client_ip)
        label = level.label
        parts.report(
            Event(
                Kind.CHALLENGE_ISSUED,
                ray,
                parts.clock(),
                rule=rule,
                action=label,
                level=label,
                path=request.path,
                country=country,
                asn=asn,
                difficulty=difficulty,
                client_ip=client_ip,
            )
        )
        return difficulty

    def _ticket(
        self,
        request: Request,
        visit: Visit,
        level: Level,
        difficulty: int,
        ray: str,
        *,
        surface: str = "",
        rule: str | None = None,
    ) -> tuple[Ticket, str]:
        """A new ticket for this client at ``level``: the puzzle the page solves. It
        carries the ``rule`` that challenged, so the solve is counted under it."""
        parts = self._parts
        return parts.tickets.issue(
            level=level,
            difficulty=difficulty,
            client_ip=visit.ip_text,
            user_agent=visit.user_agent,
            target=request.target,
            ray=ray,
            now=parts.clock(),
            surface=surface,
            rule=rule or "",
        )

    def _page_json(self, ticket: Ticket, token: str, language: str, request: Request) -> str:
        """The data the challenge page's script reads, as script-safe JSON."""
        key = (ticket.level, language)
        constant = self._constant_json.get(key)
        if constant is None:  # at most one per level and available language
            constant = pages.json_members(self._constants(ticket.level, language))
            self._constant_json[key] = constant
        return pages.script_safe_json(self._per_ticket_json(ticket, token, request), constant)

    def _per_ticket(self, ticket: Ticket, token: str, request: Request) -> dict[str, object]:
        """The page data of this ticket, as the widget's frame takes it: what
        :meth:`_per_ticket_json` writes, read back (its members are written once)."""
        data: dict[str, object] = json.loads(self._per_ticket_json(ticket, token, request))
        return data

    def _per_ticket_json(self, ticket: Ticket, token: str, request: Request) -> str:
        """The page data of this ticket: the puzzle and what the steps need, as JSON
        text written around its known members (every page writes one; the generic
        encoder cost more than the rest of the page data)."""
        # Hashes, not values: the page compares its own navigator.userAgent and language
        # against them and reports only whether they matched.
        lang_hash = language_hash(request.header("accept-language"))
        # The token (URL-safe base64), the seed and the hashes (hex) are written by
        # humangate.crypto in alphabets JSON never escapes: quoting is all they need
        # (escaping the 400-character token cost more than the rest of this text).
        return (
            f'{{"ticket":"{token}","seed":"{ticket.seed}",'
            f'"difficulty":{int(ticket.difficulty)},"ray":{string(ticket.ray)},'
            f'"ua_hash":"{ticket.ua_hash}","lang_hash":"{lang_hash}",'
            f'"step_params":{self._step_params_json(ticket)}}}'
        )

    def _step_params_json(self, ticket: Ticket) -> str:
        """Every issued step's parameters for ``ticket``, as one JSON object."""
        writers = self._params_writers.get(ticket.level)
        if writers is None:  # once per level
            steps = self._parts.types[ticket.level].issued_steps
            writers = tuple((string(step.name), params_writer(step)) for step in steps)
            self._params_writers[ticket.level] = writers
        return "{" + ",".join([f"{name}:{write(ticket)}" for name, write in writers]) + "}"

    def _constants(self, level: Level, language: str) -> dict[str, object]:
        """The page data that is the same for every ticket of ``level`` in ``language``."""
        parts = self._parts
        config = parts.config
        prefix = config.path_prefix
        kind = parts.types[level]
        steps = kind.issued_steps
        return {
            "v": 1,
            "solve_url": f"{prefix}solve",
            "cleared_url": f"{prefix}cleared",
            "probe_url": f"{prefix}probe",
            "worker_url": f"{prefix}static/{hashed_name('pow-worker.js')}",
            "level": level.label,
            "steps": kind.step_names,
            # The page re-renders in navigator.language's catalog when it differs from
            # this pre-selection, unless the owner forced the language.
            "language": language,
            "language_forced": config.language is not None,
            "languages": _languages(),
            "i18n_url": f"{prefix}i18n/",
            "custom_template": parts.template is not None,
            "messages": _script_messages(language),
            # What the signal, interaction and plugin steps need in the page.
            "escalation": kind.escalation.name if kind.escalation else None,
            "step_scripts": {
                step.name: f"{prefix}static/challenges/{step.name}.js"
                for step in steps
                if step.script is not None
            },
        }


@cache
def _languages() -> list[str]:
    return sorted(available())


@cache
def _script_messages(language: str) -> dict[str, str]:
    """The texts the page script shows itself, in ``language`` (built once each)."""
    messages = catalog(language)
    return {key: messages[key] for key in SCRIPT_MESSAGES}


def done_page() -> Response:
    """Where an explicit challenge returns to once passed (shown in an iframe)."""
    ray = answers.new_ray_id()
    nonce = answers.new_nonce()
    body = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Verified</title></head><body><p>Verified. You can continue.</p></body></html>"
    )
    return answers.html_response(200, body.encode(), ray, nonce)
