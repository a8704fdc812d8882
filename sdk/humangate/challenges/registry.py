"""The step registry: explicit registration plus entry-point discovery.

Built-in steps are registered at import. Third-party steps either call
:func:`register_challenge` or declare an entry point in the ``humangate.challenges``
group (the object is a step, or a zero-argument factory returning one). Entry points are
read once, lazily, the first time a name is looked up that is not registered, so
importing humangate never imports plugins.
"""

from __future__ import annotations

import logging
import re
import threading
from importlib.metadata import entry_points

from humangate.challenges.protocol import ChallengeStep
from humangate.errors import ConfigError

GROUP = "humangate.challenges"
_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")  # also a URL path segment and a JS key

logger = logging.getLogger("humangate")
_steps: dict[str, ChallengeStep] = {}
_discovered = False
_lock = threading.Lock()


def register_challenge(step: ChallengeStep, *, replace: bool = False) -> ChallengeStep:
    """Make ``step`` available by its name; refuses to shadow another unless ``replace``."""
    if not isinstance(step, ChallengeStep):
        raise TypeError(f"{step!r} does not implement humangate.challenges.ChallengeStep")
    if not _NAME.match(step.name):
        raise ValueError(f"challenge step name {step.name!r} must match {_NAME.pattern}")
    with _lock:
        if step.name in _steps and _steps[step.name] is not step and not replace:
            raise ValueError(f"a challenge step named {step.name!r} is already registered")
        _steps[step.name] = step
    return step


def unregister_challenge(name: str) -> None:
    with _lock:
        _steps.pop(name, None)


def get_step(name: str) -> ChallengeStep:
    """The registered step ``name``, discovering entry points on the first miss."""
    step = _steps.get(name)
    if step is None:
        _discover()
        step = _steps.get(name)
    if step is None:
        raise ConfigError("challenge_steps", f"no challenge step named {name!r} is installed")
    return step


def registered() -> dict[str, ChallengeStep]:
    _discover()
    return dict(_steps)


def reset_discovery() -> None:
    """Forget that entry points were read (tests install plugins after start-up)."""
    global _discovered  # noqa: PLW0603 - module-level registry by design
    with _lock:
        _discovered = False


def _discover() -> None:
    global _discovered  # noqa: PLW0603
    with _lock:
        if _discovered:
            return
        _discovered = True
        found = list(entry_points(group=GROUP))
    for point in found:
        try:
            loaded = point.load()
            step = loaded() if not isinstance(loaded, ChallengeStep) else loaded
            if _steps.get(point.name) is None:
                register_challenge(step)
        except Exception:  # a broken plugin must not take the gate down
            logger.exception("humangate: challenge plugin %r failed to load", point.name)
