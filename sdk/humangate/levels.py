"""Actions and the clearance levels the challenge actions require."""

from __future__ import annotations

import enum


class Level(enum.IntEnum):
    """What a clearance proves. A higher level satisfies every lower requirement."""

    NONE = 0
    NON_INTERACTIVE = 1
    MANAGED = 2
    INTERACTIVE = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def from_label(cls, label: str) -> Level:
        try:
            return cls[label.upper()]
        except KeyError:
            raise ValueError(f"unknown level {label!r}") from None


class Action(enum.StrEnum):
    SKIP = "skip"
    ALLOW = "allow"
    BLOCK = "block"
    LOG = "log"
    JS_CHALLENGE = "js_challenge"
    MANAGED_CHALLENGE = "managed_challenge"
    CHALLENGE = "challenge"

    @property
    def required_level(self) -> Level:
        """The clearance a challenge action requires (NONE for the other actions)."""
        return _REQUIRED.get(self, Level.NONE)

    @property
    def is_challenge(self) -> bool:
        return self in _REQUIRED


_REQUIRED = {
    Action.JS_CHALLENGE: Level.NON_INTERACTIVE,
    Action.MANAGED_CHALLENGE: Level.MANAGED,
    Action.CHALLENGE: Level.INTERACTIVE,
}
