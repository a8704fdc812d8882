"""Actions and the clearance levels the challenge actions require."""

from __future__ import annotations

import enum


class Level(enum.IntEnum):
    """What a clearance proves. A higher level satisfies every lower requirement."""

    label: str  # "managed": how configs, rules and logs spell the level

    NONE = 0
    NON_INTERACTIVE = 1
    MANAGED = 2
    INTERACTIVE = 3

    def __init__(self, value: int) -> None:
        # Attributes set once, not properties: the pass path reads them on every request.
        self.label = self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Level:
        try:
            return cls[label.upper()]
        except KeyError:
            raise ValueError(f"unknown level {label!r}") from None


# The clearance each challenge action requires, by the action's name.
_REQUIRED = {
    "js_challenge": Level.NON_INTERACTIVE,
    "managed_challenge": Level.MANAGED,
    "challenge": Level.INTERACTIVE,
}


class Action(enum.StrEnum):
    required_level: Level  # the clearance a challenge action requires; NONE for others
    is_challenge: bool

    SKIP = "skip"
    ALLOW = "allow"
    BLOCK = "block"
    LOG = "log"
    JS_CHALLENGE = "js_challenge"
    MANAGED_CHALLENGE = "managed_challenge"
    CHALLENGE = "challenge"

    def __init__(self, value: str) -> None:
        self.required_level = _REQUIRED.get(value, Level.NONE)
        self.is_challenge = value in _REQUIRED
