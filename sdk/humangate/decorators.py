"""Route-level control shared by the framework decorators (was ``humangate.routes``).

``challenge("managed")`` on a view asks for at least that clearance on that route, on
top of what the rules decided; ``exempt`` takes a view out of the gate entirely (no
rules, no challenge), as ``csrf_exempt`` does for CSRF. The framework modules
(``humangate.contrib.flask``, ``.django.decorators``, ``.starlette``) apply them.
"""

from __future__ import annotations

from typing import TypeVar

from humangate.levels import Action

EXEMPT_ATTRIBUTE = "humangate_exempt"
ACTION_ATTRIBUTE = "humangate_action"

# What a decorator may be given: the level a visitor must prove, or the action's name.
_BY_NAME = {
    "non_interactive": Action.JS_CHALLENGE,
    "js": Action.JS_CHALLENGE,
    "js_challenge": Action.JS_CHALLENGE,
    "managed": Action.MANAGED_CHALLENGE,
    "managed_challenge": Action.MANAGED_CHALLENGE,
    "interactive": Action.CHALLENGE,
    "challenge": Action.CHALLENGE,
}

T = TypeVar("T")

# Whether any view was ever marked exempt in this process: until one is, the adapters
# skip the URL matching that exemption needs, so the pass path costs nothing extra.
_marked = False


def challenge_action(level: str | Action) -> Action:
    """The challenge action for ``"managed"``, ``"interactive"``, ``"non_interactive"``
    (or an action name); ValueError for anything else, when the view is decorated."""
    action = _BY_NAME.get(str(level))
    if action is None:
        choices = ", ".join(sorted(_BY_NAME))
        raise ValueError(f"humangate.challenge({level!r}): expected one of {choices}")
    return action


def mark_exempt(view: T) -> T:
    """Set the attribute the adapters look for; returns ``view`` itself."""
    global _marked  # noqa: PLW0603 - one process-wide flag, set at import time
    setattr(view, EXEMPT_ATTRIBUTE, True)
    _marked = True
    return view


def any_exempt() -> bool:
    """Whether some view was marked exempt (then requests must be matched to views)."""
    return _marked


def is_exempt(view: object) -> bool:
    """Whether ``view`` (or, for a class-based view, its class) was marked exempt."""
    if getattr(view, EXEMPT_ATTRIBUTE, False):
        return True
    return bool(getattr(getattr(view, "view_class", None), EXEMPT_ATTRIBUTE, False))
