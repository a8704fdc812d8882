"""The engine's side of the Turnstile-compatible widget (:mod:`humangate.turnstile`):
its routes under ``{prefix}turnstile/v0/``, and what the widget asks of the engine (a
challenge for its frame, the solve checks, pre-clearance, verified bots)."""

from __future__ import annotations

from humangate.challenges.interaction import widget_surface
from humangate.effects import Flow
from humangate.engine.challenge import Challenger
from humangate.engine.outcome import Answer, Outcome
from humangate.engine.parts import Parts
from humangate.engine.routes import GET, POST, Route, VisitOf, not_found
from humangate.engine.solve import SolveChecked, Solver
from humangate.events import Kind
from humangate.http.request import Request
from humangate.http.response import Response
from humangate.i18n import choose_language
from humangate.levels import Level
from humangate.turnstile.endpoints import TurnstileEndpoints
from humangate.turnstile.sitekeys import SitekeyBook
from humangate.turnstile.siteverify import MAX_BODY, Siteverifier

PREFIX = "turnstile/"


class Widget:
    """Implements :class:`humangate.turnstile.endpoints.WidgetHost` for one engine."""

    __slots__ = ("_challenger", "_endpoints", "_parts", "_solver", "_visit_of")

    def __init__(
        self, parts: Parts, visit_of: VisitOf, challenger: Challenger, solver: Solver
    ) -> None:
        config = parts.config
        self._parts = parts
        self._visit_of = visit_of
        self._challenger = challenger
        self._solver = solver
        self._endpoints = TurnstileEndpoints(
            SitekeyBook(config.sitekeys),
            config.secret_keys,
            config.path_prefix,
            parts.assets,
            lambda: parts.clock(),  # noqa: PLW0108 - read the clock each time: tests move it
        )

    @property
    def siteverifier(self) -> Siteverifier:
        return self._endpoints.verifier

    def routes(self) -> dict[str, Route]:
        """The widget's entries for the routes table (each answers its own methods:
        siteverify refuses GET with Turnstile's JSON)."""
        solve_body = self._parts.config.max_solve_body
        return {
            f"{PREFIX}v0/api.js": Route(GET, self._answer),
            f"{PREFIX}v0/frame": Route(GET, self._answer),
            f"{PREFIX}v0/solve": Route(POST, self._answer, solve_body),
            f"{PREFIX}v0/siteverify": Route(None, self._answer, MAX_BODY + 1),
        }

    def _answer(self, request: Request, name: str) -> Flow[Outcome]:
        found = yield from self._endpoints.endpoint(self, request, name[len(PREFIX) :])
        return Answer(found or not_found())

    # -- humangate.turnstile.endpoints.WidgetHost -----------------------------------------

    def check_solve(self, request: Request) -> Flow[SolveChecked | Response]:
        return (yield from self._solver.check(self._visit_of(request)))

    def widget_challenge(self, request: Request, level: Level, size: str) -> dict[str, object]:
        # The frame's size decides the box its interaction button is placed in.
        return self._challenger.widget(self._visit_of(request), level, widget_surface(size))

    def preclear(self, request: Request, checked: SolveChecked, level: Level) -> tuple[str, str]:
        # The work paid is the difficulty the widget's challenge was solved at.
        return self._solver.clearance_cookie(
            checked.visit, level, checked.now, checked.assessment, work=checked.ticket.difficulty
        )

    def is_verified_bot(self, request: Request) -> bool:
        fields = self._visit_of(request).fields
        return fields.get("cf.bot_management.verified_bot") is True

    def observe(self, kind: Kind, ray: str, **details: object) -> None:
        self._parts.observe(kind, ray, **details)

    def widget_language(self, request: Request, wanted: str) -> str:
        """The page's choice when it names one we ship, else as for the challenge pages
        (the owner's forced language, then Accept-Language)."""
        if wanted and wanted != "auto" and self._parts.config.language is None:
            return choose_language(None, wanted)
        return self._parts.page_language(request)
